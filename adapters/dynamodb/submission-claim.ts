// The kill gate in DynamoDB: the claim that makes a worker an order's submitter is one TransactWriteItems of
// the order's update (conditional on the version read and on the order being claimable) and a ConditionCheck
// that the account's trading state is still the tradable state read. DynamoDB serialises it with the write of
// HALTED or KILLED, so no claim commits once the stop is durable; a ConditionCheck that the order's strategy is not
// DISABLED does the same for the per-strategy switch. The state and switch items are only checked, never written.
import { TradingStateSchema, isTradable, type TradableState, type TradingState } from '../../shared/trading-state/trading-state';
import { isClaimable, type OrderStatus } from '../../shared/orders/order-record';
import type { ClaimResult } from '../../shared/ports/order-store';
import { jitteredBackoff } from '../../shared/retry/backoff';
import { keys } from '../../shared/storage/table-definition';
import { anyTransactionConflict, conditionFailedAt, LostRace, type DynamoTable, type TransactItem } from './dynamo-table';
import { itemToOrder, n } from './items';

/** A claim that lost to a racing writer (the order, or the state changing between tradable states) this many times fails. */
const CLAIM_ATTEMPTS = 6;

export interface ClaimRequest {
  account: string;
  intentId: string;
  owner: string;
  nowMs: number;
  leaseMs: number;
  alsoFrom: readonly OrderStatus[];
}

/** The order's move to SUBMITTED under this worker's lease, from exactly the version read, stamped with the gate it passed. */
const claimUpdate = (tableName: string, r: ClaimRequest, version: number, state: TradableState): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.order(r.account, r.intentId),
    UpdateExpression:
      'SET #status = :submitting, leaseOwner = :owner, leaseUntil = :until, updatedAt = :at, gatePassedAt = :now, gateState = :state, version = :v1',
    ConditionExpression: `version = :v0 AND (#status = :pending OR (#status = :submitting AND leaseUntil < :now)${r.alsoFrom.map((_, i) => ` OR #status = :also${i}`).join('')})`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':submitting': 'SUBMITTED',
      ':pending': 'PENDING',
      ':owner': r.owner,
      ':until': n(r.nowMs + r.leaseMs),
      ':now': n(r.nowMs),
      ':at': new Date(r.nowMs).toISOString(),
      ':state': state,
      ':v0': n(version),
      ':v1': n(version + 1),
      ...Object.fromEntries(r.alsoFrom.map((status, i) => [`:also${i}`, status])),
    },
  },
});

/** The gate: the state item still holds the tradable state read (a missing item fails it too). */
const gateCheck = (tableName: string, account: string, state: TradableState): TransactItem => ({
  ConditionCheck: {
    TableName: tableName,
    Key: keys.tradingState(account),
    ConditionExpression: '#state = :state',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: { ':state': state },
  },
});

/** The strategy gate: the order's strategy is not DISABLED (no switch item: never switched, so enabled). */
const strategyCheck = (tableName: string, account: string, strategy: string): TransactItem => ({
  ConditionCheck: {
    TableName: tableName,
    Key: keys.strategySwitch(account, strategy),
    ConditionExpression: 'attribute_not_exists(pk) OR #status <> :disabled',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':disabled': 'DISABLED' },
  },
});

/**
 * Reads the order and the trading state (strongly consistent, one call), then claims in one transaction. Not
 * claimable: `claimed: false` with the order as read. Claimable but trading stopped (or the state missing):
 * `tradingStopped`, nothing written. A write that loses to a racing one (the order moved, the state changed
 * between reads and write, a transaction conflict) reads and decides again.
 */
export const claimForSubmission = (table: DynamoTable, r: ClaimRequest): Promise<ClaimResult> =>
  table.retryOnConflict(
    'TransactWrite (claim for submission)',
    CLAIM_ATTEMPTS,
    async (): Promise<ClaimResult | LostRace> => {
      const orderKey = keys.order(r.account, r.intentId);
      const stateKey = keys.tradingState(r.account);
      const found = await table.batchGet([orderKey, stateKey]);
      const item = found(orderKey);
      const order = item ? itemToOrder(item) : undefined;
      if (!order || !isClaimable(order, r.nowMs, r.alsoFrom)) return { claimed: false, order };
      const parsed = TradingStateSchema.safeParse(found(stateKey)?.state);
      const state: TradingState | undefined = parsed.success ? parsed.data : undefined;
      if (!isTradable(state)) return { claimed: false, order, tradingStopped: { state } };
      const version = order.version ?? 0;
      const items = [claimUpdate(table.name, r, version, state), gateCheck(table.name, r.account, state), strategyCheck(table.name, r.account, order.strategy)];
      const claimed: ClaimResult = {
        claimed: true,
        order: { ...order, status: 'SUBMITTED', leaseOwner: r.owner, leaseUntil: r.nowMs + r.leaseMs, version: version + 1, gatePassedAt: r.nowMs, gateState: state },
        previousStatus: order.status,
        tookOverExpiredLease: order.status === 'SUBMITTED',
        gateState: state,
        gatePassedAt: r.nowMs,
      };
      return table.transact<ClaimResult | LostRace>('TransactWrite (claim for submission)', items, claimed, (codes, error) => {
        // The order moved, or the state changed since the read (to a stop or another tradable state): decide again.
        if (conditionFailedAt(codes, 0) || conditionFailedAt(codes, 1) || anyTransactionConflict(codes)) return new LostRace(error);
        // Only a person's disable writes the switch: the strategy is stopped, so the order is not sent.
        return conditionFailedAt(codes, 2) ? { claimed: false, order, tradingStopped: { state, strategyDisabled: true } } : undefined;
      });
    },
    (attempt) => jitteredBackoff(attempt),
  );
