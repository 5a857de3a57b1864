// DynamoDB adapter for the RiskStore port: a batch of decisions' inputs in one consistent BatchGet, and the
// decisions with everything they move in one conditional TransactWrite whose item order maps cancellation
// reasons back (the orders first: one failing means a duplicate intent; 'guarded' items mean a lost race); and,
// apart, the intent count for the flood limit: one UpdateItem with ADD on a per-second item, no read first.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import { ConcurrentUpdateError } from '../../shared/errors/errors';
import { isOpenStatus, type OrderRecord } from '../../shared/orders/order-record';
import type { DecisionSnapshot, IntentCount, RecordDecisionInput, RiskSession, RiskSnapshot, RiskStore } from '../../shared/ports/risk-store';
import { ACCOUNT_SCOPE } from '../../shared/risk/scopes';
import { FILL_BUCKET_PREFIX, INTENT_COUNT_ACCOUNT, INTENT_COUNT_STRATEGY_PREFIX, keys } from '../../shared/storage/table-definition';
import { TradingStateSchema } from '../../shared/trading-state/trading-state';
import { anyConditionFailed, anyTransactionConflict, conditionFailedAt, type DynamoTable, type Item, type TableKey, type TransactItem } from './dynamo-table';
import {
  approvalToItem,
  auditPut,
  inFlightUpdate,
  int,
  itemToApproval,
  itemToBook,
  itemToMarks,
  itemToOrder,
  itemToReference,
  itemToRevision,
  itemToThrottle,
  n,
  openOrderMarker,
  openOrdersUpdate,
  orderPut,
  RATE_TTL_SECONDS,
  str,
} from './items';
import { readOrder } from './order-reads';
import { strategySwitchOf } from './dynamo-strategy-switch-store';
import type { StrategySwitch } from '../../shared/strategy-switch/switch-state';

/** DynamoDB's limit on the items of one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

/** An intent-count item outlives every window that reads it by far; TTL removes it after this. */
const INTENT_COUNT_TTL_SECONDS = 3_600;

/** What a cancellation reason of a decision's item means: the order (duplicate), a lost race, or nothing. */
type DecisionRole = 'order' | 'guarded' | 'plain';

/** Optimistic concurrency on a versioned item: version 0 means the item must not exist yet. */
const versionedPut = (tableName: string, item: Item, expectedVersion: number): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: { ...item, version: n(expectedVersion + 1) },
    ...(expectedVersion === 0
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(expectedVersion) } }),
  },
});

const rateWindowPut = (tableName: string, account: string, createdAt: string, window: NonNullable<RecordDecisionInput['orderRate']>): TransactItem =>
  versionedPut(
    tableName,
    {
      ...keys.orderRate(account),
      approvals: window.approvals.map(approvalToItem),
      expiresAt: n(Math.floor(Date.parse(createdAt) / 1000) + RATE_TTL_SECONDS),
    },
    window.expectedVersion,
  );

const sessionPut = (tableName: string, account: string, next: RiskSession, expectedVersion: number): TransactItem =>
  versionedPut(
    tableName,
    {
      ...keys.riskSession(account),
      type: 'RISK_SESSION',
      sessionStartMs: n(next.sessionStartMs),
      startEquity: n(next.startEquity),
      peakEquity: n(next.peakEquity),
      ...(next.warning ? { warning: next.warning } : {}),
    },
    expectedVersion,
  );

/**
 * The batch's throttle changes, one update per scope (a transaction writes an item once): a trip disables the
 * scope until a person re-enables it; a prune removes fill buckets too old for any window.
 */
const throttleUpdates = (tableName: string, account: string, input: RecordDecisionInput): TransactItem[] => {
  const tripped = new Map(input.throttleTrips.map((t) => [t.strategy, t.disabledAt]));
  const pruned = new Map<string, Set<number>>();
  for (const p of input.throttlePrune) pruned.set(p.strategy, new Set([...(pruned.get(p.strategy) ?? []), ...p.bucketStartMs]));
  return [...new Set([...tripped.keys(), ...pruned.keys()])].flatMap((strategy): TransactItem[] => {
    const disabledAt = tripped.get(strategy);
    const buckets = [...(pruned.get(strategy) ?? [])];
    const removes = [...(disabledAt !== undefined ? ['enabledAt', 'enabledBy'] : []), ...buckets.map((_, i) => `#b${i}`)];
    if (removes.length === 0) return [];
    return [
      {
        Update: {
          TableName: tableName,
          Key: keys.throttle(account, strategy),
          UpdateExpression: `${disabledAt !== undefined ? 'SET disabledAt = :at ' : ''}REMOVE ${removes.join(', ')}`,
          ...(buckets.length > 0 ? { ExpressionAttributeNames: Object.fromEntries(buckets.map((b, i) => [`#b${i}`, `${FILL_BUCKET_PREFIX}${b}`])) } : {}),
          ...(disabledAt !== undefined ? { ExpressionAttributeValues: { ':at': n(disabledAt) } } : {}),
        },
      },
    ];
  });
};

