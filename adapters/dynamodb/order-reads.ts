// The order reads several role ports share (risk, order and reconciliation stores), written once. Every read is
// strongly consistent. Open orders are found through their markers (keys.openOrder), so the reads the
// reconciliation, the dead-man switch and cancel-all make cost what is open, not the account's whole history.
import { isOpenStatus, type OrderRecord, type OrderStatus } from '../../shared/orders/order-record';
import { keys, ORDER_PREFIX, ORDER_SHARDS, orderPartition } from '../../shared/storage/table-definition';
import type { DynamoTable } from './dynamo-table';
import { itemToOrder } from './items';

/** BatchGetItem takes at most this many keys a request. */
const BATCH_GET_KEYS = 100;

export const readOrder = async (table: DynamoTable, account: string, intentId: string): Promise<OrderRecord | undefined> => {
  const item = await table.get('GetItem', keys.order(account, intentId));
  return item ? itemToOrder(item) : undefined;
};

/** The account's open orders: its markers, then the orders they name (a marker and its order move in one transaction). */
const readOpenOrders = async (table: DynamoTable, account: string): Promise<OrderRecord[]> => {
  const markers = await table.queryAll('Query (open orders)', {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.openOrder(account, '').pk },
    ProjectionExpression: 'intentId',
    ConsistentRead: true,
  });
  const wanted = markers.map((marker) => keys.order(account, String(marker.intentId)));
  const orders: OrderRecord[] = [];
  for (let i = 0; i < wanted.length; i += BATCH_GET_KEYS) {
    const chunk = wanted.slice(i, i + BATCH_GET_KEYS);
    const found = await table.batchGet(chunk);
    for (const key of chunk) {
      const item = found(key);
      if (item) orders.push(itemToOrder(item));
    }
  }
  return orders;
};

/** Every order item of the account, filtered by status: every shard's whole history is read (local reports and tests only). */
const readOrderHistory = async (table: DynamoTable, account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]> => {
  const shards = await Promise.all(
    Array.from({ length: ORDER_SHARDS }, (_, shard) =>
      table.queryAll('Query (orders)', {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': orderPartition(account, shard),
          ':prefix': ORDER_PREFIX,
          ...Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status])),
        },
        ConsistentRead: true,
      }),
    ),
  );
  return shards
    .flat()
    .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0))
    .map(itemToOrder);
};

/** The account's orders in any of these statuses, in intent-id order: from the open-order markers when every status asked for is open. */
export const readOrders = async (table: DynamoTable, account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]> => {
  if (statuses.length === 0) return [];
  if (!statuses.every(isOpenStatus)) return readOrderHistory(table, account, statuses);
  const wanted = new Set(statuses);
  return (await readOpenOrders(table, account)).filter((order) => wanted.has(order.status));
};
