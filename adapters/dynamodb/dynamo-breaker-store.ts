// DynamoDB adapter for the BreakerStore port: one item per account for its recent trips (a versioned write,
// retried when another trip of the account wins the race) and one for its current execution. The newest
// execution owns that record (docs/circuit-breaker.md, "Execution record"): a start claims it from any
// execution whose breach was detected no later; every other write needs the owner's breach id (or no item
// yet), so a superseded execution never overwrites a newer one's stage or approval token.
import type { AuditEntry } from '../../shared/audit/audit-entry';
import {
  BreakerStageSchema,
  type BreakerExecutionRecord,
  type BreakerStageWrite,
  type BreakerStore,
  type BreakerTripEntry,
  type PendingBreakerApproval,
} from '../../shared/ports/breaker-store';
import { jitteredBackoff } from '../../shared/retry/backoff';
import { keys } from '../../shared/storage/table-definition';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { anyConditionFailed, LostRace, type DynamoTable, type Item, type TransactItem } from './dynamo-table';
import { auditPut, int, n } from './items';

/** Trips of one account rarely race; a write lost this many times in a row is reported as a failure. */
const TRIP_WRITE_ATTEMPTS = 8;

/**
 * A stage write by the record's owner (or the first writer): sets the stage and, with `approval`, the
 * pending approval; any other stage removes a pending approval, so a token never outlives its wait.
 */
const breakerExecutionUpdate = (write: BreakerStageWrite, approval: PendingBreakerApproval | undefined) => ({
  Key: keys.breakerExecution(write.account),
  UpdateExpression: `SET #type = :type, #account = :account, #breachId = :id, #kind = :kind, #stage = :stage, #since = :since, #detectedAtMs = :ms${
    approval ? ', #approval = :approval' : ' REMOVE #approval'
  }`,
  ConditionExpression: 'attribute_not_exists(pk) OR #breachId = :id',
  ExpressionAttributeNames: {
    '#type': 'type',
    '#account': 'account',
    '#breachId': 'breachId',
    '#kind': 'kind',
    '#stage': 'stage',
    '#since': 'since',
    '#detectedAtMs': 'detectedAtMs',
    '#approval': 'approval',
  },
  ExpressionAttributeValues: {
    ':type': 'BREAKER_EXECUTION',
    ':account': write.account,
    ':id': write.breachId,
    ':kind': write.kind,
    ':stage': write.stage,
    ':since': write.since,
    ':ms': write.detectedAtMs,
    ...(approval ? { ':approval': approval } : {}),
  },
});

const itemToTrips = (item: Item | undefined): BreakerTripEntry[] =>
  Array.isArray(item?.trips) ? (item.trips as Record<string, unknown>[]).map((t) => ({ breachId: String(t.breachId), atMs: int(t.atMs) })) : [];

const itemToApproval = (account: string, approval: Record<string, unknown>): PendingBreakerApproval => ({
  account,
  breachId: String(approval.breachId),
  taskToken: String(approval.taskToken),
  requestedAt: String(approval.requestedAt),
  excludedApprovers: Array.isArray(approval.excludedApprovers) ? approval.excludedApprovers.map(String) : [],
});

export class DynamoBreakerStore implements BreakerStore {
  constructor(private readonly table: DynamoTable) {}

