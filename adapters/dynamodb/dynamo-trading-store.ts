// DynamoDB adapter for the TradingStore port. Every read the core needs is one round trip (BatchGet or a
// consistent Get/Query) and every write one conditional TransactWrite, so a duplicate or a lost race changes
// nothing. Money is stored as DynamoDB numbers (exact decimals, up to 38 digits) and read back as strings.
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import { jitteredBackoff } from '../../shared/retry/backoff';
import { stateChangeAudit, type StateChangeOutcome, type TradingStateChange } from '../../shared/trading-state/state-change';
import { ConcurrentUpdateError, InfrastructureError } from '../../shared/errors/errors';
import { OrderIntentSchema } from '../../shared/events/order-events';
import { flatPosition, type Position } from '../../shared/ledger/position';
import { isOpenStatus, ORDER_STATUSES, type OrderRecord, type OrderStatus } from '../../shared/orders/order-record';
import { dec, toDecimalString } from '../../shared/money/decimal';
import type { BreakerStore } from '../../shared/ports/breaker-store';
import type { MarketDataStore } from '../../shared/ports/market-data-store';
import type { OrderStore } from '../../shared/ports/order-store';
import type { ReconciliationStore } from '../../shared/ports/reconciliation-store';
import type { RiskStore } from '../../shared/ports/risk-store';
import type { TradingStateStore } from '../../shared/ports/trading-state-store';
import {
  ORDER_PREFIX,
  BOOK_IN_FLIGHT_BUY,
  BOOK_IN_FLIGHT_SELL,
  BOOK_QUANTITY,
  FILL_BUCKET_PREFIX,
  keys,
  MARK_PREFIX,
  POSITION_PREFIX,
  REFERENCE_PREFIX,
} from '../../shared/storage/table-definition';
import { TradingStateSchema, type TradingState } from '../../shared/trading-state/trading-state';
import type { AccountBook, BookEntry, InFlightChange } from '../../shared/ledger/account-book';
import type { ItemRevision } from '../../shared/market/item-revision';
import type { ApprovalEntry, ExecutionThrottleState, RecordDecisionInput, RiskSnapshot } from '../../shared/ports/risk-store';
import type { ClaimResult, OrderUpdateInput } from '../../shared/ports/order-store';
import type { CashSyncInput, ReconciliationRecord } from '../../shared/ports/reconciliation-store';
import { ACCOUNT_SCOPE } from '../../shared/risk/scopes';
import type { KillSwitchActivation, KillSwitchRecord, KillSwitchRelease } from '../../shared/ports/trading-state-store';
import type { InstrumentReference, FeedHeartbeat, Mark } from '../../shared/market/marks';
import { BreakerStageSchema, type BreakerExecutionRecord, type BreakerStageWrite, type PendingBreakerApproval, type BreakerTripEntry } from '../../shared/ports/breaker-store';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Numbers come back as their exact decimal text, never as a JS number. */
const wrapNumbers = (value: string): string => value;
const n = (decimal: string | number): NumberValue => NumberValue.from(String(decimal));
const str = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
const int = (value: unknown, fallback = 0): number => (value === undefined || value === null ? fallback : Number(value));

/** Rate-window entries expire a day after their last write. */
const RATE_TTL_SECONDS = 86_400;

export const createDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers },
  });

const orderToItem = (order: OrderRecord): Item => ({
  ...keys.order(order.account, order.intent.intentId),
  type: 'ORDER',
  account: order.account,
  strategy: order.strategy,
  intentId: order.intent.intentId,
  symbol: order.intent.symbol,
  intent: order.intent,
  status: order.status,
  reason: order.reason,
  rejectReason: order.rejectReason,
  failedChecks: order.failedChecks,
  message: order.message,
  notional: order.notional,
  approvedQuantity: order.approvedQuantity,
  brokerOrderId: order.brokerOrderId,
  filledQuantity: order.filledQuantity,
  filledNotional: order.filledNotional,
  brokerFilledQuantity: order.brokerFilledQuantity,
  brokerUpdatedAt: order.brokerUpdatedAt,
  inFlight: order.inFlight,
  origin: order.origin,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
  inFlightSince: order.inFlightSince,
  leaseOwner: order.leaseOwner,
  leaseUntil: order.leaseUntil,
  version: order.version ?? 1,
});

const itemToOrder = (item: Item): OrderRecord => {
  const status = ORDER_STATUSES.find((s) => s === item.status);
  if (!status) throw new InfrastructureError(`stored order ${String(item.sk)} has unknown status ${String(item.status)}`, 'dynamodb');
  return {
    account: String(item.account),
    strategy: String(item.strategy),
    intent: OrderIntentSchema.parse(item.intent),
    status,
    ...(item.reason ? { reason: item.reason as OrderRecord['reason'] } : {}),
    ...(item.rejectReason ? { rejectReason: String(item.rejectReason) } : {}),
    ...(item.failedChecks ? { failedChecks: item.failedChecks as OrderRecord['failedChecks'] } : {}),
    ...(item.message !== undefined ? { message: String(item.message) } : {}),
    ...(item.notional ? { notional: String(item.notional) } : {}),
    ...(item.approvedQuantity ? { approvedQuantity: String(item.approvedQuantity) } : {}),
    ...(item.brokerOrderId ? { brokerOrderId: String(item.brokerOrderId) } : {}),
    filledQuantity: str(item.filledQuantity) ?? '0',
    ...(item.filledNotional !== undefined ? { filledNotional: String(item.filledNotional) } : {}),
    ...(item.brokerFilledQuantity !== undefined ? { brokerFilledQuantity: String(item.brokerFilledQuantity) } : {}),
    ...(item.brokerUpdatedAt ? { brokerUpdatedAt: String(item.brokerUpdatedAt) } : {}),
    ...(item.inFlight !== undefined ? { inFlight: String(item.inFlight) } : {}),
    ...(item.origin === 'external' ? { origin: 'external' as const } : {}),
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    ...(item.inFlightSince ? { inFlightSince: String(item.inFlightSince) } : {}),
    ...(item.leaseOwner ? { leaseOwner: String(item.leaseOwner) } : {}),
    ...(item.leaseUntil !== undefined ? { leaseUntil: int(item.leaseUntil) } : {}),
    version: int(item.version),
  };
};

