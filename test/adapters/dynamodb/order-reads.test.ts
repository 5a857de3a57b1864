// How an account's orders are stored and found against DynamoDB Local: spread over the account's order shards,
// open ones listed through their markers without reading the history, the whole history only when asked.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { isOpenStatus, ORDER_STATUSES, type OrderRecord, type OrderStatus } from '../../../shared/orders/order-record';
import type { ReconciliationStore } from '../../../shared/ports/reconciliation-store';
import { keys, ORDER_SHARDS, orderPartition, orderShardOf } from '../../../shared/storage/table-definition';
import { freshTable } from '../../support/dynamo';
import { ACCOUNT, intentFor } from '../../support/fixtures';

const AT = '2026-11-23T15:00:00.000Z';
const OPEN = ORDER_STATUSES.filter(isOpenStatus);

let store: ReconciliationStore;
let sent: { command: string; input: Record<string, unknown> }[];

const watch = (client: DynamoDBClient) =>
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'watchRequests', override: true },
  );

const order = (intentId: string, status: OrderStatus): OrderRecord => ({
  account: ACCOUNT,
  strategy: 'momentum',
  intent: intentFor(intentId),
  status,
  filledQuantity: '0',
  origin: 'external',
  createdAt: AT,
  updatedAt: AT,
  version: 1,
});

const adopt = (o: OrderRecord) =>
  store.adoptOrder(o, auditEntry({ account: ACCOUNT, occurredAt: AT, kind: 'ORDER_ADOPTED', actor: 'reconciliation', correlationId: o.intent.intentId, causationId: 'run', detail: {} }));

beforeEach(async () => {
  const { client, tableName } = await freshTable();
  watch(client);
  store = dynamoStores(client, tableName).reconciliationStore;
  sent = [];
});

describe('order shards', () => {
  it('puts an order in the same shard of its account every time, and uses every shard', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `intent-${i}`);
    const shards = ids.map(orderShardOf);
    expect(ids.map(orderShardOf)).toEqual(shards);
    expect(new Set(shards)).toEqual(new Set(Array.from({ length: ORDER_SHARDS }, (_, i) => i)));
    expect(keys.order(ACCOUNT, 'intent-7').pk).toBe(orderPartition(ACCOUNT, orderShardOf('intent-7')));
    // FNV-1a of "a" is 0xe40c292c: a fixed value, so a change of hash (which would strand stored orders) fails here.
    expect(orderShardOf('a')).toBe(0xe40c292c % ORDER_SHARDS);
  });
});

describe('listing orders', () => {
  it('lists the open orders from their markers, in intent-id order, without reading the order history', async () => {
    const history = Array.from({ length: 40 }, (_, i) => order(`done-${String(i).padStart(2, '0')}`, i % 2 === 0 ? 'FILLED' : 'CANCELED'));
    const open = [order('open-c', 'ACCEPTED'), order('open-a', 'PENDING'), order('open-b', 'PARTIALLY_FILLED')];
    for (const o of [...history, ...open]) expect(await adopt(o)).toBe(true);
    sent = [];

    const listed = await store.listOrders(ACCOUNT, OPEN);
    expect(listed.map((o) => [o.intent.intentId, o.status])).toEqual([
      ['open-a', 'PENDING'],
      ['open-b', 'PARTIALLY_FILLED'],
      ['open-c', 'ACCEPTED'],
    ]);
    // One Query of the markers' partition and one BatchGet of the three orders: no closed order is read.
    expect(sent.map((s) => s.command)).toEqual(['QueryCommand', 'BatchGetItemCommand']);
    const keysRead = JSON.stringify(sent[1]?.input);
    for (const o of history) expect(keysRead).not.toContain(o.intent.intentId);
    expect(await store.listOrders(ACCOUNT, ['PENDING'])).toEqual([expect.objectContaining({ status: 'PENDING' })]);
  });

  it('reads more open orders than one BatchGet takes, in pages of 100', async () => {
    for (let i = 0; i < 130; i++) await adopt(order(`o-${String(i).padStart(3, '0')}`, 'ACCEPTED'));
    sent = [];
    const listed = await store.listOrders(ACCOUNT, OPEN);
    expect(listed).toHaveLength(130);
    expect(sent.filter((s) => s.command === 'BatchGetItemCommand')).toHaveLength(2);
  });

  it('reads every shard of the history when a closed status is asked for', async () => {
    const all = Array.from({ length: 50 }, (_, i) => order(`h-${String(i).padStart(2, '0')}`, i % 5 === 0 ? 'ACCEPTED' : 'FILLED'));
    for (const o of all) await adopt(o);
    const filled = await store.listOrders(ACCOUNT, ['FILLED', 'ACCEPTED']);
    expect(filled.map((o) => o.intent.intentId)).toEqual(all.map((o) => o.intent.intentId));
  });
});