/** The batch's items in their fixed order, each with the role its cancellation reason has. */
const decisionItems = (tableName: string, input: RecordDecisionInput): { role: DecisionRole; item: TransactItem }[] => {
  const { account } = input;
  const items: { role: DecisionRole; item: TransactItem }[] = input.orders.map((order) => ({ role: 'order', item: orderPut(tableName, order) }));
  const add = (role: DecisionRole, item: TransactItem) => items.push({ role, item });
  for (const entry of input.audit) add('plain', auditPut(tableName, entry));
  if (input.inFlight.length > 0) {
    add('plain', inFlightUpdate(tableName, account, input.inFlight));
    add('plain', openOrdersUpdate(tableName, account, input.inFlight.length));
  }
  for (const order of input.orders) if (isOpenStatus(order.status)) add('plain', openOrderMarker(tableName, account, order.intent.intentId, 1));
  if (input.orderRate) add('guarded', rateWindowPut(tableName, account, input.orders[0]?.createdAt ?? new Date().toISOString(), input.orderRate));
  if (input.session) add('guarded', sessionPut(tableName, account, input.session.next, input.session.expectedVersion));
  for (const item of throttleUpdates(tableName, account, input)) add('plain', item);
  return items;
};

const isWarning = (value: unknown): value is { at: string; reason: string } =>
  typeof value === 'object' && value !== null && typeof (value as { at?: unknown }).at === 'string' && typeof (value as { reason?: unknown }).reason === 'string';

/** Every key a batch of decisions reads, in one BatchGet. */
const snapshotKeys = (account: string, strategies: readonly string[], intentIds: readonly string[]): TableKey[] => [
  keys.tradingState(account),
  keys.limits(account),
  keys.orderRate(account),
  keys.openOrders(account),
  keys.book(account),
  keys.riskSession(account),
  keys.throttle(account, ACCOUNT_SCOPE),
  keys.marks(),
  keys.reference(),
  ...[...new Set(strategies)].filter((s) => s !== ACCOUNT_SCOPE).flatMap((s) => [keys.throttle(account, s), keys.strategySwitch(account, s)]),
  ...[...new Set(intentIds)].map((id) => keys.order(account, id)),
];

type Lookup = (key: TableKey) => Item | undefined;

/** The account's and the market's part of a snapshot, as read. */
const accountState = (account: string, get: Lookup) => {
  const state = TradingStateSchema.safeParse(get(keys.tradingState(account))?.state);
  const rate = get(keys.orderRate(account));
  const session = get(keys.riskSession(account));
  return {
    tradingState: state.success ? state.data : undefined,
    tradingStateSince: str(get(keys.tradingState(account))?.updatedAt),
    limitsOverride: get(keys.limits(account))?.limits,
    limitsVersion: str(get(keys.limits(account))?.version),
    marks: itemToMarks(get(keys.marks())),
    marksRevision: itemToRevision(get(keys.marks())),
    book: itemToBook(get(keys.book(account))),
    reference: itemToReference(get(keys.reference())),
    referenceRevision: itemToRevision(get(keys.reference())),
    session: session
      ? {
          sessionStartMs: int(session.sessionStartMs),
          startEquity: str(session.startEquity) ?? '0',
          peakEquity: str(session.peakEquity) ?? '0',
          ...(isWarning(session.warning) ? { warning: { at: session.warning.at, reason: session.warning.reason } } : {}),
          version: int(session.version),
        }
      : undefined,
    orderRate: {
      approvals: Array.isArray(rate?.approvals) ? rate.approvals.map(itemToApproval) : [],
      version: int(rate?.version),
    },
    openOrders: int(get(keys.openOrders(account))?.count),
  };
};

/** The switches of the strategies named that were ever switched. */
const switchesOf = (account: string, strategies: readonly string[], get: Lookup): Record<string, StrategySwitch> => {
  const switches: Record<string, StrategySwitch> = {};
  for (const strategy of new Set(strategies)) {
    const found = strategySwitchOf(get(keys.strategySwitch(account, strategy)));
    if (found) switches[strategy] = found;
  }
  return switches;
};

export class DynamoRiskStore implements RiskStore {
  constructor(private readonly table: DynamoTable) {}

  async loadRiskSnapshot(account: string, strategy: string, intentId: string): Promise<RiskSnapshot> {
    const get = await this.table.batchGet(snapshotKeys(account, [strategy], [intentId]));
    const order = get(keys.order(account, intentId));
    return {
      ...accountState(account, get),
      throttle: {
        strategy: itemToThrottle(get(keys.throttle(account, strategy))),
        account: itemToThrottle(get(keys.throttle(account, ACCOUNT_SCOPE))),
      },
      strategySwitches: switchesOf(account, [strategy], get),
      existingOrder: order ? itemToOrder(order) : undefined,
    };
  }

