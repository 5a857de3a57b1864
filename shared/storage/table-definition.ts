// The one definition of the trading table: the CDK construct and the local/test bootstrap both build from
// it, and a test proves the synthesized table and the local one agree. Key design: docs/data-model.md.
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttribute; sortKey: KeyAttribute }[];
  timeToLiveAttribute: string;
}

export const TRADING_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    // Audit by correlation id: every entry of one order, across days and components.
    { indexName: 'byCorrelation', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/**
 * The partition prefix of the items that control trading (the state, the kill-switch record, the breaker's
 * trips and execution with its approval): only the breaker and kill-switch functions may write under it, which
 * IAM can enforce because it checks each write's partition key (infra/trading-table.ts).
 */
export const CONTROL_PARTITION_PREFIX = 'CONTROL#';
/**
 * An account's order items are spread over this many partitions, by a hash of the intent id, so that writing
 * them does not share the account partition's 1,000 write units a second with the items every decision writes
 * (book, open-order count, approvals window, session): docs/scaling.md. Open orders are found through their
 * markers (keys.openOrder), an order by its key; only a whole-history read visits every shard.
 */
export const ORDER_SHARDS = 16;
export const ORDER_PARTITION_PREFIX = 'ORDERS#';

/** FNV-1a (32 bit) over the id's UTF-16 code units, modulo `shards`: the same shard in every process that computes it. */
export const shardOf = (id: string, shards: number): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
};

/** The order shard of an intent. */
export const orderShardOf = (intentId: string): number => shardOf(intentId, ORDER_SHARDS);

/** The partition key of one of an account's order shards. */
export const orderPartition = (account: string, shard: number): string => `${ORDER_PARTITION_PREFIX}${account}#${String(shard).padStart(2, '0')}`;

/** The partition of an account's open-order markers (keys.openOrder). */
export const OPEN_ORDER_PARTITION_PREFIX = 'OPEN#';
/** The partitions of an account's parked intents (keys.parkedIntent). */
export const INTAKE_PARTITION_PREFIX = 'INTAKE#';
/**
 * Parked intents are spread over this many partitions per account (by intent id): under a flood nearly every
 * intent is parked and unparked, two write units each, and one partition takes 1,000 a second (docs/scaling.md).
 * The decider reads the oldest of every shard and merges them by arrival.
 */
export const INTAKE_SHARDS = 4;
/** The partition key of one of an account's intake shards. */
export const intakePartition = (account: string, shard: number): string => `${INTAKE_PARTITION_PREFIX}${account}#${shard}`;
/** The sort-key prefix of the strategy switches in an account's control partition. */
export const STRATEGY_SWITCH_PREFIX = 'STRATEGY#';
const control = (account: string) => `${CONTROL_PARTITION_PREFIX}${account}`;

/**
 * An account-day's audit entries are spread over this many partitions, by a hash of the entry id. Every decision
 * writes a RISK_DECISION entry (under 1 KB: 2 write units in a transaction) and one partition takes 1,000 write
 * units a second, so a single day partition would cap an account near 500 decisions a second, fewer with the
 * order lifecycle's own entries; four leave margin above that target (docs/scaling.md). A day is read by
 * querying every shard and merging by sort key.
 */
export const AUDIT_SHARDS = 4;
export const AUDIT_PARTITION_PREFIX = 'AUDIT#';
/** What every shard key of an account's audit day starts with (`AUDIT#<account>#<yyyy-mm-dd>`); `#<shard>` follows. */
export const auditDayBase = (account: string, day: string): string => `${AUDIT_PARTITION_PREFIX}${account}#${day}`;
/** The partition key of one of an account-day's audit shards. */
export const auditDayPartition = (account: string, day: string, shard: number): string => `${auditDayBase(account, day)}#${shard}`;

