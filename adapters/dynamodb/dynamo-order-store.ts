// DynamoDB adapter for the OrderStore port: the submission lease is the kill gate's transaction
// (submission-claim.ts), and an order
// update is one TransactWrite conditional on the order's version with its fills, position, book, throttle
// counts, open-order count and audit entries, so a fill is booked exactly once.
import type { AuditEntry } from '../../shared/audit/audit-entry';
import { ConcurrentUpdateError } from '../../shared/errors/errors';
import type { BookEntry } from '../../shared/ledger/account-book';
import { flatPosition, type Position } from '../../shared/ledger/position';
import { dec, toDecimalString } from '../../shared/money/decimal';
import type { OrderRecord, OrderStatus } from '../../shared/orders/order-record';
import type { BookedFill, ClaimResult, OrderStore, OrderUpdateInput } from '../../shared/ports/order-store';
import type { ApprovalEntry } from '../../shared/ports/risk-store';
import { ACCOUNT_SCOPE } from '../../shared/risk/scopes';
import { BOOK_IN_FLIGHT_BUY, BOOK_IN_FLIGHT_SELL, BOOK_QUANTITY, FILL_BUCKET_PREFIX, keys } from '../../shared/storage/table-definition';
import { anyConditionFailed, anyTransactionConflict, conditionFailedAt, type DynamoTable, type TransactItem } from './dynamo-table';
import { approvalToItem, auditPut, auditWrite, itemToBook, itemToPosition, n, openOrderMarker, openOrdersUpdate, RATE_TTL_SECONDS, revise } from './items';
import { readOrder, readOrders } from './order-reads';
import { claimForSubmission } from './submission-claim';

/** The order item's update: the set fields and a new version, only from the version (and lease) read. */
const orderUpdate = (tableName: string, input: OrderUpdateInput): TransactItem => {
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
  return {
    Update: {
      TableName: tableName,
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
  };
};

/** A fill, keyed by (brokerOrderId, cumulative quantity) and written once, whichever source reported it. */
const fillPut = (tableName: string, account: string, intentId: string, fill: BookedFill): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: {
      ...keys.fill(account, `${fill.brokerOrderId}#${fill.cumulativeQuantity}`),
      type: 'FILL',
      intentId,
      brokerOrderId: fill.brokerOrderId,
      executionId: fill.executionId,
      cumulativeQuantity: n(fill.cumulativeQuantity),
      quantity: n(fill.quantity),
      price: n(fill.price),
      at: fill.at,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** The ledger's versioned write: a concurrent fill of the same symbol makes one of the two retry. */
const positionUpdate = (tableName: string, account: string, { before, after }: { before: Position; after: Position }, at: string): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.position(account, after.symbol),
    UpdateExpression: 'SET #type = :type, account = :account, symbol = :symbol, quantity = :q, costBasis = :c, realizedPnl = :r, version = :v1, updatedAt = :at',
    ConditionExpression: before.version === 0 ? 'attribute_not_exists(version)' : 'version = :v0',
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: {
      ':type': 'POSITION',
      ':account': account,
      ':symbol': after.symbol,
      ':q': n(after.quantity),
      ':c': n(after.costBasis),
      ':r': n(after.realizedPnl),
      ':v1': n(after.version),
      ':at': at,
      ...(before.version === 0 ? {} : { ':v0': n(before.version) }),
    },
  },
});

/** The book moves with the ledger in the same transaction: quantity, cash and the in-flight size (ADD only). */
const bookUpdate = (tableName: string, input: OrderUpdateInput): TransactItem | undefined => {
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
  if (bookAdds.length === 0) return undefined;
  const revision = revise(bookSymbol ? [bookSymbol] : []);
  return {
    Update: {
      TableName: tableName,
      Key: keys.book(input.account),
      UpdateExpression: `ADD ${bookAdds.map((_, i) => `#a${i} :a${i}`).join(', ')}, ${revision.add} SET updatedAt = :at, ${revision.set}`,
      ExpressionAttributeNames: { ...Object.fromEntries(bookAdds.map(([name], i) => [`#a${i}`, name])), ...revision.names },
      ExpressionAttributeValues: { ...Object.fromEntries(bookAdds.map(([, value], i) => [`:a${i}`, n(value)])), ':at': input.set.updatedAt, ...revision.values },
    },
  };
};