const itemToPosition = (item: Item): Position => ({
  symbol: String(item.symbol),
  quantity: str(item.quantity) ?? '0',
  costBasis: str(item.costBasis) ?? '0',
  realizedPnl: str(item.realizedPnl) ?? '0',
  version: int(item.version),
});

/** A container item's revision; a missing or malformed one reads as unknown (the valuation compares everything). */
const itemToRevision = (item: Item | undefined): ItemRevision | undefined => {
  const { epoch, changed } = item ?? {};
  const version = int(item?.version, Number.NaN);
  if (typeof epoch !== 'string' || !Number.isSafeInteger(version) || !Array.isArray(changed) || !changed.every((c) => typeof c === 'string')) return undefined;
  return { epoch, version, changed: changed as string[] };
};

/**
 * The clause every write of a container item (book, marks, reference) carries: a new version and the
 * symbols it touched. Writes of one item are serialised by DynamoDB, so version v+1 differs from v in exactly
 * those symbols. The epoch is set once, when the item is created.
 */
const revise = (changed: readonly string[]) => ({
  set: '#revEpoch = if_not_exists(#revEpoch, :revEpoch), #revChanged = :revChanged',
  add: '#revVersion :revOne',
  names: { '#revEpoch': 'epoch', '#revChanged': 'changed', '#revVersion': 'version' },
  values: { ':revEpoch': randomUUID(), ':revChanged': [...changed], ':revOne': 1 },
});

/** The book item's Q#/B#/S# attributes, one entry per symbol ever traded. */
const itemToBook = (item: Item | undefined): AccountBook => {
  const positions: Record<string, BookEntry> = {};
  const entry = (symbol: string): BookEntry => (positions[symbol] ??= { quantity: '0', inFlightBuy: '0', inFlightSell: '0' });
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith(BOOK_QUANTITY)) entry(name.slice(BOOK_QUANTITY.length)).quantity = String(value);
    else if (name.startsWith(BOOK_IN_FLIGHT_BUY)) entry(name.slice(BOOK_IN_FLIGHT_BUY.length)).inFlightBuy = String(value);
    else if (name.startsWith(BOOK_IN_FLIGHT_SELL)) entry(name.slice(BOOK_IN_FLIGHT_SELL.length)).inFlightSell = String(value);
  }
  const revision = itemToRevision(item);
  const cashSyncedAt = str(item?.cashSyncedAt);
  return { cash: str(item?.cash) ?? '0', positions, ...(revision ? { revision } : {}), ...(cashSyncedAt ? { cashSyncedAt } : {}) };
};

const itemToMarks = (item: Item | undefined): Record<string, Mark> => {
  const marks: Record<string, Mark> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!name.startsWith(MARK_PREFIX) || !value || typeof value !== 'object') continue;
    const mark = value as Record<string, unknown>;
    marks[name.slice(MARK_PREFIX.length)] = { price: String(mark.price), at: String(mark.at) };
  }
  return marks;
};

const itemToReference = (item: Item | undefined): Record<string, InstrumentReference> => {
  const reference: Record<string, InstrumentReference> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!name.startsWith(REFERENCE_PREFIX) || !value || typeof value !== 'object') continue;
    const ref = value as Record<string, unknown>;
    reference[name.slice(REFERENCE_PREFIX.length)] = { ...(ref.adv !== undefined ? { adv: String(ref.adv) } : {}), ...(ref.sector ? { sector: String(ref.sector) } : {}) };
  }
  return reference;
};

const itemToThrottle = (item: Item | undefined): ExecutionThrottleState => {
  const fills: { bucketStartMs: number; count: number }[] = [];
  for (const [name, value] of Object.entries(item ?? {})) {
    if (name.startsWith(FILL_BUCKET_PREFIX)) fills.push({ bucketStartMs: Number(name.slice(FILL_BUCKET_PREFIX.length)), count: int(value) });
  }
  return {
    fills,
    ...(item?.disabledAt !== undefined ? { disabledAt: int(item.disabledAt) } : {}),
    ...(item?.enabledAt !== undefined ? { enabledAt: int(item.enabledAt) } : {}),
    ...(item?.enabledBy ? { enabledBy: String(item.enabledBy) } : {}),
  };
};

/**
 * Moves in-flight exposure with ADD on the book, which never conflicts logically with the ledger's versioned
 * write of a position: approvals and fills stay independent.
 */
const inFlightUpdate = (tableName: string, account: string, change: InFlightChange): TransactItem => {
  const revision = revise([change.symbol]);
  return {
    Update: {
      TableName: tableName,
      Key: keys.book(account),
      UpdateExpression: `ADD #inFlight :q, ${revision.add} SET ${revision.set}`,
      ExpressionAttributeNames: { '#inFlight': `${change.side === 'buy' ? BOOK_IN_FLIGHT_BUY : BOOK_IN_FLIGHT_SELL}${change.symbol}`, ...revision.names },
      ExpressionAttributeValues: { ':q': n(change.quantity), ...revision.values },
    },
  };
};

/** An entry of the approvals window; a malformed one still counts against the account's rate. */
const itemToApproval = (value: unknown): ApprovalEntry => {
  const entry = (value ?? {}) as Record<string, unknown>;
  return {
    at: int(entry.at),
    kind: entry.kind === 'cancel' ? 'cancel' : 'order',
    symbol: String(entry.symbol ?? ''),
    side: entry.side === 'sell' ? 'sell' : 'buy',
    quantity: str(entry.quantity) ?? '0',
    strategy: String(entry.strategy ?? ''),
    price: str(entry.price) ?? '0',
  };
};

/** Open orders are counted with ADD: approvals and final outcomes never contend on a version. */
const openOrdersUpdate = (tableName: string, account: string, delta: 1 | -1): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.openOrders(account),
    UpdateExpression: 'ADD #count :delta',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':delta': n(delta) },
  },
});

/**
 * The stored form of an audit entry: keyed by account and UTC day, indexed by correlation id, and without
 * `expiresAt` (audit entries are kept, docs/audit.md). The audit log adapter reads this shape back.
 */
