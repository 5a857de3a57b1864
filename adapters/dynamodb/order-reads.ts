// The order reads several role ports share (risk, order and reconciliation stores), written once: both are
// strongly consistent, and the list reads every page of the account's order items.
import type { OrderRecord, OrderStatus } from '../../shared/orders/order-record';
import { keys, ORDER_PREFIX } from '../../shared/storage/table-definition';
import type { DynamoTable } from './dynamo-table';
import { itemToOrder } from './items';

export const readOrder = async (table: DynamoTable, account: string, intentId: string): Promise<OrderRecord | undefined> => {
  const item = await table.get('GetItem', keys.order(account, intentId));
  return item ? itemToOrder(item) : undefined;
};

export const readOrders = async (table: DynamoTable, account: string, statuses: readonly OrderStatus[]): Promise<OrderRecord[]> => {
  const items = await table.queryAll('Query (orders)', {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: `#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':pk': keys.order(account, '').pk,
      ':prefix': ORDER_PREFIX,
      ...Object.fromEntries(statuses.map((status, i) => [`:s${i}`, status])),
    },
    ConsistentRead: true,
  });
  return items.map(itemToOrder);
};
