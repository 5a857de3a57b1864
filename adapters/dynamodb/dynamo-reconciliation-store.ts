// DynamoDB adapter for the ReconciliationStore port: the local side of the comparison (orders, positions,
// the book) read strongly consistent, and a run's writes: an adopted order with its audit entry, the cash
// set from the broker only if unchanged since read, and the run's record.
import type { AuditEntry } from '../../shared/audit/audit-entry';
import type { AccountBook, InFlightChange } from '../../shared/ledger/account-book';
import type { Position } from '../../shared/ledger/position';
import { dec } from '../../shared/money/decimal';
import { isOpenStatus, type OrderRecord, type OrderStatus } from '../../shared/orders/order-record';
import type { CashSyncInput, ReconciliationRecord, ReconciliationStore } from '../../shared/ports/reconciliation-store';
import { keys, POSITION_PREFIX } from '../../shared/storage/table-definition';
import { anyConditionFailed, anyTransactionConflict, conditionFailedAt, type DynamoTable, type Item, type TransactItem } from './dynamo-table';
import { auditPut, inFlightUpdate, int, itemToBook, itemToPosition, n, openOrderMarker, openOrdersUpdate, orderPut, revise } from './items';
import { readOrder, readOrders } from './order-reads';

const itemToReconciliation = (item: Item): ReconciliationRecord => {
  const cash = item.cash as { broker?: unknown; local?: unknown } | undefined;
  return {
    account: String(item.account),
    runId: String(item.runId),
    status: item.status as ReconciliationRecord['status'],
    completedAt: String(item.completedAt),
    // Numbers come back as text (wrapNumbers): the persistence count is an integer again.
    breaks: ((item.breaks as ReconciliationRecord['breaks'] | undefined) ?? []).map((b) => (b.consecutiveRuns === undefined ? b : { ...b, consecutiveRuns: int(b.consecutiveRuns) })),
    ...(item.ordersCompared === undefined ? {} : { ordersCompared: int(item.ordersCompared) }),
    ...(item.adopted === undefined ? {} : { adopted: int(item.adopted) }),
    ...(item.settled === undefined ? {} : { settled: int(item.settled) }),
    ...(cash ? { cash: { broker: String(cash.broker), local: String(cash.local) } } : {}),
  };
};

/**
 * SET cash (not ADD: it replaces the local figure with the broker's) only if the cash is still the figure
 * read; a write of the book, so it bumps the revision, naming no symbol.
 */
const cashSync = (tableName: string, account: string, input: CashSyncInput): TransactItem => {
  const revision = revise([]);
  // A book never written has no cash attribute: it reads as 0, so "still 0" must accept it missing.
  const unchanged = dec(input.expectedLocalCash).isZero() ? '(attribute_not_exists(cash) OR cash = :expected)' : 'cash = :expected';
  return {
    Update: {
      TableName: tableName,
      Key: keys.book(account),
      UpdateExpression: `SET cash = :cash, cashSyncedAt = :at, updatedAt = :at, ${revision.set} ADD ${revision.add}`,
      ConditionExpression: unchanged,
      ExpressionAttributeNames: revision.names,
      ExpressionAttributeValues: { ':cash': n(input.brokerCash), ':expected': n(input.expectedLocalCash), ':at': input.at, ...revision.values },
    },
  };
};

export class DynamoReconciliationStore implements ReconciliationStore {
  constructor(private readonly table: DynamoTable) {}

  getOrder(account: string, intentId: string): Promise<OrderRecord | undefined> {
    return readOrder(this.table, account, intentId);
  }

  listOrders(account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]> {
    return readOrders(this.table, account, statuses);
  }

  async adoptOrder(order: OrderRecord, audit: AuditEntry, inFlight?: InFlightChange): Promise<boolean> {
    const tableName = this.table.name;
    const items: TransactItem[] = [orderPut(tableName, order), auditPut(tableName, audit)];
    if (isOpenStatus(order.status)) items.push(openOrdersUpdate(tableName, order.account, 1), openOrderMarker(tableName, order.account, order.intent.intentId, 1));
    // Like an approval: the adopted order's size is in flight on the book in the same write as the order.
    if (inFlight && !dec(inFlight.quantity).isZero()) items.push(inFlightUpdate(tableName, order.account, inFlight));
    return this.table.transact('TransactWrite (adopt order)', items, true, (codes) => (conditionFailedAt(codes, 0) ? false : undefined));
  }

  async listPositions(account: string): Promise<Position[]> {
    const items = await this.table.queryAll('Query', {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.position(account, '').pk, ':prefix': POSITION_PREFIX },
      ConsistentRead: true,
    });
    return items.map(itemToPosition);
  }

  async getBook(account: string): Promise<AccountBook> {
    return itemToBook(await this.table.get('GetItem', keys.book(account)));
  }

  async syncCash(account: string, input: CashSyncInput): Promise<'synced' | 'moved'> {
    const items = [cashSync(this.table.name, account, input), auditPut(this.table.name, input.audit)];
    // The cash moved, a fill's transaction raced this one, or this run already synced (its audit exists).
    return this.table.transact('TransactWrite (cash sync)', items, 'synced', (codes) => (anyConditionFailed(codes) || anyTransactionConflict(codes) ? 'moved' : undefined));
  }

  async recordReconciliation(record: ReconciliationRecord, audit: AuditEntry): Promise<void> {
    const run: TransactItem = { Put: { TableName: this.table.name, Item: { ...keys.reconciliation(record.account), type: 'RECONCILIATION', ...record } } };
    await this.table.transact('TransactWrite (reconciliation)', [run, auditPut(this.table.name, audit)], undefined);
  }

  async getReconciliation(account: string): Promise<ReconciliationRecord | undefined> {
    const item = await this.table.get('GetItem', keys.reconciliation(account));
    return item ? itemToReconciliation(item) : undefined;
  }
}
