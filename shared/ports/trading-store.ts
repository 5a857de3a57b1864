// The storage port for trading state, orders, positions and the audit trail. The DynamoDB adapter
// implements it; each method is one read or one write round trip, and every write is conditional so a
// duplicate or a lost race changes nothing.
import type { AuditEntry } from '../audit/audit-entry';
import type { Position } from '../ledger/position';
import type { OrderRecord, OrderStatus } from '../orders/order-record';
import type { Mark } from '../risk/evaluate';
import type { ReconciliationBreak } from '../events/reconciliation-events';
import type { TradingState } from '../trading-state/trading-state';

/** A stored position with the quantities of approved orders not yet filled or released. */
export type ExposedPosition = Position & { inflightBuy: string; inflightSell: string };

/** One approval remembered in the account's sliding window. */
export interface ApprovalEntry {
  at: number;
  symbol: string;
  side: 'buy' | 'sell';
  /** The size the strategy asked for (duplicative orders are judged on what was asked). */
  quantity: string;
}

export interface RiskSnapshot {
  tradingState: TradingState | undefined;
  limitsOverride: unknown;
  mark: Mark | undefined;
  position: ExposedPosition | undefined;
  orderRate: { approvals: ApprovalEntry[]; version: number };
  /** Approved orders of the account that are not final yet. */
  openOrders: number;
  existingOrder: OrderRecord | undefined;
}

export interface RecordDecisionInput {
  order: OrderRecord;
  /** Present when approved: the new approval window, written only if the version is unchanged. */
  orderRate?: { approvals: ApprovalEntry[]; expectedVersion: number };
  audit: AuditEntry;
  /** Present when approved: the approved size becomes in-flight exposure in the same transaction. */
  inflight?: InflightChange;
}

export interface InflightChange {
  symbol: string;
  side: 'buy' | 'sell';
  /** Positive adds exposure (approval); negative releases it (fill, rejection, block). */
  quantity: string;
}

export interface ExecutionInput {
  account: string;
  intentId: string;
  leaseOwner: string;
  status: OrderStatus;
  brokerOrderId: string;
  filledQuantity: string;
  updatedAt: string;
  fills: { tradeId: string; quantity: string; price: string; at: string }[];
  /** The position after the fills, written only if its stored version is `version - fills`. */
  position?: { before: Position; after: Position };
  cashDelta: string;
  /** In-flight exposure this execution settles: the filled size, or all of it once the order is final. */
  releaseInflight: InflightChange;
  /** True when the order is final (filled or rejected): it stops counting as open. */
  closesOrder: boolean;
  audit: AuditEntry[];
}

export interface ReconciliationRecord {
  account: string;
  runId: string;
  status: 'clean' | 'breaks' | 'failed';
  completedAt: string;
  breaks: ReconciliationBreak[];
}

/**
 * A successful claim says whether it took over an expired lease: the previous worker may have reached the
 * broker before it died, so the new one must ask the broker before deciding anything else.
 */
export type ClaimResult =
  | { claimed: true; order: OrderRecord; tookOverExpiredLease: boolean }
  | { claimed: false; order: OrderRecord | undefined };

export interface TradingStore {
  // Risk
  loadRiskSnapshot(account: string, symbol: string, intentId: string): Promise<RiskSnapshot>;
  /** 'duplicate' when an order for the intent already exists; ConcurrentUpdateError on a rate-window race. */
  recordDecision(input: RecordDecisionInput): Promise<'recorded' | 'duplicate'>;

  // Order
  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined>;
  /** Strongly consistent: read immediately before talking to the broker. */
  getTradingState(account: string): Promise<TradingState | undefined>;
  claimForSubmission(
    account: string,
    intentId: string,
    owner: string,
    nowMs: number,
    leaseMs: number,
  ): Promise<ClaimResult>;
  blockOrder(account: string, intentId: string, owner: string, updatedAt: string, audit: AuditEntry, release: InflightChange): Promise<void>;
  getPosition(account: string, symbol: string): Promise<Position>;
  /** 'duplicate' when the fills were already applied; ConcurrentUpdateError when the position moved. */
  recordExecution(input: ExecutionInput): Promise<'recorded' | 'duplicate'>;

  // Reconciliation
  listPositions(account: string): Promise<Position[]>;
  recordReconciliation(record: ReconciliationRecord, audit: AuditEntry): Promise<void>;
}