/** Fills count towards the execution throttle of the strategy and of the account. */
const throttleFillUpdates = (tableName: string, input: OrderUpdateInput): TransactItem[] => {
  const { throttle } = input;
  if (input.fills.length === 0 || !throttle) return [];
  return [throttle.strategy, ACCOUNT_SCOPE].map((scope) => ({
    Update: {
      TableName: tableName,
      Key: keys.throttle(input.account, scope),
      UpdateExpression: 'ADD #bucket :n',
      ExpressionAttributeNames: { '#bucket': `${FILL_BUCKET_PREFIX}${throttle.bucketStartMs}` },
      ExpressionAttributeValues: { ':n': n(input.fills.length) },
    },
  }));
};

/** An order update's items in their fixed order: order, fills, position, book, throttle, open orders (count and marker), audit. */
const orderUpdateItems = (tableName: string, input: OrderUpdateInput): TransactItem[] => {
  const book = bookUpdate(tableName, input);
  return [
    orderUpdate(tableName, input),
    ...input.fills.map((fill) => fillPut(tableName, input.account, input.intentId, fill)),
    ...(input.position ? [positionUpdate(tableName, input.account, input.position, input.set.updatedAt)] : []),
    ...(book ? [book] : []),
    ...throttleFillUpdates(tableName, input),
    ...(input.openOrdersDelta !== 0
      ? [openOrdersUpdate(tableName, input.account, input.openOrdersDelta), openOrderMarker(tableName, input.account, input.intentId, input.openOrdersDelta)]
      : []),
    ...input.audit.map((entry) => auditPut(tableName, entry)),
  ];
};

export class DynamoOrderStore implements OrderStore {
  constructor(private readonly table: DynamoTable) {}

  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.table, account, intentId);
  }

  listOrders(account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]> {
    return readOrders(this.table, account, statuses);
  }

  /** The kill gate: see submission-claim.ts. */
  claimForSubmission(account: string, intentId: string, owner: string, nowMs: number, leaseMs: number, alsoFrom: readonly OrderStatus[] = []): Promise<ClaimResult> {
    return claimForSubmission(this.table, { account, intentId, owner, nowMs, leaseMs, alsoFrom });
  }

  async getPosition(account: string, symbol: string): Promise<Position> {
    const item = await this.table.get('GetItem', keys.position(account, symbol));
    return item ? itemToPosition(item) : flatPosition(symbol);
  }

  async getBookEntry(account: string, symbol: string): Promise<BookEntry> {
    const names = [BOOK_QUANTITY, BOOK_IN_FLIGHT_BUY, BOOK_IN_FLIGHT_SELL].map((prefix) => `${prefix}${symbol}`);
    const item = await this.table.get('GetItem (book entry)', keys.book(account), {
      ProjectionExpression: names.map((_, i) => `#n${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
    });
    return itemToBook(item).positions[symbol] ?? { quantity: '0', inFlightBuy: '0', inFlightSell: '0' };
  }

  async recordOrderUpdate(input: OrderUpdateInput): Promise<void> {
    await this.table.transact('TransactWrite (order update)', orderUpdateItems(this.table.name, input), undefined, (codes, error) => {
      if (anyConditionFailed(codes) || anyTransactionConflict(codes)) {
        // The order, a fill or the position moved since it was read: the caller reloads and reduces again.
        throw new ConcurrentUpdateError(`order ${input.intentId} or its position moved while recording`, { cause: error });
      }
      return undefined;
    });
  }

  async recordCancelMessage(account: string, entry: ApprovalEntry, audit: AuditEntry): Promise<'recorded' | 'duplicate'> {
    const tableName = this.table.name;
    const append: TransactItem = {
      Update: {
        TableName: tableName,
        Key: keys.orderRate(account),
        // The window is pruned by the next risk decision, which rewrites it whole.
        UpdateExpression: 'SET approvals = list_append(if_not_exists(approvals, :empty), :entry), expiresAt = :ttl ADD version :one',
        ExpressionAttributeValues: {
          ':empty': [],
          ':entry': [approvalToItem(entry)],
          ':ttl': n(Math.floor(entry.at / 1000) + RATE_TTL_SECONDS),
          ':one': n(1),
        },
      },
    };
    // The request's audit entry exists: a replayed command, already counted once.
    return this.table.transact('TransactWrite (cancel in rate window)', [append, auditPut(tableName, audit)], 'recorded', (codes) =>
      conditionFailedAt(codes, 1) ? 'duplicate' : undefined,
    );
  }

  async recordAudit(entries: readonly AuditEntry[]): Promise<void> {
    for (const entry of entries) {
      // Written before (same entry id) fails the condition: the trail is append-only and a replay adds nothing.
      await this.table.putIf('PutItem (audit)', auditWrite(entry));
    }
  }
}