  async recordBreakerTrip(account: string, breachId: string, atMs: number, windowMs: number): Promise<readonly BreakerTripEntry[]> {
    const key = keys.breakerTrips(account);
    const inWindow = (trips: readonly BreakerTripEntry[]) => trips.filter((t) => t.atMs >= atMs - windowMs && t.atMs <= atMs);
    const what = 'PutItem (breaker trips)';
    return this.table.retryOnConflict(
      what,
      TRIP_WRITE_ATTEMPTS,
      async () => {
        const item = await this.table.get('GetItem (breaker trips)', key);
        const version = int(item?.version);
        const stored = itemToTrips(item);
        // A replayed trip (a retried task) is counted once.
        if (stored.some((t) => t.breachId === breachId)) return inWindow(stored);
        // Keep only what a later trip's window could still reach (trips never arrive far out of order).
        const next = [...stored.filter((t) => t.atMs >= atMs - windowMs), { breachId, atMs }];
        const write = await this.table.tryConditional(what, () =>
          this.table.doc.send(
            new PutCommand({
              TableName: this.table.name,
              Item: { ...key, type: 'BREAKER_TRIPS', account, trips: next.map((t) => ({ breachId: t.breachId, atMs: n(t.atMs) })), version: n(version + 1) },
              ...(version === 0 ? { ConditionExpression: 'attribute_not_exists(pk)' } : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(version) } }),
            }),
          ),
        );
        // Another trip of the account won the race: read again and append to what it wrote.
        return write.applied ? inWindow(next) : new LostRace(write.error);
      },
      jitteredBackoff,
    );
  }

  async recordBreakerStage(write: BreakerStageWrite, start: boolean): Promise<'recorded' | 'superseded'> {
    const what = 'write (breaker execution)';
    const applied = start
      ? await this.table.putIf(what, {
          Item: { ...keys.breakerExecution(write.account), type: 'BREAKER_EXECUTION', ...write },
          ConditionExpression: 'attribute_not_exists(pk) OR breachId = :id OR attribute_not_exists(detectedAtMs) OR detectedAtMs <= :ms',
          ExpressionAttributeValues: { ':id': write.breachId, ':ms': write.detectedAtMs },
        })
      : await this.table.updateIf(what, breakerExecutionUpdate(write, undefined));
    return applied ? 'recorded' : 'superseded';
  }

  async recordBreakerApproval(approval: PendingBreakerApproval, write: Omit<BreakerStageWrite, 'stage'>): Promise<'recorded' | 'superseded'> {
    const applied = await this.table.updateIf('UpdateItem (breaker approval)', breakerExecutionUpdate({ ...write, stage: 'AWAITING_APPROVAL' }, approval));
    return applied ? 'recorded' : 'superseded';
  }

  async getBreakerExecution(account: string): Promise<BreakerExecutionRecord | undefined> {
    const item = await this.table.get('GetItem (breaker execution)', keys.breakerExecution(account));
    if (!item) return undefined;
    const stage = BreakerStageSchema.safeParse(item.stage);
    // An unreadable stage is not guessed at: status shows no execution rather than a wrong one.
    if (!stage.success) return undefined;
    const approval = item.approval as Record<string, unknown> | undefined;
    return {
      account,
      breachId: String(item.breachId),
      kind: String(item.kind),
      stage: stage.data,
      since: String(item.since),
      ...(approval ? { approval: itemToApproval(account, approval) } : {}),
    };
  }

  async takeBreakerApproval(account: string, taskToken: string, audit: AuditEntry): Promise<'taken' | 'gone'> {
    const take: TransactItem = {
      Update: {
        TableName: this.table.name,
        Key: keys.breakerExecution(account),
        UpdateExpression: 'REMOVE #approval',
        // Still this token: a second decision on the same approval finds it gone and sends nothing.
        ConditionExpression: '#approval.taskToken = :token',
        ExpressionAttributeNames: { '#approval': 'approval' },
        ExpressionAttributeValues: { ':token': taskToken },
      },
    };
    // Either the approval is gone, or this very decision (same request) was recorded already.
    return this.table.transact('TransactWrite (breaker approval decision)', [take, auditPut(this.table.name, audit)], 'taken', (codes) =>
      anyConditionFailed(codes) ? 'gone' : undefined,
    );
  }

  async restoreBreakerApproval(approval: PendingBreakerApproval): Promise<'restored' | 'moved'> {
    const applied = await this.table.updateIf('UpdateItem (breaker approval restore)', {
      Key: keys.breakerExecution(approval.account),
      UpdateExpression: 'SET #approval = :approval',
      ConditionExpression: '#breachId = :id AND #stage = :awaiting AND attribute_not_exists(#approval)',
      ExpressionAttributeNames: { '#approval': 'approval', '#breachId': 'breachId', '#stage': 'stage' },
      ExpressionAttributeValues: { ':approval': approval, ':id': approval.breachId, ':awaiting': 'AWAITING_APPROVAL' },
    });
    return applied ? 'restored' : 'moved';
  }
}
