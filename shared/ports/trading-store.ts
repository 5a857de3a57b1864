// The storage port for trading state, orders, positions and the audit trail. The DynamoDB adapter
// implements it; each method is one read or one write round trip, and every write is conditional so a
// duplicate or a lost race changes nothing.
import type { AuditEntry } from '../audit/audit-entry';
import type { Position } from '../ledger/position';
import type { OrderRecord, OrderStatus } from '../orders/order-record';
import type { Mark } from '../risk/evaluate';
import type { ReconciliationBreak } from '../events/reconciliation-events';
import type { DenialReason } from '../risk/reasons';
import type { StateChangeOutcome, TradingStateChange } from '../trading-state/state-change';
import type { TradingState } from '../trading-state/trading-state';
import type { BreakerExecutionRecord, BreakerStageWrite, PendingBreakerApproval } from '../breaker/breaker-execution';

/** One symbol of the account book: the position's quantity and the sizes of approved orders in flight. */
export interface BookEntry {
  quantity: string;
  inflightBuy: string;
  inflightSell: string;
}

/**
 * Names one stored state of a container item (the book, the marks, the reference data), so a warm risk
 * function re-values only the symbols that changed since the state it valued last. Every write of such an
 * item bumps `version` and records the symbols it touched; `epoch` is fixed when the item is created, so a
 * re-created item never matches a memo of the old one.
 */
export interface ItemRevision {
  epoch: string;
  version: number;
  /** The symbols the write that produced `version` touched. */
  changed: readonly string[];
}

/**
 * The account book: cash and every symbol's exposure in one item, so a decision sees the whole account in
 * one read. The ledger and the approvals keep it in step with the position items in the same transactions.
 */
export interface AccountBook {
  cash: string;
  positions: Readonly<Record<string, BookEntry>>;
  /** Absent when unknown: the valuation then compares every symbol. */
  revision?: ItemRevision;
  /** When reconciliation last set the cash to the broker's (ISO-8601); absent until the first sync. */
  cashSyncedAt?: string;
}

/** Reference data per symbol, loaded daily: average daily volume and the sector used for concentration. */
export interface InstrumentReference {
  adv?: string;
  sector?: string;
}

