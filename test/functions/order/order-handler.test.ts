// The order function against DynamoDB Local, with approvals that went through the real risk function and
// the real SQS client: duplicates and races give exactly one broker order and one position change.
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsOrderQueue } from '../../../adapters/sqs/sqs-order-queue';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { createRiskHandler } from '../../../functions/risk/handler';
import { createOrderHandler, type OrderHandlerDeps } from '../../../functions/order/handler';
import type { Broker } from '../../../shared/ports/broker';
import type { OrderStore } from '../../../shared/ports/order-store';
import { METRICS } from '../../../shared/telemetry/metrics';
import { toSqsEvent } from '../../../local/sqs-event-source';
import { BrokerUpdateRelay } from '../../../shared/feed/broker-update-relay';
import { buildMeta } from '../../../shared/events/envelope';
import { ORDER_QUEUE_MESSAGE_TYPES, type OrderQueueMessage } from '../../../shared/events/order-queue-messages';
import { delegatingBroker } from '../../support/broker-requests';
import { ACCOUNT, intendedEvent, intentFor, scanAll, silentLogger, STRATEGY, testLimits } from '../../support/fixtures';
import { drainQueue, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';
let broker: SimulatedBroker;

beforeEach(() => {
  broker = new SimulatedBroker({ priceOf: () => '100.25', clock: f.clock, seed: 7 });
});

const orderHandler = (over: Partial<OrderHandlerDeps> = {}) =>
  createOrderHandler(() => ({ ...f.stores, broker, bus: f.bus, clock: f.clock, telemetry: f.telemetry, leaseMs: 30_000, logger: silentLogger, ...over }));

/** Approves an intent through the real risk function and receives the queued message. */
const approveAndReceive = async (intentId: string, quantity = '10', over: Parameters<typeof intentFor>[1] = {}): Promise<Message> => {
  const risk = createRiskHandler(() => ({
    ...f.stores,
    queue: new SqsOrderQueue(f.sqsClient, f.queueUrl),
    bus: f.bus,
    clock: f.clock,
    telemetry: f.telemetry,
    defaults: testLimits({ maxOrderNotional: '1000000', orderRate: { maxOrders: 100, windowMs: 1000, perSymbol: { maxOrders: 100, windowMs: 1000 } } }),
    logger: silentLogger,
  }));
  await expect(risk(intendedEvent(intentFor(intentId, { quantity, ...over })))).resolves.toMatchObject({ outcome: 'approved' });
  const out = await f.sqsClient.send(
    new ReceiveMessageCommand({ QueueUrl: f.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
  );
  const message = out.Messages?.[0];
  if (!message) throw new Error('approved order was not queued');
  // The tests deliver the message to the handler themselves; acknowledging it keeps its FIFO group moving.
  await f.sqsClient.send(new DeleteMessageCommand({ QueueUrl: f.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  return message;
};

/** Delays every submission so that two deliveries really overlap. */
const slowBroker = (inner: Broker, ms: number): Broker =>
  delegatingBroker(inner, {
    submitOrder: async (request) => {
      await new Promise((r) => setTimeout(r, ms));
      return inner.submitOrder(request);
    },
  });

const countType = async (type: string) =>
  (await scanAll(f.client, f.tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === type).length;

describe('order function', () => {
  it('submits an approved order with f.client order id = intent id and books the fill, the position and the cash', async () => {
    const message = await approveAndReceive('o-1');
    const response = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(response.batchItemFailures).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', costBasis: '1002.5' });
    expect((await f.stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe('998997.5');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10' });
    expect(f.bus.ofType('FillApplied.v1')).toHaveLength(1);
    expect(f.bus.ofType('OrderSubmitted.v1')[0]?.detail).toMatchObject({ data: { clientOrderId: 'o-1' } });
  });

  it('sends the size risk approved, not the size the strategy asked for, when trading is in WARNING', async () => {
    await f.seeder.putTradingState(ACCOUNT, 'WARNING', 'test', '2026-11-23T14:30:00.000Z');
    const message = await approveAndReceive('o-w', '10');
    await f.seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:31:00.000Z');
    await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '5' });
    expect(f.bus.ofType('OrderSubmitted.v1')[0]?.detail).toMatchObject({ data: { quantity: '5' } });
  });

  it('counts an approved order as open and in flight until its fill moves it into the position', async () => {
    const message = await approveAndReceive('o-if', '10');
    expect(await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'next')).toMatchObject({ book: { positions: { AAPL: { quantity: '0', inFlightBuy: '10' } } }, openOrders: 1 });
    await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'next')).toMatchObject({ book: { positions: { AAPL: { quantity: '10', inFlightBuy: '0' } } }, openOrders: 0 });
  });

  it('keeps a resting limit order open and in flight and releases a blocked one', async () => {
    broker = new SimulatedBroker({ priceOf: () => '100.25', clock: f.clock, seed: 7 });
    const resting = await approveAndReceive('o-rest', '4', { orderType: 'limit', limitPrice: '99.5' });
    await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'o-rest')).toMatchObject({ status: 'ACCEPTED' });
    const blocked = await approveAndReceive('o-blk', '6');
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T15:00:01.000Z');
    await orderHandler()(toSqsEvent([blocked], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'next')).toMatchObject({ book: { positions: { AAPL: { quantity: '0', inFlightBuy: '4' } } }, openOrders: 1 });
  });

  it('gives one broker order and one position change when a message is delivered twice', async () => {
    const message = await approveAndReceive('o-2');
    const handler = orderHandler();
    await handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    const second = await handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(second.batchItemFailures).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
    expect(await countType('FILL')).toBe(1);
    expect(f.telemetry.countOf(METRICS.orderDuplicate)).toBe(1);
  });

  it('gives one broker order and one position change when two deliveries race', async () => {
    const message = await approveAndReceive('o-3');
    const handler = orderHandler({ broker: slowBroker(broker, 50) });
    const [a, b] = await Promise.all([
      handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-a' }),
      handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-b' }),
    ]);
    // The loser reports the message as failed so SQS redelivers it; the redelivery is then a no-op.
    const failures = [...a.batchItemFailures, ...b.batchItemFailures];
    expect(failures.length).toBeLessThanOrEqual(1);
    const retried = await handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-c' });
    expect(retried.batchItemFailures).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
    expect(await countType('FILL')).toBe(1);
  });

  it('books the broker order once after a worker died between the broker call and the write', async () => {
    const message = await approveAndReceive('o-4');
    const crashing: OrderStore = Object.assign(Object.create(f.stores.orderStore) as OrderStore, {
      recordOrderUpdate: () => Promise.reject(new Error('process died')),
    });
    const first = await orderHandler({ orderStore: crashing, leaseMs: 1000 })(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(first.batchItemFailures).toHaveLength(1);
    f.clock.advance(1001); // the dead worker's lease expires
    const second = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(second.batchItemFailures).toEqual([]);
    expect(broker.submitCalls()).toBe(1);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
  });

  it('books the order a dead predecessor placed even though trading was halted since', async () => {
    const message = await approveAndReceive('o-9');
    const crashing: OrderStore = Object.assign(Object.create(f.stores.orderStore) as OrderStore, {
      recordOrderUpdate: () => Promise.reject(new Error('process died')),
    });
    await orderHandler({ orderStore: crashing, leaseMs: 1000 })(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T15:00:01.000Z');
    f.clock.advance(1001);
    const second = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(second.batchItemFailures).toEqual([]);
    expect(broker.submitCalls()).toBe(1);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'o-9')).toMatchObject({ status: 'FILLED' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10' });
  });

  it('blocks a queued order when trading was halted after approval and never calls the broker', async () => {
    const message = await approveAndReceive('o-5');
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T15:00:01.000Z');
    const response = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(response.batchItemFailures).toEqual([]);
    expect(broker.submitCalls()).toBe(0);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'o-5')).toMatchObject({ status: 'BLOCKED' });
    expect(f.bus.ofType('OrderDenied.v1')[0]?.detail).toMatchObject({ data: { stage: 'pre-submit', reason: 'TRADING_HALTED' } });
  });

  it('keeps the message for retry and books nothing when the broker is unreachable', async () => {
    const message = await approveAndReceive('o-6');
    broker.setUnavailable(true);
    const response = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '0', version: 0 });
  });

  describe('broker updates and cancel commands on the same queue', () => {
    let price = '100.25';
    const receiveAllQueued = () => drainQueue(f);
    const command = (type: 'OrderCancelRequested.v1' | 'AllOrdersCancelRequested.v1', data: Record<string, unknown>, id: string): OrderQueueMessage =>
      ({
        type,
        detail: {
          meta: buildMeta({ detailType: type, occurredAt: '2026-11-23T15:00:01.000Z', correlationId: id, causationId: id, account: ACCOUNT, strategy: STRATEGY, producer: 'operator' }),
          data: { requestedBy: 'ops@example.com', reason: 'test', ...data },
        },
      }) as OrderQueueMessage;

    beforeEach(() => {
      price = '100.25';
      broker = new SimulatedBroker({ priceOf: () => price, clock: f.clock, seed: 7 });
    });

    it('books a fill relayed from the broker stream once, however often the update arrives', async () => {
      const resting = await approveAndReceive('u-1', '4', { orderType: 'limit', limitPrice: '99.5' });
      await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: 'req-1' });
      const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream: broker.updateStream(), queue: new SqsOrderQueue(f.sqsClient, f.queueUrl), clock: f.clock, telemetry: f.telemetry });
      await relay.start();
      price = '99';
      broker.advance();
      await broker.updateStream().idle();
      await relay.close();
      const updates = await receiveAllQueued();
      expect(updates.length).toBeGreaterThan(0);
      for (const m of updates) expect(m.Attributes?.MessageGroupId).toBe(`${ACCOUNT}#AAPL`);
      const handler = orderHandler();
      const first = await handler(toSqsEvent(updates, QUEUE_ARN), { awsRequestId: 'req-2' });
      const again = await handler(toSqsEvent([...updates].reverse(), QUEUE_ARN), { awsRequestId: 'req-3' });
      expect([...first.batchItemFailures, ...again.batchItemFailures]).toEqual([]);
      expect(await f.stores.orderStore.getOrder(ACCOUNT, 'u-1')).toMatchObject({ status: 'FILLED', filledQuantity: '4' });
      expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '4', version: 1 });
      expect(await countType('FILL')).toBe(1);
    });

    it('cancels a resting order on a cancel command and counts the cancel in the account rate window', async () => {
      const resting = await approveAndReceive('c-1', '4', { orderType: 'limit', limitPrice: '99.5' });
      await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: 'req-1' });
      await new SqsOrderQueue(f.sqsClient, f.queueUrl).enqueue([command(ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested, { intentId: 'c-1', symbol: 'AAPL' }, 'cancel-1')]);
      const [message] = await receiveAllQueued();
      expect(message?.Attributes?.MessageGroupId).toBe(`${ACCOUNT}#AAPL`);
      const response = await orderHandler()(toSqsEvent(message ? [message] : [], QUEUE_ARN), { awsRequestId: 'req-2' });
      expect(response.batchItemFailures).toEqual([]);
      expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-1')).toMatchObject({ status: 'CANCELED' });
      expect((await broker.listOpenOrders()).orders).toEqual([]);
      const window = (await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'next')).orderRate.approvals;
      expect(window.map((e) => e.kind)).toEqual(['order', 'cancel']);
      expect(f.telemetry.countsBy(METRICS.cancelRequested, 'outcome')).toEqual({ requested: 1 });
      const requested = (await scanAll(f.client, f.tableName)).filter((i) => (i.kind as { S?: string } | undefined)?.S === 'CANCEL_REQUESTED');
      expect(requested.map((i) => (i.actor as { S: string }).S)).toEqual(['ops@example.com']);
    });

    it('counts a replayed cancel command once in the rate window', async () => {
      // Every cancel first leaves the order pending_cancel, so the replay still finds it live.
      broker = new SimulatedBroker({ priceOf: () => price, clock: f.clock, seed: 7, cancelRace: 1 });
      const resting = await approveAndReceive('c-2', '4', { orderType: 'limit', limitPrice: '99.5' });
      await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: 'req-1' });
      const cancel = command(ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested, { intentId: 'c-2', symbol: 'AAPL' }, 'cancel-2');
      await new SqsOrderQueue(f.sqsClient, f.queueUrl).enqueue([cancel]);
      const [message] = await receiveAllQueued();
      const event = toSqsEvent(message ? [message] : [], QUEUE_ARN);
      await orderHandler()(event, { awsRequestId: 'req-2' });
      expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-2')).toMatchObject({ status: 'PENDING_CANCEL' });
      await orderHandler()(event, { awsRequestId: 'req-3' });
      const window = (await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'next')).orderRate.approvals;
      expect(window.filter((e) => e.kind === 'cancel')).toHaveLength(1);
    });

    it('cancels every open order on a cancel-all command, in a group of its own', async () => {
      for (const [id, quantity] of [['all-1', '4'], ['all-2', '5']] as const) {
        const resting = await approveAndReceive(id, quantity, { orderType: 'limit', limitPrice: '99.5' });
        await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: `req-${id}` });
      }
      await approveAndReceive('all-3', '6'); // approved, never sent
      await new SqsOrderQueue(f.sqsClient, f.queueUrl).enqueue([command(ORDER_QUEUE_MESSAGE_TYPES.AllOrdersCancelRequested, {}, 'kill-1')]);
      const [message] = await receiveAllQueued();
      expect(message?.Attributes?.MessageGroupId).toBe(`${ACCOUNT}#*`);
      const response = await orderHandler()(toSqsEvent(message ? [message] : [], QUEUE_ARN), { awsRequestId: 'req-k' });
      expect(response.batchItemFailures).toEqual([]);
      for (const id of ['all-1', 'all-2', 'all-3']) expect(await f.stores.orderStore.getOrder(ACCOUNT, id)).toMatchObject({ status: 'CANCELED' });
      expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'next')).openOrders).toBe(0);
      const kinds = (await scanAll(f.client, f.tableName)).map((i) => (i.kind as { S?: string } | undefined)?.S);
      expect(kinds.filter((k) => k === 'CANCEL_ALL_REQUESTED')).toHaveLength(1);
    });

    it('keeps a cancel waiting while its order is still in flight, then cancels it once the order settles', async () => {
      const resting = await approveAndReceive('w-1', '4', { orderType: 'limit', limitPrice: '99.5' });
      broker.setUnavailable(true);
      await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: 'req-1' });
      expect(await f.stores.orderStore.getOrder(ACCOUNT, 'w-1')).toMatchObject({ status: 'IN_FLIGHT' });
      await new SqsOrderQueue(f.sqsClient, f.queueUrl).enqueue([command(ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested, { intentId: 'w-1', symbol: 'AAPL' }, 'cancel-w')]);
      const [cancel] = await receiveAllQueued();
      const waiting = await orderHandler()(toSqsEvent(cancel ? [cancel] : [], QUEUE_ARN), { awsRequestId: 'req-2' });
      expect(waiting.batchItemFailures).toEqual([{ itemIdentifier: cancel?.MessageId }]);
      broker.setUnavailable(false);
      f.clock.advance(31_000);
      await orderHandler()(toSqsEvent([resting], QUEUE_ARN), { awsRequestId: 'req-3' });
      const done = await orderHandler()(toSqsEvent(cancel ? [cancel] : [], QUEUE_ARN), { awsRequestId: 'req-4' });
      expect(done.batchItemFailures).toEqual([]);
      expect(await f.stores.orderStore.getOrder(ACCOUNT, 'w-1')).toMatchObject({ status: 'CANCELED' });
      expect(broker.submittedOrderCount()).toBe(1);
    });
  });

  it('hands an order still in flight over to reconciliation on its second delivery, so its group moves on', async () => {
    const message = await approveAndReceive('o-h');
    broker.setUnavailable(true);
    const first = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    const redelivered = { ...message, Attributes: { ...message.Attributes, ApproximateReceiveCount: '2' } };
    const second = await orderHandler()(toSqsEvent([redelivered], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(second.batchItemFailures).toEqual([]);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'o-h')).toMatchObject({ status: 'IN_FLIGHT' });
    expect(f.telemetry.countOf(METRICS.handedToReconciliation, { type: 'OrderApproved.v1' })).toBe(1);
  });

  describe('rejects bad input naming the field and the rule, counts it and changes nothing', () => {
    it('a body that is not JSON', async () => {
      const message = await approveAndReceive('o-7');
      const before = await scanAll(f.client, f.tableName);
      const response = await orderHandler()(toSqsEvent([{ ...message, Body: '{oops' }], QUEUE_ARN), { awsRequestId: 'r' });
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
      expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'body' })).toBe(1);
      expect(await scanAll(f.client, f.tableName)).toEqual(before);
    });

    it('a body missing a field', async () => {
      const message = await approveAndReceive('o-8');
      const body = JSON.parse(message.Body ?? '{}') as { detail: { data: { intent: Record<string, unknown> } } };
      delete body.detail.data.intent.symbol;
      const before = await scanAll(f.client, f.tableName);
      const errors: unknown[] = [];
      const response = await orderHandler({ logger: { error: (...args: unknown[]) => void errors.push(args), info: () => undefined } })(
        toSqsEvent([{ ...message, Body: JSON.stringify(body) }], QUEUE_ARN),
        { awsRequestId: 'r' },
      );
      expect(response.batchItemFailures).toHaveLength(1);
      expect(JSON.stringify(errors)).toContain('body.detail.data.intent.symbol');
      expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'body.detail.data.intent.symbol' })).toBe(1);
      expect(await scanAll(f.client, f.tableName)).toEqual(before);
    });

    it('a message of an unknown type', async () => {
      const message = await approveAndReceive('o-10');
      const body = JSON.parse(message.Body ?? '{}') as { type: string };
      body.type = 'OrderTeleported.v1';
      const before = await scanAll(f.client, f.tableName);
      const response = await orderHandler()(toSqsEvent([{ ...message, Body: JSON.stringify(body) }], QUEUE_ARN), { awsRequestId: 'r' });
      expect(response.batchItemFailures).toHaveLength(1);
      expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'body.type' })).toBe(1);
      expect(await scanAll(f.client, f.tableName)).toEqual(before);
    });

    it('an event that is not an SQS batch', async () => {
      await expect(orderHandler()({ Records: [{ body: 'x' }] }, { awsRequestId: 'r' })).rejects.toThrow(/Records\.0\.messageId/);
      expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'Records.0.messageId' })).toBe(1);
    });
  });
});
