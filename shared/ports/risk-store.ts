// The risk function's storage port: one consistent read of everything a batch of pre-trade decisions needs,
// and one conditional write of the decisions with all they change (order, audit entries, in-flight size, rate window,
// session with its loss warning, throttle trip; never the trading state, which only the breaker and kill switch
// write), so a duplicate intent or a lost race changes nothing. Apart from it, before each decision, the
// intent's count for the flood limit (an atomic add, never rolled back).
import type { AuditEntry } from '../audit/audit-entry';
import type { AccountBook, InFlightChange } from '../ledger/account-book';
import type { ItemRevision } from '../market/item-revision';
import type { InstrumentReference, Mark } from '../market/marks';
import type { OrderRecord } from '../orders/order-record';
import type { TradingState } from '../trading-state/trading-state';
import type { StrategySwitch } from '../strategy-switch/switch-state';

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
  /** The switches of the strategies read that were ever switched (a strategy absent is ENABLED). */
  strategySwitches: Readonly<Record<string, StrategySwitch>>;
  existingOrder: OrderRecord | undefined;
}

/** What one batch of an account's decisions reads: the account, the market, and each intent's order if decided. */
export interface DecisionSnapshot extends Omit<RiskSnapshot, 'existingOrder' | 'throttle'> {
  /** The account scope's throttle, and each strategy's of the batch (a strategy never throttled reads empty). */
  throttle: { account: ExecutionThrottleState; strategies: Readonly<Record<string, ExecutionThrottleState>> };
  /** The orders the batch's intents already have (a redelivered intent), by intent id. */
  existingOrders: ReadonlyMap<string, OrderRecord>;
}

/** A batch of one account's decisions, written together or not at all. */
export interface RecordDecisionInput {
  account: string;
  /** One per decided intent; each written only if its intent has no order yet. */
  orders: OrderRecord[];
  /** Present when the window changed: written only if its version is unchanged. */
  orderRate?: { approvals: ApprovalEntry[]; expectedVersion: number };
  audit: AuditEntry[];
  /** The approvals' sizes, in flight on the book from this write on; each also counts one open order. */
  inFlight: InFlightChange[];
  /** A new session or a new peak: written only if the stored session is still at `expectedVersion`. */
  session?: { next: RiskSession; expectedVersion: number };
  /** Execution throttle trips: trading stays disabled for each scope until a person re-enables it. */
  throttleTrips: { strategy: string; disabledAt: number }[];
  /** Fill buckets too old for any window, removed to keep the throttle items small. */
  throttlePrune: { strategy: string; bucketStartMs: number[] }[];
}

export interface RiskStore {
  /**
   * Adds `by` intents (one by default) to the account's and the strategy's count for the bucket starting at
   * bucketStartMs, in one atomic write that reads nothing first, and returns both counts after it; throws
   * when it failed.
   */
  countIntent(account: string, strategy: string, bucketStartMs: number, by?: number): Promise<IntentCount>;
  /** One strongly consistent read of the account's risk state, the market and the intent's order if any. */
  loadRiskSnapshot(account: string, strategy: string, intentId: string): Promise<RiskSnapshot>;
  /** The same for a batch: one strongly consistent read for the strategies and intents named. */
  loadDecisionSnapshot(account: string, strategies: readonly string[], intentIds: readonly string[]): Promise<DecisionSnapshot>;
  /**
   * Writes the batch in one conditional transaction: 'duplicate' when an intent of it already has an order;
   * ConcurrentUpdateError when the rate window or the session moved, or the write lost a race.
   */
  recordDecisions(input: RecordDecisionInput): Promise<'recorded' | 'duplicate'>;
  /** Strongly consistent: the order a replayed intent already decided. */
  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined>;
  /**
   * A named person lifts an execution-throttle trip ('*' is the account scope), with its audit entry in the
   * same write: 'not-disabled' when the scope is not disabled now, 'same-person' when this person lifted the
   * scope's previous trip (a repeat needs another person).
   */
  reenableExecution(account: string, strategy: string, person: string, atMs: number, audit: AuditEntry): Promise<'reenabled' | 'not-disabled' | 'same-person'>;
}
