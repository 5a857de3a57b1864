// DynamoDB adapter for the DecisionIntake port: the decider lease is one conditional update of the account's
// lease item (free, or expired by the caller's clock) that also counts the notifications of intents
// parked during the holder's tenure (reset on acquire, returned by the release), and parked intents are items of their own
// partitions (INTAKE_SHARDS per account), sorted by arrival within each and merged when read, read strongly consistently and deleted in batches once decided.
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '../../shared/errors/errors';
import type { DecisionIntake, ParkedIntent } from '../../shared/ports/decision-intake';
import { INTAKE_SHARDS, intakePartition, keys } from '../../shared/storage/table-definition';
import type { DynamoTable, Item } from './dynamo-table';
import { int, n } from './items';

/** A parked intent nobody decided (its account went quiet with a dead decider) is removed after a day. */
const PARKED_TTL_SECONDS = 86_400;
const MAX_BATCH_WRITE = 25;

const itemToParked = (item: Item): ParkedIntent => ({
  intended: JSON.parse(String(item.intended)) as ParkedIntent['intended'],
  count: JSON.parse(String(item.count)) as ParkedIntent['count'],
  receivedAtMs: int(item.receivedAtMs),
});

export class DynamoDecisionIntake implements DecisionIntake {
  constructor(private readonly table: DynamoTable) {}

  acquire(account: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean> {
    return this.table.updateIf('UpdateItem (decider lease)', {
      Key: keys.deciderLease(account),
      UpdateExpression: 'SET #owner = :owner, expiresAtMs = :until, notified = :zero',
      ConditionExpression: 'attribute_not_exists(#owner) OR expiresAtMs < :now',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner, ':until': n(nowMs + leaseMs), ':now': n(nowMs), ':zero': n(0) },
    });
  }

  async release(account: string, owner: string): Promise<{ notified: boolean }> {
    const released = await this.table.tryConditional('UpdateItem (decider release)', () =>
      this.table.doc.send(new UpdateCommand({
        TableName: this.table.name,
        Key: keys.deciderLease(account),
        UpdateExpression: 'REMOVE #owner, expiresAtMs, notified',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        ReturnValues: 'ALL_OLD',
      })),
    );
    // A lease lost to expiry: whoever took it over looks at what was parked, but looking again costs nothing wrong.
    if (!released.applied) return { notified: true };
    return { notified: int(released.result.Attributes?.notified ?? 0) > 0 };
  }

  notifyHolder(account: string, nowMs: number): Promise<boolean> {
    return this.table.updateIf('UpdateItem (notify decider)', {
      Key: keys.deciderLease(account),
      UpdateExpression: 'ADD notified :one',
      ConditionExpression: 'attribute_exists(#owner) AND expiresAtMs >= :now',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':one': n(1), ':now': n(nowMs) },
    });
  }

  async park(account: string, intents: readonly ParkedIntent[]): Promise<void> {
    const items = intents.map((intent) => ({
      ...keys.parkedIntent(account, intent.receivedAtMs, intent.intended.data.intentId),
      type: 'PARKED_INTENT',
      intended: JSON.stringify(intent.intended),
      count: JSON.stringify(intent.count),
      receivedAtMs: n(intent.receivedAtMs),
      expiresAt: n(Math.floor(intent.receivedAtMs / 1000) + PARKED_TTL_SECONDS),
    }));
    const [only] = items;
    if (items.length === 1 && only) {
      await this.table.put('PutItem (parked intent)', { Item: only });
      return;
    }
    await this.batchWrite('BatchWrite (park)', items.map((Item) => ({ PutRequest: { Item } })));
  }

  /** The `limit` oldest parked intents: the oldest of each shard, merged by arrival (the sort key). */
  async parked(account: string, limit: number): Promise<ParkedIntent[]> {
    const shards = await Promise.all(
      Array.from({ length: INTAKE_SHARDS }, (_, shard) =>
        this.table.call('Query (parked intents)', () =>
          this.table.doc.send(new QueryCommand({
            TableName: this.table.name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': intakePartition(account, shard) },
            ConsistentRead: true,
            Limit: limit,
          })),
        ),
      ),
    );
    return shards
      .flatMap((out) => out.Items ?? [])
      .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0))
      .slice(0, limit)
      .map(itemToParked);
  }

  async unpark(account: string, intents: readonly Pick<ParkedIntent, 'receivedAtMs' | 'intended'>[]): Promise<void> {
    await this.batchWrite('BatchWrite (unpark)', intents.map((p) => ({ DeleteRequest: { Key: keys.parkedIntent(account, p.receivedAtMs, p.intended.data.intentId) } })));
  }

  /** Writes every request, in chunks of 25, again for what DynamoDB returned unprocessed (a few rounds at most). */
  private async batchWrite(label: string, all: readonly Record<string, unknown>[]): Promise<void> {
    let requests = [...all];
    for (let round = 0; requests.length > 0; round++) {
      if (round > 5) throw new InfrastructureError(`${label} kept returning unprocessed parked intents`, 'dynamodb');
      const unprocessed: typeof requests = [];
      for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE) {
        const chunk = requests.slice(i, i + MAX_BATCH_WRITE);
        const out = await this.table.call(label, () => this.table.doc.send(new BatchWriteCommand({ RequestItems: { [this.table.name]: chunk } })));
        unprocessed.push(...((out.UnprocessedItems?.[this.table.name] ?? []) as typeof requests));
      }
      requests = unprocessed;
    }
  }
}