/** Item keys. Every access pattern in docs/data-model.md is one of these. */
export const keys = {
  tradingState: (account: string) => ({ pk: control(account), sk: 'STATE' }),
  limits: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'LIMITS' }),
  orderRate: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'RATE#ORDERS' }),
  /** Cash and every symbol's quantity and in-flight sizes (attributes Q#, B#, S# + symbol). */
  book: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'BOOK' }),
  riskSession: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'RISK#SESSION' }),
  /** Fill counts per second (attributes F# + bucket start) and the trip state; strategy '*' is the account. */
  throttle: (account: string, strategy: string) => ({ pk: `ACCOUNT#${account}`, sk: `THROTTLE#${strategy}` }),
  /**
   * Intents the risk function received in one second of their creation (bucket start, epoch ms), denied ones
   * included: `A` for the account, `S#` + strategy per strategy; added to atomically, expiring after an hour.
   * In a partition of their own: one write per intent received must not share the account's write budget.
   */
  intentCount: (account: string, bucketStartMs: number) => ({ pk: `INTENTS#${account}`, sk: `${bucketStartMs}` }),
  openOrders: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'OPEN_ORDERS' }),
  /**
   * The account's decider lease: whoever holds it decides the account's intents, one batch at a time. In a
   * partition of its own: every delivery writes it (an attempt, or a notification) under load.
   */
  deciderLease: (account: string) => ({ pk: `DECIDER#${account}`, sk: 'LEASE' }),
  /**
   * An intent that arrived while another invocation held the decider lease, waiting for it to decide it; in
   * a partition of its own (arrival order by the sort key) so intake never competes with the account's items.
   */
  parkedIntent: (account: string, receivedAtMs: number, intentId: string) => ({
    pk: intakePartition(account, shardOf(intentId, INTAKE_SHARDS)),
    sk: `${String(Math.max(0, Math.floor(receivedAtMs))).padStart(15, '0')}#${intentId}`,
  }),
  /** In one of the account's order partitions (orderPartition), chosen by the intent id: see ORDER_SHARDS. */
  order: (account: string, intentId: string) => ({ pk: orderPartition(account, orderShardOf(intentId)), sk: `${ORDER_PREFIX}${intentId}` }),
  /**
   * One marker per open order of the account, written and deleted in the same transaction that moves the order
   * in or out of an open status: listing open orders reads these and the orders they name, never the history.
   * In a partition of its own so the account's item writes do not share its budget.
   */
  openOrder: (account: string, intentId: string) => ({ pk: `${OPEN_ORDER_PARTITION_PREFIX}${account}`, sk: `INTENT#${intentId}` }),
  position: (account: string, symbol: string) => ({ pk: `ACCOUNT#${account}`, sk: `POSITION#${symbol}` }),
  fill: (account: string, tradeId: string) => ({ pk: `ACCOUNT#${account}`, sk: `FILL#${tradeId}` }),
  reconciliation: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'RECONCILIATION#LATEST' }),
  /** The breaker's recent trips of the account (escalation to KILLED counts them within a window). */
  breakerTrips: (account: string) => ({ pk: control(account), sk: 'BREAKER#TRIPS' }),
  /** The account's current breaker execution (breach id, kind, stage, since) and its pending approval token. */
  breakerExecution: (account: string) => ({ pk: control(account), sk: 'BREAKER#EXECUTION' }),
  /** Who activated the kill switch, why and when, and its release (one item per account, kept). */
  killSwitch: (account: string) => ({ pk: control(account), sk: 'KILL_SWITCH' }),
  /** One strategy's switch (ENABLED / DISABLED, who, why): a control item, written only by the kill-switch API. */
  strategySwitch: (account: string, strategy: string) => ({ pk: control(account), sk: `${STRATEGY_SWITCH_PREFIX}${strategy}` }),
  /** Every symbol's latest mark in one item (attributes M# + symbol), written by the feed. */
  marks: () => ({ pk: 'MARKET', sk: 'MARKS' }),
  /** Reference data per symbol (attributes R# + symbol): average daily volume and sector. */
  reference: () => ({ pk: 'MARKET', sk: 'REFERENCE' }),
  /** The feed's heartbeat (`feedId`, `at`): the dead-man switch reads its age. */
  feedHeartbeat: () => ({ pk: 'MARKET', sk: 'FEED#HEARTBEAT' }),
  /** A market's trading calendar from the broker (`calendar` as JSON text, `range`, `fetchedAt`), written by the feed. */
  calendar: (market: string) => ({ pk: 'MARKET', sk: `CALENDAR#${market}` }),
  /** The feed's leadership lease (`holder`, `expiresAtMs`): one feed per environment connects and publishes. */
  feedLease: () => ({ pk: 'MARKET', sk: 'FEED#LEASE' }),
  /** In one of the account-day's audit shards (auditDayPartition), chosen by the entry id: see AUDIT_SHARDS. */
  audit: (account: string, occurredAt: string, entryId: string) => ({
    pk: auditDayPartition(account, occurredAt.slice(0, 10), shardOf(entryId, AUDIT_SHARDS)),
    sk: `${occurredAt}#${entryId}`,
  }),
  auditByCorrelation: (correlationId: string, occurredAt: string, entryId: string) => ({
    gsi1pk: `CORR#${correlationId}`,
    gsi1sk: `${occurredAt}#${entryId}`,
  }),
} as const;

export const POSITION_PREFIX = 'POSITION#';
/** Attribute-name prefixes inside the book, marks, reference and throttle items. */
export const BOOK_QUANTITY = 'Q#';
export const BOOK_IN_FLIGHT_BUY = 'B#';
export const BOOK_IN_FLIGHT_SELL = 'S#';
export const MARK_PREFIX = 'M#';
export const REFERENCE_PREFIX = 'R#';
export const FILL_BUCKET_PREFIX = 'F#';
/** Attributes of an intent-count item: the account's total, and each strategy's (prefix + strategy). */
export const INTENT_COUNT_ACCOUNT = 'A';
export const INTENT_COUNT_STRATEGY_PREFIX = 'S#';
export const ORDER_PREFIX = 'ORDER#';
