// DynamoDB adapter for the DecisionIntake port: the decider lease is one conditional update of the account's
// RISK#DECIDER item (free, or expired by the caller's clock), and parked intents are items of their own
// partition, sorted by arrival, read strongly consistently and deleted in batches once decided.
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '../../shared/errors/errors';
import type { DecisionIntake, ParkedIntent } from '../../shared/ports/decision-intake';
import { INTAKE_PARTITION_PREFIX, keys } from '../../shared/storage/table-definition';
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
      UpdateExpression: 'SET #owner = :owner, expiresAtMs = :until',
      ConditionExpression: 'attribute_not_exists(#owner) OR expiresAtMs < :now',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner, ':until': n(nowMs + leaseMs), ':now': n(nowMs) },
    });
  }

  async release(account: string, owner: string): Promise<void> {
    await this.table.updateIf('UpdateItem (decider release)', {
      Key: keys.deciderLease(account),
      UpdateExpression: 'REMOVE #owner, expiresAtMs',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': owner },
    });
  }

  async held(account: string, nowMs: number): Promise<boolean> {
    const lease = await this.table.get('GetItem (decider lease)', keys.deciderLease(account));
    return lease?.owner !== undefined && int(lease.expiresAtMs) >= nowMs;
  }

  async park(account: string, intent: ParkedIntent): Promise<void> {
    await this.table.put('PutItem (parked intent)', {
      Item: {
        ...keys.parkedIntent(account, intent.receivedAtMs, intent.intended.data.intentId),
        type: 'PARKED_INTENT',
        intended: JSON.stringify(intent.intended),
        count: JSON.stringify(intent.count),
        receivedAtMs: n(intent.receivedAtMs),
        expiresAt: n(Math.floor(intent.receivedAtMs / 1000) + PARKED_TTL_SECONDS),
      },
    });
  }

  async parked(account: string, limit: number): Promise<ParkedIntent[]> {
    const out = await this.table.call('Query (parked intents)', () =>
      this.table.doc.send(new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${INTAKE_PARTITION_PREFIX}${account}` },
        ConsistentRead: true,
        Limit: limit,
      })),
    );
    return (out.Items ?? []).map(itemToParked);
  }

  async unpark(account: string, intents: readonly Pick<ParkedIntent, 'receivedAtMs' | 'intended'>[]): Promise<void> {
    let requests = intents.map((p) => ({ DeleteRequest: { Key: keys.parkedIntent(account, p.receivedAtMs, p.intended.data.intentId) } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round > 5) throw new InfrastructureError('BatchWrite kept returning unprocessed parked intents', 'dynamodb');
      const unprocessed: typeof requests = [];
      for (let i = 0; i < requests.length; i += MAX_BATCH_WRITE) {
        const chunk = requests.slice(i, i + MAX_BATCH_WRITE);
        const out = await this.table.call('BatchWrite (unpark)', () => this.table.doc.send(new BatchWriteCommand({ RequestItems: { [this.table.name]: chunk } })));
        unprocessed.push(...((out.UnprocessedItems?.[this.table.name] ?? []) as typeof requests));
      }
      requests = unprocessed;
    }
  }
}