/** The account's current risk session: equity at its start and its peak so far. */
export interface RiskSession {
  sessionStartMs: number;
  startEquity: string;
  peakEquity: string;
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

export interface RiskSnapshot {
  tradingState: TradingState | undefined;
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
  inflight?: InflightChange;
  /** A new session or a new peak: written only if the stored session is still at `expectedVersion`. */
  session?: { next: RiskSession; expectedVersion: number };
  /** The loss warning moves ACTIVE to WARNING, only if the state is still ACTIVE. */
  tradingState?: { from: TradingState; to: TradingState };
  /** The execution throttle tripped: trading stays disabled for this scope until a person re-enables it. */
  throttleTrip?: { strategy: string; disabledAt: number };
  /** Fill buckets too old for any window, removed to keep the throttle item small. */
  throttlePrune?: { strategy: string; bucketStartMs: number[] }[];
}

export interface InflightChange {
  symbol: string;
  side: 'buy' | 'sell';
  /** Positive adds exposure (approval); negative releases it (fill, rejection, block). */
  quantity: string;
}

/** A fill booked with an order update: keyed by (brokerOrderId, cumulativeQuantity), written once. */
export interface BookedFill {
  executionId: string;
  brokerOrderId: string;
  cumulativeQuantity: string;
  quantity: string;
  price: string;
  at: string;
}

/**
 * One conditional write of an order and everything that moves with it: written only if the order is still
 * at `expectedVersion` (ConcurrentUpdateError otherwise: reload and reduce again).
 */
export interface OrderUpdateInput {
  account: string;
  intentId: string;
  expectedVersion: number;
  /** When set, the write also requires this worker to hold the submission lease. */
  leaseOwner?: string;
  set: {
    status: OrderStatus;
    brokerOrderId?: string;
    filledQuantity?: string;
    filledNotional?: string;
    brokerFilledQuantity?: string;
    brokerUpdatedAt?: string;
    inflight?: string;
    reason?: DenialReason;
    rejectReason?: string;
    inFlightSince?: string;
    updatedAt: string;
  };
  /** Drop the submission lease (the submitter is done, or gives the order up). */
  releaseLease: boolean;
  fills: BookedFill[];
  /** The position after the fills, written only if its stored version is `before.version`. */
  position?: { before: Position; after: Position };
  cashDelta: string;
  /** The change of the order's in-flight size on the book (negative releases exposure). */
  inflight?: InflightChange;
  openOrdersDelta: -1 | 0 | 1;
  /** The strategy whose fills these are, and the second they count in for the execution throttle. */
  throttle?: { strategy: string; bucketStartMs: number };
  audit: AuditEntry[];
}

export interface ReconciliationRecord {
  account: string;
  runId: string;
  status: 'clean' | 'breaks' | 'failed';
  completedAt: string;
  breaks: ReconciliationBreak[];
  /** Local live orders checked against the broker plus broker open orders checked against the table. */
  ordersCompared?: number;
  /** Broker orders without a local record, adopted as external in this run. */
  adopted?: number;
  /** IN_FLIGHT orders settled in this run. */
  settled?: number;
  /** Cash as read on both sides (local before any sync); absent when either side could not be read. */
  cash?: { broker: string; local: string };
}

/** A reconciliation's cash write: the book's cash becomes the broker's only if it is still what was read. */
export interface CashSyncInput {
  brokerCash: string;
  /** The local cash the decision was made on; the write fails ('moved') if the book moved since. */
  expectedLocalCash: string;
  /** ISO-8601: stored as the book's `cashSyncedAt`. */
  at: string;
  audit: AuditEntry;
}

/**
 * A successful claim says whether it took over an expired lease: the previous worker may have reached the
 * broker before it died, so the new one must ask the broker before deciding anything else.
 */
export type ClaimResult =
  | { claimed: true; order: OrderRecord; previousStatus: OrderStatus; tookOverExpiredLease: boolean }
  | { claimed: false; order: OrderRecord | undefined };

export interface TradingStore {
  // Risk
  loadRiskSnapshot(account: string, strategy: string, intentId: string): Promise<RiskSnapshot>;
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
    /** Statuses the claim may start from besides PENDING and an expired SUBMITTED lease (e.g. IN_FLIGHT). */
    alsoFrom?: readonly OrderStatus[],
  ): Promise<ClaimResult>;
  getPosition(account: string, symbol: string): Promise<Position>;
  /** Strongly consistent: the symbol's quantity and in-flight sizes in the account book. */
  getBookEntry(account: string, symbol: string): Promise<BookEntry>;
  /** ConcurrentUpdateError when the order or the position moved since they were read. */
  recordOrderUpdate(input: OrderUpdateInput): Promise<void>;
  /** Orders of the account in any of these statuses (reconciliation, cancel-all, settlement). */
  listOrders(account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]>;
  /**
   * Creates an order found at the broker without a local record; false when one exists already. With
   * `inflight`, its unfilled size is added to the book's in-flight size in the same write (as an approval
   * does), so risk counts the external exposure.
   */
  adoptOrder(order: OrderRecord, audit: AuditEntry, inflight?: InflightChange): Promise<boolean>;

  /**
   * Appends a cancel sent to the broker to the account's rate window with its audit entry, in one write:
   * it moves the window's version, so a risk decision racing with it re-reads the window and counts the
   * cancel. 'duplicate' (nothing written) when the audit entry exists: a replayed request counts once.
   */
  recordCancelMessage(account: string, entry: ApprovalEntry, audit: AuditEntry): Promise<'recorded' | 'duplicate'>;
  /** Appends audit entries on their own (operator commands); an entry already written is skipped. */
  recordAudit(entries: readonly AuditEntry[]): Promise<void>;

  /**
   * Moves the account's trading state if it is in one of `change.from` (any, when empty), with its audit
   * entry, in one conditional write: 'unchanged' when already there, 'refused' when in another state.
   */
  changeTradingState(change: TradingStateChange): Promise<StateChangeOutcome>;

  /** A named person lifts an execution-throttle trip ('*' is the account scope). */
  reenableExecution(account: string, strategy: string, person: string, atMs: number, audit: AuditEntry): Promise<'reenabled' | 'not-disabled'>;

