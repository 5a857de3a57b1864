// The trading table's item shapes, written once for every store: how orders, positions, the account book,
// marks, reference data, throttles and audit entries are stored and read back (docs/data-model.md). Money is
// written as DynamoDB numbers from decimal strings and read back as strings, never as JS numbers.
import { randomUUID } from 'node:crypto';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import * as fx from '../../shared/money/fixed';
import type { Fixed } from '../../shared/money/fixed';
import { InfrastructureError } from '../../shared/errors/errors';
import { OrderIntentSchema } from '../../shared/events/order-events';
import type { AccountBook, BookEntry, InFlightChange } from '../../shared/ledger/account-book';
import type { Position } from '../../shared/ledger/position';
import type { ItemRevision } from '../../shared/market/item-revision';
import type { InstrumentReference, Mark } from '../../shared/market/marks';
import { ORDER_STATUSES, type OrderRecord } from '../../shared/orders/order-record';
import { isTradable, type TradableState } from '../../shared/trading-state/trading-state';
import type { ApprovalEntry, ExecutionThrottleState } from '../../shared/ports/risk-store';
import {
  BOOK_IN_FLIGHT_BUY,
  BOOK_IN_FLIGHT_SELL,
  BOOK_QUANTITY,
  FILL_BUCKET_PREFIX,
  keys,
  MARK_PREFIX,
  REFERENCE_PREFIX,
} from '../../shared/storage/table-definition';
import type { Item, TransactItem } from './dynamo-table';

export const n = (decimal: string | number): NumberValue => NumberValue.from(String(decimal));
export const str = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
export const int = (value: unknown, fallback = 0): number => (value === undefined || value === null ? fallback : Number(value));

/** Rate-window entries expire a day after their last write. */
export const RATE_TTL_SECONDS = 86_400;

export const orderToItem = (order: OrderRecord): Item => ({
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
  gatePassedAt: order.gatePassedAt,
  gateState: order.gateState,
  version: order.version ?? 1,
});

export const itemToOrder = (item: Item): OrderRecord => {
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
    ...(item.gatePassedAt !== undefined ? { gatePassedAt: int(item.gatePassedAt) } : {}),
    ...(isTradable(str(item.gateState)) ? { gateState: item.gateState as TradableState } : {}),
    version: int(item.version),
  };
};

/** A new order item, written only if none exists for the intent (its first cancellation reason, if it does). */
export const orderPut = (tableName: string, order: OrderRecord): TransactItem => ({
  Put: { TableName: tableName, Item: orderToItem(order), ConditionExpression: 'attribute_not_exists(pk)' },
});

export const itemToPosition = (item: Item): Position => ({
  symbol: String(item.symbol),
  quantity: str(item.quantity) ?? '0',
  costBasis: str(item.costBasis) ?? '0',
  realizedPnl: str(item.realizedPnl) ?? '0',
  version: int(item.version),
});

/** A container item's revision; a missing or malformed one reads as unknown (the valuation compares everything). */
export const itemToRevision = (item: Item | undefined): ItemRevision | undefined => {
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
export const revise = (changed: readonly string[]) => ({
  set: '#revEpoch = if_not_exists(#revEpoch, :revEpoch), #revChanged = :revChanged',
  add: '#revVersion :revOne',
  names: { '#revEpoch': 'epoch', '#revChanged': 'changed', '#revVersion': 'version' },
  values: { ':revEpoch': randomUUID(), ':revChanged': [...changed], ':revOne': 1 },
});

/** The book item's Q#/B#/S# attributes, one entry per symbol ever traded. */
export const itemToBook = (item: Item | undefined): AccountBook => {
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

export const itemToMarks = (item: Item | undefined): Record<string, Mark> => {
  const marks: Record<string, Mark> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!name.startsWith(MARK_PREFIX) || !value || typeof value !== 'object') continue;
    const mark = value as Record<string, unknown>;
    marks[name.slice(MARK_PREFIX.length)] = { price: String(mark.price), at: String(mark.at), ...(mark.source ? { source: String(mark.source) } : {}) };
  }
  return marks;
};

export const itemToReference = (item: Item | undefined): Record<string, InstrumentReference> => {
  const reference: Record<string, InstrumentReference> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!name.startsWith(REFERENCE_PREFIX) || !value || typeof value !== 'object') continue;
    const ref = value as Record<string, unknown>;
    reference[name.slice(REFERENCE_PREFIX.length)] = { ...(ref.adv !== undefined ? { adv: String(ref.adv) } : {}), ...(ref.sector ? { sector: String(ref.sector) } : {}) };
  }
  return reference;
};

export const itemToThrottle = (item: Item | undefined): ExecutionThrottleState => {
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

/** An entry of the approvals window; a malformed one still counts against the account's rate. */
export const itemToApproval = (value: unknown): ApprovalEntry => {
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

/** The stored form of an approvals-window entry: its time as a number. */
export const approvalToItem = (entry: ApprovalEntry): Item => ({ ...entry, at: n(entry.at) });

/**
 * Moves in-flight exposure with ADD on the book, which never conflicts logically with the ledger's versioned
 * write of a position: approvals and fills stay independent. Several changes are one update (a transaction
 * writes an item once), summed per attribute.
 */
export const inFlightUpdate = (tableName: string, account: string, changes: InFlightChange | readonly InFlightChange[]): TransactItem => {
  const list: readonly InFlightChange[] = Array.isArray(changes) ? changes : [changes as InFlightChange];
  const totals = new Map<string, Fixed>();
  for (const c of list) {
    const name = `${c.side === 'buy' ? BOOK_IN_FLIGHT_BUY : BOOK_IN_FLIGHT_SELL}${c.symbol}`;
    totals.set(name, fx.add(totals.get(name) ?? fx.fixedFromInt(0), fx.parseFixed(c.quantity)));
  }
  const revision = revise([...new Set(list.map((c) => c.symbol))]);
  const names = [...totals];
  return {
    Update: {
      TableName: tableName,
      Key: keys.book(account),
      UpdateExpression: `ADD ${names.map((_, i) => `#f${i} :f${i}`).join(', ')}, ${revision.add} SET ${revision.set}`,
      ExpressionAttributeNames: { ...Object.fromEntries(names.map(([name], i) => [`#f${i}`, name])), ...revision.names },
      ExpressionAttributeValues: { ...Object.fromEntries(names.map(([, total], i) => [`:f${i}`, n(fx.toDecimalString(total))])), ...revision.values },
    },
  };
};

/** Open orders are counted with ADD: approvals and final outcomes never contend on a version. */
export const openOrdersUpdate = (tableName: string, account: string, delta: number): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.openOrders(account),
    UpdateExpression: 'ADD #count :delta',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':delta': n(delta) },
  },
});

/**
 * The open-order marker follows the order in or out of an open status, in the order's own transaction: the
 * markers are exactly the open orders. A repeated put or delete changes nothing.
 */
export const openOrderMarker = (tableName: string, account: string, intentId: string, delta: 1 | -1): TransactItem =>
  delta > 0
    ? { Put: { TableName: tableName, Item: { ...keys.openOrder(account, intentId), type: 'OPEN_ORDER', intentId } } }
    : { Delete: { TableName: tableName, Key: keys.openOrder(account, intentId) } };

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

/** An audit entry is written once: a replay (same entry id) fails its condition and adds nothing. */
export const auditWrite = (entry: AuditEntry) => ({ Item: auditItem(entry), ConditionExpression: 'attribute_not_exists(pk)' });

export const auditPut = (tableName: string, entry: AuditEntry): TransactItem => ({ Put: { TableName: tableName, ...auditWrite(entry) } });
