// The risk function's storage port: one consistent read of everything a pre-trade decision needs, and one
// conditional write of the decision with all it changes (order, audit entries, in-flight size, rate window,
// session with its loss warning, throttle trip; never the trading state, which only the breaker and kill switch
// write), so a duplicate intent or a lost race changes nothing. Apart from it, before each decision, the
// intent's count for the flood limit (an atomic add, never rolled back).
import type { AuditEntry } from '../audit/audit-entry';
import type { AccountBook, InFlightChange } from '../ledger/account-book';
import type { ItemRevision } from '../market/item-revision';
import type { InstrumentReference, Mark } from '../market/marks';
import type { OrderRecord } from '../orders/order-record';
import type { TradingState } from '../trading-state/trading-state';

/** The account's current risk session: equity at its start and its peak so far. */
export interface RiskSession {
  sessionStartMs: number;
  startEquity: string;
  peakEquity: string;
  /** The loss warning of this session, once reached: the account trades as WARNING until the session ends. */
  warning?: { at: string; reason: string };
}

/** Fills counted for the execution throttle, and whether a trip disabled trading until a person re-enables it. */
export interface ExecutionThrottleState {
  fills: readonly { bucketStartMs: number; count: number }[];
  disabledAt?: number;
  enabledAt?: number;
  enabledBy?: string;
}

/** One order or cancel remembered in the account's sliding window. */
export interface ApprovalEntry {
  at: number;
  kind: 'order' | 'cancel';
  symbol: string;
  side: 'buy' | 'sell';
  /** The size the strategy asked for (duplicative orders are judged on what was asked). */
  quantity: string;
  strategy: string;
  /** The order's limit price, or the mark a market order was valued at (the period collar reads it). */
  price: string;
}

/** An intent's count for the flood limit: its bucket's totals for the account and its strategy, this intent included. */
export interface IntentCount {
  bucketStartMs: number;
  account: number;
  strategy: number;
}

export interface RiskSnapshot {
  tradingState: TradingState | undefined;
  /** When the trading state was last written (its updatedAt), when known. */
  tradingStateSince: string | undefined;
  limitsOverride: unknown;
  /** Bumped on every write of the override. */
  limitsVersion: string | undefined;
  /** The latest mark of every symbol the feed prices. */
  marks: Readonly<Record<string, Mark>>;
  marksRevision: ItemRevision | undefined;
  book: AccountBook;
  reference: Readonly<Record<string, InstrumentReference>>;
  referenceRevision: ItemRevision | undefined;
  session: (RiskSession & { version: number }) | undefined;
  throttle: { strategy: ExecutionThrottleState; account: ExecutionThrottleState };
  orderRate: { approvals: ApprovalEntry[]; version: number };
  /** Approved orders of the account that are not final yet. */
  openOrders: number;
  existingOrder: OrderRecord | undefined;
}

export interface RecordDecisionInput {
  order: OrderRecord;
  /** Present when the window changed: written only if its version is unchanged. */
  orderRate?: { approvals: ApprovalEntry[]; expectedVersion: number };
  audit: AuditEntry[];
  /** Present when approved: the approved size becomes in-flight exposure in the same transaction. */
  inFlight?: InFlightChange;
  /** A new session or a new peak: written only if the stored session is still at `expectedVersion`. */
  session?: { next: RiskSession; expectedVersion: number };
  /** The loss warning moves ACTIVE to WARNING, only if the state is still ACTIVE. */
  /** The execution throttle tripped: trading stays disabled for this scope until a person re-enables it. */
  throttleTrip?: { strategy: string; disabledAt: number };
  /** Fill buckets too old for any window, removed to keep the throttle item small. */
  throttlePrune?: { strategy: string; bucketStartMs: number[] }[];
}

export interface RiskStore {
  /**
   * Adds one intent to the account's and the strategy's count for the bucket starting at bucketStartMs, in
   * one atomic write that reads nothing first, and returns both counts after it; throws when it failed.
   */
  countIntent(account: string, strategy: string, bucketStartMs: number): Promise<IntentCount>;
  /** One strongly consistent read of the account's risk state, the market and the intent's order if any. */
  loadRiskSnapshot(account: string, strategy: string, intentId: string): Promise<RiskSnapshot>;
  /** 'duplicate' when an order for the intent already exists; ConcurrentUpdateError on a rate-window race. */
  recordDecision(input: RecordDecisionInput): Promise<'recorded' | 'duplicate'>;
  /** Strongly consistent: the order a replayed intent already decided. */
  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined>;
  /**
   * A named person lifts an execution-throttle trip ('*' is the account scope), with its audit entry in the
   * same write: 'not-disabled' when the scope is not disabled now, 'same-person' when this person lifted the
   * scope's previous trip (a repeat needs another person).
   */
  reenableExecution(account: string, strategy: string, person: string, atMs: number, audit: AuditEntry): Promise<'reenabled' | 'not-disabled' | 'same-person'>;
}