  async loadDecisionSnapshot(account: string, strategies: readonly string[], intentIds: readonly string[]): Promise<DecisionSnapshot> {
    const get = await this.table.batchGet(snapshotKeys(account, strategies, intentIds));
    const existingOrders = new Map<string, OrderRecord>();
    for (const id of intentIds) {
      const order = get(keys.order(account, id));
      if (order) existingOrders.set(id, itemToOrder(order));
    }
    return {
      ...accountState(account, get),
      throttle: {
        account: itemToThrottle(get(keys.throttle(account, ACCOUNT_SCOPE))),
        strategies: Object.fromEntries([...new Set(strategies)].map((s) => [s, itemToThrottle(get(keys.throttle(account, s)))])),
      },
      strategySwitches: switchesOf(account, strategies, get),
      existingOrders,
    };
  }

  async countIntent(account: string, strategy: string, bucketStartMs: number, by = 1): Promise<IntentCount> {
    const out = await this.table.call('UpdateItem (intent count)', () =>
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: keys.intentCount(account, bucketStartMs),
          UpdateExpression: 'ADD #a :one, #s :one SET expiresAt = if_not_exists(expiresAt, :exp)',
          ExpressionAttributeNames: { '#a': INTENT_COUNT_ACCOUNT, '#s': `${INTENT_COUNT_STRATEGY_PREFIX}${strategy}` },
          ExpressionAttributeValues: { ':one': n(by), ':exp': n(Math.floor(bucketStartMs / 1000) + INTENT_COUNT_TTL_SECONDS) },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    const counted = out.Attributes ?? {};
    const accountCount = int(counted[INTENT_COUNT_ACCOUNT], Number.NaN);
    const strategyCount = int(counted[`${INTENT_COUNT_STRATEGY_PREFIX}${strategy}`], Number.NaN);
    if (!Number.isSafeInteger(accountCount) || !Number.isSafeInteger(strategyCount)) throw new Error(`intent count of ${account}/${strategy} came back unreadable`);
    return { bucketStartMs, account: accountCount, strategy: strategyCount };
  }

  async recordDecisions(input: RecordDecisionInput): Promise<'recorded' | 'duplicate'> {
    const items = decisionItems(this.table.name, input);
    if (items.length > MAX_TRANSACTION_ITEMS) throw new RangeError(`${items.length} items exceed one transaction (${MAX_TRANSACTION_ITEMS})`);
    const first = input.orders[0]?.intent.intentId ?? '(none)';
    return this.table.transact(
      'TransactWrite (decisions)',
      items.map(({ item }) => item),
      'recorded',
      (codes, error) => {
        if (anyConditionFailed(codes, (i) => items[i]?.role === 'order')) return 'duplicate';
        if (anyConditionFailed(codes, (i) => items[i]?.role === 'guarded')) {
          throw new ConcurrentUpdateError(`risk state of ${input.account} moved while deciding ${first} and ${input.orders.length - 1} more`, { cause: error });
        }
        if (anyTransactionConflict(codes)) throw new ConcurrentUpdateError(`transaction conflict recording ${first} and ${input.orders.length - 1} more`, { cause: error });
        return undefined;
      },
    );
  }

  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.table, account, intentId);
  }

  async reenableExecution(account: string, strategy: string, person: string, atMs: number, audit: AuditEntry): Promise<'reenabled' | 'not-disabled' | 'same-person'> {
    const tableName = this.table.name;
    const lift: TransactItem = {
      Update: {
        TableName: tableName,
        Key: keys.throttle(account, strategy),
        // lastEnabledBy survives a trip (which removes enabledBy): the next re-enable needs another person.
        UpdateExpression: 'SET enabledAt = :at, enabledBy = :person, lastEnabledBy = :person',
        // Disabled now (tripped after the last re-enable), and not lifted by this person the last time.
        ConditionExpression: 'attribute_exists(disabledAt) AND (attribute_not_exists(enabledAt) OR enabledAt < disabledAt) AND (attribute_not_exists(lastEnabledBy) OR lastEnabledBy <> :person)',
        ExpressionAttributeValues: { ':at': n(atMs), ':person': person },
      },
    };
    const outcome = await this.table.transact<'reenabled' | 'refused'>('TransactWrite (re-enable)', [lift, auditPut(tableName, audit)], 'reenabled', (codes) =>
      conditionFailedAt(codes, 0) ? 'refused' : undefined,
    );
    if (outcome === 'reenabled') return outcome;
    const item = await this.table.get('GetItem (throttle)', keys.throttle(account, strategy));
    const state = itemToThrottle(item);
    const disabled = state.disabledAt !== undefined && (state.enabledAt === undefined || state.enabledAt < state.disabledAt);
    return disabled && str(item?.lastEnabledBy) === person ? 'same-person' : 'not-disabled';
  }
}