  // Reconciliation
  listPositions(account: string): Promise<Position[]>;
  recordReconciliation(record: ReconciliationRecord, audit: AuditEntry): Promise<void>;
  /** Strongly consistent: the account book (cash, per-symbol quantity and in-flight sizes, cashSyncedAt). */
  getBook(account: string): Promise<AccountBook>;
  /**
   * Sets the book's cash to the broker's and stamps `cashSyncedAt`, with the audit entry, in one write;
   * 'moved' when the cash is no longer `expectedLocalCash` (a fill landed meanwhile) and nothing was written.
   */
  syncCash(account: string, input: CashSyncInput): Promise<'synced' | 'moved'>;

  // Kill switch (issue 5)
  /** The latest reconciliation run of the account (RECONCILIATION#LATEST), strongly consistent. */
  getReconciliation(account: string): Promise<ReconciliationRecord | undefined>;
  /** Every symbol's latest mark (status valuation). */
  getMarks(): Promise<Record<string, Mark>>;

  // Dead-man switch (issue 5)
  /** The feed says it is alive; the stored time only moves forward (an older heartbeat changes nothing). */
  putFeedHeartbeat(feedId: string, at: string): Promise<void>;
  /** The latest heartbeat, strongly consistent; undefined when no feed ever wrote one. */
  getFeedHeartbeat(): Promise<FeedHeartbeat | undefined>;
  /**
   * Stores who activated the kill switch, unless an activation not yet released is stored: 'exists' then,
   * and the first activator is kept (release is judged against the person who pulled the switch).
   */
  recordKillSwitch(account: string, record: KillSwitchActivation): Promise<'recorded' | 'exists'>;
  getKillSwitch(account: string): Promise<KillSwitchRecord | undefined>;
  /** Marks the stored activation released; 'not-active' when there is none to release. */
  releaseKillSwitch(account: string, release: KillSwitchRelease): Promise<'released' | 'not-active'>;
  /** The trading state with who last wrote it and when (the activator of a KILLED set by the breaker), strongly consistent. */
  getTradingStateRecord(account: string): Promise<{ state: TradingState | undefined; updatedBy?: string; updatedAt?: string }>;

  // Circuit breaker (issue 5)
  /**
   * Records a breaker trip of the account, once per breach id (a replay adds nothing), and returns the
   * account's trips within [atMs - windowMs, atMs], this one included; older trips are dropped from the item.
   */
  recordBreakerTrip(account: string, breachId: string, atMs: number, windowMs: number): Promise<readonly BreakerTripEntry[]>;

  // The breaker's current execution and its pending approval (one item per account, BREAKER#EXECUTION)
  /**
   * Writes the stage of an execution. `start`: the execution claims the record, replacing the one of an
   * execution whose breach was detected no later than this one; otherwise only the record's owner (or the
   * first writer) moves it. Any stage but AWAITING_APPROVAL drops a pending approval. 'superseded': a newer
   * execution owns the record and nothing was written.
   */
  recordBreakerStage(write: BreakerStageWrite, start: boolean): Promise<'recorded' | 'superseded'>;
  /** The owner stores its approval token and moves to AWAITING_APPROVAL; 'superseded' as above. */
  recordBreakerApproval(approval: PendingBreakerApproval, write: Omit<BreakerStageWrite, 'stage'>): Promise<'recorded' | 'superseded'>;
  /** Strongly consistent. */
  getBreakerExecution(account: string): Promise<BreakerExecutionRecord | undefined>;
  /**
   * Removes the pending approval if it still holds `taskToken`, with the audit entry of the person's decision,
   * in one write: 'gone' when another decision (or the execution moving on) removed it first.
   */
  takeBreakerApproval(account: string, taskToken: string, audit: AuditEntry): Promise<'taken' | 'gone'>;
  /** Puts a taken approval back after its delivery failed, only if the execution still waits for it. */
  restoreBreakerApproval(approval: PendingBreakerApproval): Promise<'restored' | 'moved'>;
}

/** The feed's latest heartbeat: which feed task wrote it and when (ISO-8601). */
export interface FeedHeartbeat {
  feedId: string;
  at: string;
}

/** One breaker trip remembered for the escalation window. */
export interface BreakerTripEntry {
  breachId: string;
  atMs: number;
}

export interface KillSwitchActivation {
  activatedBy: string;
  reason: string;
  /** ISO-8601. */
  at: string;
  requestId: string;
}

export interface KillSwitchRelease {
  releasedBy: string;
  reason: string;
  at: string;
  requestId: string;
}

export interface KillSwitchRecord extends KillSwitchActivation {
  account: string;
  release?: KillSwitchRelease;
}