export const auditItem = (entry: AuditEntry): Item => ({
  ...keys.audit(entry.account, entry.occurredAt, entry.entryId),
  ...keys.auditByCorrelation(entry.correlationId, entry.occurredAt, entry.entryId),
  type: 'AUDIT',
  ...entry,
});

const auditPut = (tableName: string, entry: AuditEntry): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: auditItem(entry),
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

const cancellationCodes = (error: unknown): (string | undefined)[] | undefined =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : undefined;

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Every role port of the trading table, one field each: what a deployment wires its handlers from. */
export interface TradingStores {
  riskStore: RiskStore;
  orderStore: OrderStore;
  tradingStateStore: TradingStateStore;
  breakerStore: BreakerStore;
  reconciliationStore: ReconciliationStore;
  marketDataStore: MarketDataStore;
}

export const storesOf = (store: DynamoTradingStore): TradingStores => ({
  riskStore: store,
  orderStore: store,
  tradingStateStore: store,
  breakerStore: store,
  reconciliationStore: store,
  marketDataStore: store,
});

export class DynamoTradingStore implements RiskStore, OrderStore, TradingStateStore, BreakerStore, ReconciliationStore, MarketDataStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = createDocumentClient(client);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: error });
    }
  }

  /** A conditional write: true when it was applied, false when its condition failed; any other failure throws. */
  private async conditionalWrite(what: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: error });
    }
  }

  async loadRiskSnapshot(account: string, strategy: string, intentId: string): Promise<RiskSnapshot> {
    const wanted = [
      keys.tradingState(account),
      keys.limits(account),
      keys.orderRate(account),
      keys.openOrders(account),
      keys.order(account, intentId),
      keys.book(account),
      keys.riskSession(account),
      keys.throttle(account, strategy),
      keys.throttle(account, ACCOUNT_SCOPE),
      keys.marks(),
      keys.reference(),
    ];
    const found = new Map<string, Item>();
    let pending: Record<string, unknown>[] = wanted;
    for (let round = 0; pending.length > 0; round++) {
      if (round > 5) throw new InfrastructureError('BatchGet kept returning unprocessed keys', 'dynamodb');
      const out = await this.call('BatchGet', () =>
        this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } })),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(`${String(item.pk)}|${String(item.sk)}`, item);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    const get = (key: { pk: string; sk: string }) => found.get(`${key.pk}|${key.sk}`);
    const state = TradingStateSchema.safeParse(get(keys.tradingState(account))?.state);
    const rate = get(keys.orderRate(account));
    const order = get(keys.order(account, intentId));
    const session = get(keys.riskSession(account));
    return {
      tradingState: state.success ? state.data : undefined,
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
            version: int(session.version),
          }
        : undefined,
      throttle: {
        strategy: itemToThrottle(get(keys.throttle(account, strategy))),
        account: itemToThrottle(get(keys.throttle(account, ACCOUNT_SCOPE))),
      },
      orderRate: {
        approvals: Array.isArray(rate?.approvals) ? rate.approvals.map(itemToApproval) : [],
        version: int(rate?.version),
      },
      openOrders: int(get(keys.openOrders(account))?.count),
      existingOrder: order ? itemToOrder(order) : undefined,
    };
  }

  /** Optimistic concurrency on a versioned item: version 0 means the item must not exist yet. */
  private versionedPut(item: Item, expectedVersion: number): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...item, version: n(expectedVersion + 1) },
        ...(expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(expectedVersion) } }),
      },
    };
  }

  async recordDecision(input: RecordDecisionInput): Promise<'recorded' | 'duplicate'> {
    const { order } = input;
    const account = order.account;
    // Each item's role, so a cancellation reason can be mapped back to what it means.
    const roles: ('order' | 'guarded' | 'plain')[] = [];
    const items: TransactItem[] = [];
    const add = (role: (typeof roles)[number], item: TransactItem) => {
      roles.push(role);
      items.push(item);
    };
    add('order', { Put: { TableName: this.tableName, Item: orderToItem(order), ConditionExpression: 'attribute_not_exists(pk)' } });
    for (const entry of input.audit) add('plain', auditPut(this.tableName, entry));
    if (input.inFlight) {
      add('plain', inFlightUpdate(this.tableName, account, input.inFlight));
      add('plain', openOrdersUpdate(this.tableName, account, 1));
    }
    if (input.orderRate) {
      const { approvals, expectedVersion } = input.orderRate;
      add(
        'guarded',
        this.versionedPut(
          {
            ...keys.orderRate(account),
            approvals: approvals.map((a) => ({ ...a, at: n(a.at) })),
            expiresAt: n(Math.floor(Date.parse(order.createdAt) / 1000) + RATE_TTL_SECONDS),
          },
          expectedVersion,
        ),
      );
    }
    if (input.session) {
      const { next, expectedVersion } = input.session;
      add(
        'guarded',
        this.versionedPut(
          {
            ...keys.riskSession(account),
            type: 'RISK_SESSION',
            sessionStartMs: n(next.sessionStartMs),
            startEquity: n(next.startEquity),
            peakEquity: n(next.peakEquity),
          },
          expectedVersion,
        ),
      );
    }
    if (input.tradingState) {
      add('guarded', {
        Update: {
          TableName: this.tableName,
          Key: keys.tradingState(account),
          UpdateExpression: 'SET #state = :to, updatedBy = :by, updatedAt = :at',
          ConditionExpression: '#state = :from',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':to': input.tradingState.to, ':from': input.tradingState.from, ':by': 'risk', ':at': order.createdAt },
        },
      });
    }
    if (input.throttleTrip) {
      add('plain', {
        Update: {
          TableName: this.tableName,
          Key: keys.throttle(account, input.throttleTrip.strategy),
          UpdateExpression: 'SET disabledAt = :at REMOVE enabledAt, enabledBy',
          ExpressionAttributeValues: { ':at': n(input.throttleTrip.disabledAt) },
        },
      });
    }
    for (const prune of input.throttlePrune ?? []) {
      if (prune.bucketStartMs.length === 0) continue;
      add('plain', {
        Update: {
          TableName: this.tableName,
          Key: keys.throttle(account, prune.strategy),
          UpdateExpression: `REMOVE ${prune.bucketStartMs.map((_, i) => `#b${i}`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(prune.bucketStartMs.map((b, i) => [`#b${i}`, `${FILL_BUCKET_PREFIX}${b}`])),
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') return 'duplicate';
      if (codes?.some((c, i) => c === 'ConditionalCheckFailed' && roles[i] === 'guarded')) {
        throw new ConcurrentUpdateError(`risk state of ${account} moved while deciding ${order.intent.intentId}`, { cause: error });
      }
      if (codes?.some((c) => c === 'TransactionConflict')) {
        throw new ConcurrentUpdateError(`transaction conflict recording ${order.intent.intentId}`, { cause: error });
      }
      throw new InfrastructureError('DynamoDB TransactWrite (decision) failed', 'dynamodb', { cause: error });
    }
  }

  async getOrder(account: string, intentId: string): Promise<OrderRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.order(account, intentId), ConsistentRead: true })),
    );
    return out.Item ? itemToOrder(out.Item) : undefined;
  }

  async getTradingState(account: string): Promise<TradingState | undefined> {
    return (await this.getTradingStateRecord(account)).state;
  }

  async changeTradingState(change: TradingStateChange): Promise<StateChangeOutcome> {
    for (let attempt = 1; ; attempt++) {
      const previous = await this.getTradingState(change.account);
      if (previous === change.to) return { outcome: 'unchanged', previous };
      if (change.from.length > 0 && (previous === undefined || !change.from.includes(previous))) return { outcome: 'refused', previous };
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: keys.tradingState(change.account),
                  UpdateExpression: 'SET #state = :to, updatedBy = :by, updatedAt = :at, reason = :reason',
                  // Still the state just read: a racing change makes this one re-read and decide again.
                  ConditionExpression: previous === undefined ? 'attribute_not_exists(#state)' : '#state = :previous',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: {
                    ':to': change.to,
                    ':by': change.actor,
                    ':at': change.at,
                    ':reason': change.reason,
                    ...(previous === undefined ? {} : { ':previous': previous }),
                  },
                },
              },
              auditPut(this.tableName, stateChangeAudit(change, previous)),
            ],
          }),
        );
        return { outcome: 'changed', previous };
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes?.[0] === 'ConditionalCheckFailed' && attempt < 5) continue;
        if (codes?.[1] === 'ConditionalCheckFailed') return { outcome: 'unchanged', previous: change.to };
        throw new InfrastructureError('DynamoDB TransactWrite (trading state) failed', 'dynamodb', { cause: error });
      }
    }
  }

  async claimForSubmission(
    account: string,
    intentId: string,
    owner: string,
    nowMs: number,
    leaseMs: number,
    alsoFrom: readonly OrderStatus[] = [],
  ): Promise<ClaimResult> {
    const extra = alsoFrom.map((_, i) => ` OR #status = :also${i}`).join('');
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.order(account, intentId),
          UpdateExpression: 'SET #status = :submitting, leaseOwner = :owner, leaseUntil = :until, updatedAt = :at ADD version :one',
          ConditionExpression: `attribute_exists(pk) AND (#status = :pending OR (#status = :submitting AND leaseUntil < :now)${extra})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':submitting': 'SUBMITTED',
            ':pending': 'PENDING',
            ':owner': owner,
            ':until': n(nowMs + leaseMs),
            ':now': n(nowMs),
            ':at': new Date(nowMs).toISOString(),
            ':one': n(1),
            ...Object.fromEntries(alsoFrom.map((status, i) => [`:also${i}`, status])),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const previous = itemToOrder(out.Attributes ?? {});
      return {
        claimed: true as const,
        order: { ...previous, status: 'SUBMITTED' as const, leaseOwner: owner, leaseUntil: nowMs + leaseMs, version: (previous.version ?? 0) + 1 },
        previousStatus: previous.status,
        tookOverExpiredLease: previous.status === 'SUBMITTED',
      };
    } catch (error) {
      if (isConditionFailure(error)) {
        const old = (error as { Item?: Item }).Item;
        // Local emulators may omit the old item; a consistent read gives the same answer.
        const order = old ? itemToOrder(this.unwrap(old)) : await this.getOrder(account, intentId);
        return { claimed: false as const, order };
      }
      throw new InfrastructureError('DynamoDB UpdateItem (claim) failed', 'dynamodb', { cause: error });
    }
  }

  /** ReturnValuesOnConditionCheckFailure hands back attribute values in the low-level shape. */
  private unwrap(item: Item): Item {
    const first = Object.values(item)[0];
    if (first && typeof first === 'object' && ('S' in first || 'N' in first || 'M' in first)) {
      return unmarshall(item as never, { wrapNumbers });
    }
    return item;
  }

  async getPosition(account: string, symbol: string): Promise<Position> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.position(account, symbol), ConsistentRead: true })),
    );
    return out.Item ? itemToPosition(out.Item) : flatPosition(symbol);
  }

  async getBookEntry(account: string, symbol: string): Promise<BookEntry> {
    const names = [BOOK_QUANTITY, BOOK_IN_FLIGHT_BUY, BOOK_IN_FLIGHT_SELL].map((prefix) => `${prefix}${symbol}`);
    const out = await this.call('GetItem (book entry)', () =>
      this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.book(account),
          ConsistentRead: true,
          ProjectionExpression: names.map((_, i) => `#n${i}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
        }),
      ),
    );
    return itemToBook(out.Item).positions[symbol] ?? { quantity: '0', inFlightBuy: '0', inFlightSell: '0' };
  }

  async recordCancelMessage(account: string, entry: ApprovalEntry, audit: AuditEntry): Promise<'recorded' | 'duplicate'> {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.orderRate(account),
          // The window is pruned by the next risk decision, which rewrites it whole.
          UpdateExpression: 'SET approvals = list_append(if_not_exists(approvals, :empty), :entry), expiresAt = :ttl ADD version :one',
          ExpressionAttributeValues: {
            ':empty': [],
            ':entry': [{ ...entry, at: n(entry.at) }],
            ':ttl': n(Math.floor(entry.at / 1000) + RATE_TTL_SECONDS),
            ':one': n(1),
          },
        },
      },
      auditPut(this.tableName, audit),
    ];
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      // The request's audit entry exists: a replayed command, already counted once.
      if (cancellationCodes(error)?.[1] === 'ConditionalCheckFailed') return 'duplicate';
      throw new InfrastructureError('DynamoDB TransactWrite (cancel in rate window) failed', 'dynamodb', { cause: error });
    }
  }

  async recordAudit(entries: readonly AuditEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.doc.send(new PutCommand(auditPut(this.tableName, entry).Put as ConstructorParameters<typeof PutCommand>[0]));
      } catch (error) {
        // Written before (same entry id): the trail is append-only and a replay adds nothing.
        if (isConditionFailure(error)) continue;
        throw new InfrastructureError('DynamoDB PutItem (audit) failed', 'dynamodb', { cause: error });
      }
    }
  }

  async reenableExecution(account: string, strategy: string, person: string, atMs: number, audit: AuditEntry): Promise<'reenabled' | 'not-disabled'> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.throttle(account, strategy),
                UpdateExpression: 'SET enabledAt = :at, enabledBy = :person',
                ConditionExpression: 'attribute_exists(disabledAt)',
                ExpressionAttributeValues: { ':at': n(atMs), ':person': person },
              },
            },
            auditPut(this.tableName, audit),
          ],
        }),
      );
      return 'reenabled';
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return 'not-disabled';
      throw new InfrastructureError('DynamoDB TransactWrite (re-enable) failed', 'dynamodb', { cause: error });
    }
  }

  async recordOrderUpdate(input: OrderUpdateInput): Promise<void> {
    const { set } = input;
    const sets: [string, unknown][] = [
      ['status', set.status],
      ['brokerOrderId', set.brokerOrderId],
      ['filledQuantity', set.filledQuantity],
      ['filledNotional', set.filledNotional],
      ['brokerFilledQuantity', set.brokerFilledQuantity],
      ['brokerUpdatedAt', set.brokerUpdatedAt],
      ['inFlight', set.inFlight],
      ['reason', set.reason],
      ['rejectReason', set.rejectReason],
      ['inFlightSince', set.inFlightSince],
      ['updatedAt', set.updatedAt],
    ].filter(([, value]) => value !== undefined) as [string, unknown][];
    const condition = [
      input.expectedVersion === 0 ? '(attribute_not_exists(version) OR version = :v0)' : 'version = :v0',
      ...(input.leaseOwner ? ['leaseOwner = :owner'] : []),
    ].join(' AND ');
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.order(input.account, input.intentId),
          UpdateExpression: `SET ${sets.map((_, i) => `#o${i} = :o${i}`).join(', ')}, version = :v1${input.releaseLease ? ' REMOVE leaseOwner, leaseUntil' : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: Object.fromEntries(sets.map(([name], i) => [`#o${i}`, name])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(sets.map(([, value], i) => [`:o${i}`, value])),
            ':v0': n(input.expectedVersion),
            ':v1': n(input.expectedVersion + 1),
            ...(input.leaseOwner ? { ':owner': input.leaseOwner } : {}),
          },
        },
      },
      ...input.fills.map(
        (fill): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.fill(input.account, `${fill.brokerOrderId}#${fill.cumulativeQuantity}`),
              type: 'FILL',
              intentId: input.intentId,
              brokerOrderId: fill.brokerOrderId,
              executionId: fill.executionId,
              cumulativeQuantity: n(fill.cumulativeQuantity),
              quantity: n(fill.quantity),
              price: n(fill.price),
              at: fill.at,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
    ];
    if (input.position) {
      const { before, after } = input.position;
      // The ledger's versioned write: a concurrent fill of the same symbol makes one of the two retry.
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.position(input.account, after.symbol),
          UpdateExpression:
            'SET #type = :type, account = :account, symbol = :symbol, quantity = :q, costBasis = :c, realizedPnl = :r, version = :v1, updatedAt = :at',
          ConditionExpression: before.version === 0 ? 'attribute_not_exists(version)' : 'version = :v0',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': 'POSITION',
            ':account': input.account,
            ':symbol': after.symbol,
            ':q': n(after.quantity),
            ':c': n(after.costBasis),
            ':r': n(after.realizedPnl),
            ':v1': n(after.version),
            ':at': set.updatedAt,
            ...(before.version === 0 ? {} : { ':v0': n(before.version) }),
          },
        },
      });
    }
    // The book moves with the ledger in the same transaction: quantity, cash and the in-flight size.
    const bookAdds: [string, string][] = [];
    let bookSymbol: string | undefined;
    if (input.position) {
      const delta = toDecimalString(dec(input.position.after.quantity).minus(dec(input.position.before.quantity)));
      if (delta !== '0') bookAdds.push([`${BOOK_QUANTITY}${input.position.after.symbol}`, delta]);
      bookSymbol = input.position.after.symbol;
    }
    if (input.inFlight && !dec(input.inFlight.quantity).isZero()) {
      bookAdds.push([`${input.inFlight.side === 'buy' ? BOOK_IN_FLIGHT_BUY : BOOK_IN_FLIGHT_SELL}${input.inFlight.symbol}`, input.inFlight.quantity]);
      bookSymbol = input.inFlight.symbol;
    }
    if (!dec(input.cashDelta).isZero()) bookAdds.push(['cash', input.cashDelta]);
    if (bookAdds.length > 0) {
      const revision = revise(bookSymbol ? [bookSymbol] : []);
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.book(input.account),
          UpdateExpression: `ADD ${bookAdds.map((_, i) => `#a${i} :a${i}`).join(', ')}, ${revision.add} SET updatedAt = :at, ${revision.set}`,
          ExpressionAttributeNames: { ...Object.fromEntries(bookAdds.map(([name], i) => [`#a${i}`, name])), ...revision.names },
          ExpressionAttributeValues: { ...Object.fromEntries(bookAdds.map(([, value], i) => [`:a${i}`, n(value)])), ':at': set.updatedAt, ...revision.values },
        },
      });
    }
    // Fills count towards the execution throttle of the strategy and of the account.
    if (input.fills.length > 0 && input.throttle) {
      for (const scope of [input.throttle.strategy, ACCOUNT_SCOPE]) {
        items.push({
          Update: {
            TableName: this.tableName,
            Key: keys.throttle(input.account, scope),
            UpdateExpression: 'ADD #bucket :n',
            ExpressionAttributeNames: { '#bucket': `${FILL_BUCKET_PREFIX}${input.throttle.bucketStartMs}` },
            ExpressionAttributeValues: { ':n': n(input.fills.length) },
          },
        });
      }
    }
    if (input.openOrdersDelta !== 0) items.push(openOrdersUpdate(this.tableName, input.account, input.openOrdersDelta));
    items.push(...input.audit.map((entry) => auditPut(this.tableName, entry)));

    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) {
        // The order, a fill or the position moved since it was read: the caller reloads and reduces again.
        throw new ConcurrentUpdateError(`order ${input.intentId} or its position moved while recording`, { cause: error });
      }
      throw new InfrastructureError('DynamoDB TransactWrite (order update) failed', 'dynamodb', { cause: error });
    }
  }

  async listOrders(account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]> {
    const orders: OrderRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Query (orders)', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            FilterExpression: `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':pk': keys.order(account, '').pk,
              ':prefix': ORDER_PREFIX,
              ...Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status])),
            },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      orders.push(...(out.Items ?? []).map(itemToOrder));
      start = out.LastEvaluatedKey;
    } while (start);
    return orders;
  }

  async adoptOrder(order: OrderRecord, audit: AuditEntry, inFlight?: InFlightChange): Promise<boolean> {
    const items: TransactItem[] = [
      { Put: { TableName: this.tableName, Item: orderToItem(order), ConditionExpression: 'attribute_not_exists(pk)' } },
      auditPut(this.tableName, audit),
    ];
    if (isOpenStatus(order.status)) items.push(openOrdersUpdate(this.tableName, order.account, 1));
    // Like an approval: the adopted order's size is in flight on the book in the same write as the order.
    if (inFlight && !dec(inFlight.quantity).isZero()) items.push(inFlightUpdate(this.tableName, order.account, inFlight));
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return false;
      throw new InfrastructureError('DynamoDB TransactWrite (adopt order) failed', 'dynamodb', { cause: error });
    }
  }

  async listPositions(account: string): Promise<Position[]> {
    const positions: Position[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.position(account, '').pk, ':prefix': POSITION_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      positions.push(...(out.Items ?? []).map(itemToPosition));
      start = out.LastEvaluatedKey;
    } while (start);
    return positions;
  }

  async recordReconciliation(record: ReconciliationRecord, audit: AuditEntry): Promise<void> {
    await this.call('TransactWrite (reconciliation)', () =>
      this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...keys.reconciliation(record.account), type: 'RECONCILIATION', ...record } } },
            auditPut(this.tableName, audit),
          ],
        }),
      ),
    );
  }

  // Operator and feed writes used by the local runtime and tests; the kill switch and feed issues own
  // their audited versions.
  async putTradingState(account: string, state: TradingState, actor: string, at: string): Promise<void> {
    await this.call('PutItem (state)', () =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.tradingState(account), state, updatedBy: actor, updatedAt: at } })),
    );
  }

  /** Every write bumps the version, which is what a warm risk function keys its compiled limits on. */
  async putLimitsOverride(account: string, limits: unknown): Promise<void> {
    await this.call('UpdateItem (limits)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.limits(account),
          UpdateExpression: 'SET limits = :limits ADD version :one',
          ExpressionAttributeValues: { ':limits': limits, ':one': n(1) },
        }),
      ),
    );
  }

  /** Cash paid in or out (local runs and tests; in AWS the broker account is the source, see issue 4). */
  async depositCash(account: string, amount: string, at: string): Promise<void> {
    const revision = revise([]);
    await this.call('UpdateItem (cash)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.book(account),
          UpdateExpression: `ADD cash :amount, ${revision.add} SET updatedAt = :at, ${revision.set}`,
          ExpressionAttributeNames: revision.names,
          ExpressionAttributeValues: { ':amount': n(amount), ':at': at, ...revision.values },
        }),
      ),
    );
  }

  /**
   * The feed's conflated write: every symbol that ticked since its last write, in one update of the marks
   * item. A mark older than the stored one for its symbol is skipped (marks only move forward).
   */
  async putMarks(ticks: readonly { symbol: string; price: string; at: string }[], current?: Readonly<Record<string, Mark>>): Promise<void> {
    const latest = new Map<string, { price: string; at: string }>();
    for (const tick of ticks) {
      const known = latest.get(tick.symbol) ?? current?.[tick.symbol];
      if (!known || known.at < tick.at) latest.set(tick.symbol, tick);
    }
    if (latest.size === 0) return;
    const entries = [...latest.entries()];
    const revision = revise([...latest.keys()]);
    await this.call('UpdateItem (marks)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.marks(),
          UpdateExpression: `SET ${entries.map((_, i) => `#m${i} = :m${i}`).join(', ')}, ${revision.set} ADD ${revision.add}`,
          ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([symbol], i) => [`#m${i}`, `${MARK_PREFIX}${symbol}`])), ...revision.names },
          ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, m], i) => [`:m${i}`, { price: m.price, at: m.at }])), ...revision.values },
        }),
      ),
    );
  }

  async putMark(symbol: string, price: string, at: string): Promise<void> {
    await this.putMarks([{ symbol, price, at }], await this.getMarks());
  }

  async getMarks(): Promise<Record<string, Mark>> {
    const out = await this.call('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.marks(), ConsistentRead: true })));
    return itemToMarks(out.Item);
  }

  /**
   * Conditional on the stored heartbeat being older: two feed tasks (say, during a deploy) never move it
   * back, so its age never understates how long the feed has been silent.
   */
  async putFeedHeartbeat(feedId: string, at: string): Promise<void> {
    // Not applied when a newer heartbeat is stored already: nothing to do then.
    await this.conditionalWrite('PutItem (feed heartbeat)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.feedHeartbeat(), type: 'FEED_HEARTBEAT', feedId, at },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  async getFeedHeartbeat(): Promise<FeedHeartbeat | undefined> {
    const out = await this.call('GetItem (feed heartbeat)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.feedHeartbeat(), ConsistentRead: true })),
    );
    const item = out.Item;
    if (!item) return undefined;
    return { feedId: String(item.feedId), at: String(item.at) };
  }

  /** The daily reference load: average daily volume and sector per symbol. */
  async putReference(reference: Readonly<Record<string, InstrumentReference>>): Promise<void> {
    const entries = Object.entries(reference);
    if (entries.length === 0) return;
    const revision = revise(entries.map(([symbol]) => symbol));
    await this.call('UpdateItem (reference)', () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.reference(),
          UpdateExpression: `SET ${entries.map((_, i) => `#r${i} = :r${i}`).join(', ')}, ${revision.set} ADD ${revision.add}`,
          ExpressionAttributeNames: { ...Object.fromEntries(entries.map(([symbol], i) => [`#r${i}`, `${REFERENCE_PREFIX}${symbol}`])), ...revision.names },
          ExpressionAttributeValues: {
            ...Object.fromEntries(entries.map(([, r], i) => [`:r${i}`, { ...(r.adv ? { adv: n(r.adv) } : {}), ...(r.sector ? { sector: r.sector } : {}) }])),
            ...revision.values,
          },
        }),
      ),
    );
  }

  async getBook(account: string): Promise<AccountBook> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.book(account), ConsistentRead: true })),
    );
    return itemToBook(out.Item);
  }

  async getCash(account: string): Promise<string> {
    return (await this.getBook(account)).cash;
  }

  /**
   * Reconciliation's cash write: SET cash (not ADD, it replaces the local figure with the broker's) only if
   * the cash is still the figure read; a write of the book, so it bumps the revision, naming no symbol.
   */
  async syncCash(account: string, input: CashSyncInput): Promise<'synced' | 'moved'> {
    const revision = revise([]);
    // A book never written has no cash attribute: it reads as 0, so "still 0" must accept it missing.
    const unchanged = dec(input.expectedLocalCash).isZero() ? '(attribute_not_exists(cash) OR cash = :expected)' : 'cash = :expected';
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.book(account),
                UpdateExpression: `SET cash = :cash, cashSyncedAt = :at, updatedAt = :at, ${revision.set} ADD ${revision.add}`,
                ConditionExpression: unchanged,
                ExpressionAttributeNames: revision.names,
                ExpressionAttributeValues: { ':cash': n(input.brokerCash), ':expected': n(input.expectedLocalCash), ':at': input.at, ...revision.values },
              },
            },
            auditPut(this.tableName, input.audit),
          ],
        }),
      );
      return 'synced';
    } catch (error) {
      // The cash moved, a fill's transaction raced this one, or this run already synced (its audit exists).
      if (cancellationCodes(error)?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) return 'moved';
      throw new InfrastructureError('DynamoDB TransactWrite (cash sync) failed', 'dynamodb', { cause: error });
    }
  }

  // Kill switch (issue 5): its record sits beside the trading state under ACCOUNT#<a>.
  async getReconciliation(account: string): Promise<ReconciliationRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.reconciliation(account), ConsistentRead: true })),
    );
    const item = out.Item;
    if (!item) return undefined;
    const cash = item.cash as { broker?: unknown; local?: unknown } | undefined;
    return {
      account: String(item.account),
      runId: String(item.runId),
      status: item.status as ReconciliationRecord['status'],
      completedAt: String(item.completedAt),
      // Numbers come back as text (wrapNumbers): the persistence count is an integer again.
      breaks: ((item.breaks as ReconciliationRecord['breaks'] | undefined) ?? []).map((b) =>
        b.consecutiveRuns === undefined ? b : { ...b, consecutiveRuns: int(b.consecutiveRuns) },
      ),
      ...(item.ordersCompared === undefined ? {} : { ordersCompared: int(item.ordersCompared) }),
      ...(item.adopted === undefined ? {} : { adopted: int(item.adopted) }),
      ...(item.settled === undefined ? {} : { settled: int(item.settled) }),
      ...(cash ? { cash: { broker: String(cash.broker), local: String(cash.local) } } : {}),
    };
  }

  /** First activator wins: a repeat (or a racing second activation) keeps the stored one. */
  async recordKillSwitch(account: string, record: KillSwitchActivation): Promise<'recorded' | 'exists'> {
    const applied = await this.conditionalWrite('PutItem (kill switch)', async () => {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.killSwitch(account), type: 'KILL_SWITCH', account, ...record },
          // A released activation is history: a new activation replaces it.
          ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(#release)',
          ExpressionAttributeNames: { '#release': 'release' },
        }),
      );
    });
    return applied ? 'recorded' : 'exists';
  }

  async getKillSwitch(account: string): Promise<KillSwitchRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.killSwitch(account), ConsistentRead: true })),
    );
    const item = out.Item;
    if (!item) return undefined;
    return {
      account,
      activatedBy: String(item.activatedBy),
      reason: String(item.reason),
      at: String(item.at),
      requestId: String(item.requestId),
      ...(item.release ? { release: item.release as KillSwitchRelease } : {}),
    };
  }

  async releaseKillSwitch(account: string, release: KillSwitchRelease): Promise<'released' | 'not-active'> {
    const applied = await this.conditionalWrite('UpdateItem (kill switch release)', async () => {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.killSwitch(account),
          UpdateExpression: 'SET #release = :release',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#release)',
          ExpressionAttributeNames: { '#release': 'release' },
          ExpressionAttributeValues: { ':release': release },
        }),
      );
    });
    return applied ? 'released' : 'not-active';
  }

  async getTradingStateRecord(account: string): Promise<{ state: TradingState | undefined; updatedBy?: string; updatedAt?: string }> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.tradingState(account), ConsistentRead: true })),
    );
    const parsed = TradingStateSchema.safeParse(out.Item?.state);
    const updatedBy = str(out.Item?.updatedBy);
    const updatedAt = str(out.Item?.updatedAt);
    return { state: parsed.success ? parsed.data : undefined, ...(updatedBy ? { updatedBy } : {}), ...(updatedAt ? { updatedAt } : {}) };
  }

  // Circuit breaker (issue 5): one item per account holding its recent trips, written with a version check.
  async recordBreakerTrip(account: string, breachId: string, atMs: number, windowMs: number): Promise<readonly BreakerTripEntry[]> {
    const key = keys.breakerTrips(account);
    const inWindow = (trips: readonly BreakerTripEntry[]) => trips.filter((t) => t.atMs >= atMs - windowMs && t.atMs <= atMs);
    for (let attempt = 1; ; attempt++) {
      const out = await this.call('GetItem (breaker trips)', () =>
        this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
      );
      const version = int(out.Item?.version);
      const stored: BreakerTripEntry[] = Array.isArray(out.Item?.trips)
        ? (out.Item.trips as Record<string, unknown>[]).map((t) => ({ breachId: String(t.breachId), atMs: int(t.atMs) }))
        : [];
      // A replayed trip (a retried task) is counted once.
      if (stored.some((t) => t.breachId === breachId)) return inWindow(stored);
      // Keep only what a later trip's window could still reach (trips never arrive far out of order).
      const next = [...stored.filter((t) => t.atMs >= atMs - windowMs), { breachId, atMs }];
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, type: 'BREAKER_TRIPS', account, trips: next.map((t) => ({ breachId: t.breachId, atMs: n(t.atMs) })), version: n(version + 1) },
            ...(version === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(version) } }),
          }),
        );
        return inWindow(next);
      } catch (error) {
        // Another trip of the account won the race: read again and append to what it wrote.
        if (isConditionFailure(error) && attempt < 8) {
          await jitteredBackoff(attempt);
          continue;
        }
        throw new InfrastructureError('DynamoDB PutItem (breaker trips) failed', 'dynamodb', { cause: error });
      }
    }
  }

  // The breaker's current execution: one item per account. Ownership rule (docs/circuit-breaker.md): a
  // start claims it from any execution whose breach was detected no later; every other write needs the
  // owner's breach id (or no item yet), so a superseded execution never overwrites a newer one's stage or
  // approval token.
  async recordBreakerStage(write: BreakerStageWrite, start: boolean): Promise<'recorded' | 'superseded'> {
    const key = keys.breakerExecution(write.account);
    const applied = await this.conditionalWrite('write (breaker execution)', async () => {
      if (start) {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, type: 'BREAKER_EXECUTION', ...write },
            ConditionExpression: 'attribute_not_exists(pk) OR breachId = :id OR attribute_not_exists(detectedAtMs) OR detectedAtMs <= :ms',
            ExpressionAttributeValues: { ':id': write.breachId, ':ms': write.detectedAtMs },
          }),
        );
      } else {
        await this.doc.send(new UpdateCommand(breakerExecutionUpdate(this.tableName, write, undefined)));
      }
    });
    return applied ? 'recorded' : 'superseded';
  }

  async recordBreakerApproval(approval: PendingBreakerApproval, write: Omit<BreakerStageWrite, 'stage'>): Promise<'recorded' | 'superseded'> {
    const applied = await this.conditionalWrite('UpdateItem (breaker approval)', async () => {
      await this.doc.send(new UpdateCommand(breakerExecutionUpdate(this.tableName, { ...write, stage: 'AWAITING_APPROVAL' }, approval)));
    });
    return applied ? 'recorded' : 'superseded';
  }

  async getBreakerExecution(account: string): Promise<BreakerExecutionRecord | undefined> {
    const out = await this.call('GetItem (breaker execution)', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.breakerExecution(account), ConsistentRead: true })),
    );
    const item = out.Item;
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
      ...(approval
        ? {
            approval: {
              account,
              breachId: String(approval.breachId),
              taskToken: String(approval.taskToken),
              requestedAt: String(approval.requestedAt),
              excludedApprovers: Array.isArray(approval.excludedApprovers) ? approval.excludedApprovers.map(String) : [],
            },
          }
        : {}),
    };
  }

  async takeBreakerApproval(account: string, taskToken: string, audit: AuditEntry): Promise<'taken' | 'gone'> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.breakerExecution(account),
                UpdateExpression: 'REMOVE #approval',
                // Still this token: a second decision on the same approval finds it gone and sends nothing.
                ConditionExpression: '#approval.taskToken = :token',
                ExpressionAttributeNames: { '#approval': 'approval' },
                ExpressionAttributeValues: { ':token': taskToken },
              },
            },
            auditPut(this.tableName, audit),
          ],
        }),
      );
      return 'taken';
    } catch (error) {
      // Either the approval is gone, or this very decision (same request) was recorded already.
      if (cancellationCodes(error)?.some((code) => code === 'ConditionalCheckFailed')) return 'gone';
      throw new InfrastructureError('DynamoDB TransactWrite (breaker approval decision) failed', 'dynamodb', { cause: error });
    }
  }

  async restoreBreakerApproval(approval: PendingBreakerApproval): Promise<'restored' | 'moved'> {
    const applied = await this.conditionalWrite('UpdateItem (breaker approval restore)', async () => {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.breakerExecution(approval.account),
          UpdateExpression: 'SET #approval = :approval',
          ConditionExpression: '#breachId = :id AND #stage = :awaiting AND attribute_not_exists(#approval)',
          ExpressionAttributeNames: { '#approval': 'approval', '#breachId': 'breachId', '#stage': 'stage' },
          ExpressionAttributeValues: { ':approval': approval, ':id': approval.breachId, ':awaiting': 'AWAITING_APPROVAL' },
        }),
      );
    });
    return applied ? 'restored' : 'moved';
  }
}

/**
 * A stage write by the record's owner (or the first writer): sets the stage and, with `approval`, the
 * pending approval; any other stage removes a pending approval, so a token never outlives its wait.
 */
const breakerExecutionUpdate = (tableName: string, write: BreakerStageWrite, approval: PendingBreakerApproval | undefined) => ({
  TableName: tableName,
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
