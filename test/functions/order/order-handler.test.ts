// The order function against DynamoDB Local, with approvals that went through the real risk function and
// the real SQS client: duplicates and races give exactly one broker order and one position change.
import { ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTradingStore } from '../../../adapters/dynamodb/dynamo-trading-store';
import { SqsOrderQueue } from '../../../adapters/sqs/sqs-order-queue';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { createRiskHandler } from '../../../functions/risk/handler';
import { createOrderHandler, type OrderHandlerDeps } from '../../../functions/order/handler';
import type { Broker } from '../../../shared/ports/broker';
import type { TradingStore } from '../../../shared/ports/trading-store';
import { InMemoryTelemetry, METRICS } from '../../../shared/telemetry/telemetry';
import { createFifoQueues, localSqsClientConfig, startLocalSqs } from '../../../local/sqs-local';
import { toSqsEvent } from '../../../local/sqs-event-source';
import { freshTable } from '../../support/dynamo';
import { ACCOUNT, intendedEvent, intentFor, ManualClock, RecordingBus, scanAll, silentLogger } from '../../support/fixtures';

let sqs: Awaited<ReturnType<typeof startLocalSqs>>;
let sqsClient: SQSClient;
beforeAll(async () => {
  sqs = await startLocalSqs();
  sqsClient = new SQSClient(localSqsClientConfig(sqs.endpoint));
});
afterAll(async () => {
  await sqs.stop();
});

let client: DynamoDBClient;
let tableName: string;
let store: DynamoTradingStore;
let queueUrl: string;
let bus: RecordingBus;
let telemetry: InMemoryTelemetry;
let clock: ManualClock;
let broker: SimulatedBroker;

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';

beforeEach(async () => {
  ({ client, tableName } = await freshTable());
  store = new DynamoTradingStore(client, tableName);
  ({ queueUrl } = await createFifoQueues(sqsClient, `orders-${tableName}`));
  bus = new RecordingBus();
  telemetry = new InMemoryTelemetry();
  clock = new ManualClock();
  broker = new SimulatedBroker({ priceOf: () => '100.25', clock, seed: 7 });
  await store.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
  await store.putMark('AAPL', '100', '2026-11-23T14:59:59.000Z');
});

const orderHandler = (over: Partial<OrderHandlerDeps> = {}) =>
  createOrderHandler(() => ({ store, broker, bus, clock, telemetry, leaseMs: 30_000, logger: silentLogger, ...over }));

/** Approves an intent through the real risk function and receives the queued message. */
const approveAndReceive = async (intentId: string, quantity = '10'): Promise<Message> => {
  const risk = createRiskHandler(() => ({
    store,
    queue: new SqsOrderQueue(sqsClient, queueUrl),
    bus,
    clock,
    telemetry,
    defaults: { maxOrderNotional: '1000000', orderRate: { maxOrders: 100, windowMs: 1000 } },
    logger: silentLogger,
  }));
  await expect(risk(intendedEvent(intentFor(intentId, { quantity })))).resolves.toMatchObject({ outcome: 'approved' });
  const out = await sqsClient.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
  );
  const message = out.Messages?.[0];
  if (!message) throw new Error('approved order was not queued');
  return message;
};

/** Delays every broker call so that two deliveries really overlap. */
const slowBroker = (inner: Broker, ms: number): Broker => ({
  submitOrder: async (request) => {
    await new Promise((r) => setTimeout(r, ms));
    return inner.submitOrder(request);
  },
  getPositions: () => inner.getPositions(),
});

const countType = async (type: string) =>
  (await scanAll(client, tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === type).length;

describe('order function', () => {
  it('submits an approved order with client order id = intent id and books the fill, the position and the cash', async () => {
    const message = await approveAndReceive('o-1');
    const response = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(response.batchItemFailures).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await store.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', costBasis: '1002.5' });
    expect(await store.getCash(ACCOUNT)).toBe('-1002.5');
    expect(await store.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10' });
    expect(bus.ofType('FillApplied.v1')).toHaveLength(1);
    expect(bus.ofType('OrderSubmitted.v1')[0]?.detail).toMatchObject({ data: { clientOrderId: 'o-1' } });
  });

  it('gives one broker order and one position change when a message is delivered twice', async () => {
    const message = await approveAndReceive('o-2');
    const handler = orderHandler();
    await handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    const second = await handler(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(second.batchItemFailures).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await store.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
    expect(await countType('FILL')).toBe(1);
    expect(telemetry.countOf(METRICS.orderDuplicate)).toBe(1);
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
    expect(await store.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
    expect(await countType('FILL')).toBe(1);
  });

  it('resubmits idempotently after a worker died between the broker call and the write', async () => {
    const message = await approveAndReceive('o-4');
    const crashing: TradingStore = Object.assign(Object.create(store) as TradingStore, {
      recordExecution: () => Promise.reject(new Error('process died')),
    });
    const first = await orderHandler({ store: crashing, leaseMs: 1000 })(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(first.batchItemFailures).toHaveLength(1);
    clock.advance(1001); // the dead worker's lease expires
    const second = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-2' });
    expect(second.batchItemFailures).toEqual([]);
    expect(broker.submitCalls()).toBe(2);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await store.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
  });

  it('blocks a queued order when trading was halted after approval and never calls the broker', async () => {
    const message = await approveAndReceive('o-5');
    await store.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T15:00:01.000Z');
    const response = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(response.batchItemFailures).toEqual([]);
    expect(broker.submitCalls()).toBe(0);
    expect(await store.getOrder(ACCOUNT, 'o-5')).toMatchObject({ status: 'BLOCKED' });
    expect(bus.ofType('OrderDenied.v1')[0]?.detail).toMatchObject({ data: { stage: 'pre-submit', reason: 'TRADING_HALTED' } });
  });

  it('keeps the message for retry and books nothing when the broker is unreachable', async () => {
    const message = await approveAndReceive('o-6');
    broker.setUnavailable(true);
    const response = await orderHandler()(toSqsEvent([message], QUEUE_ARN), { awsRequestId: 'req-1' });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
    expect(await store.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '0', version: 0 });
  });

  describe('rejects bad input naming the field and the rule, counts it and changes nothing', () => {
    it('a body that is not JSON', async () => {
      const message = await approveAndReceive('o-7');
      const before = await scanAll(client, tableName);
      const response = await orderHandler()(toSqsEvent([{ ...message, Body: '{oops' }], QUEUE_ARN), { awsRequestId: 'r' });
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: message.MessageId }]);
      expect(telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'body' })).toBe(1);
      expect(await scanAll(client, tableName)).toEqual(before);
    });

    it('a body missing a field', async () => {
      const message = await approveAndReceive('o-8');
      const body = JSON.parse(message.Body ?? '{}') as { data: { intent: Record<string, unknown> } };
      delete body.data.intent.symbol;
      const before = await scanAll(client, tableName);
      const errors: unknown[] = [];
      const response = await orderHandler({ logger: { error: (...args: unknown[]) => void errors.push(args), info: () => undefined } })(
        toSqsEvent([{ ...message, Body: JSON.stringify(body) }], QUEUE_ARN),
        { awsRequestId: 'r' },
      );
      expect(response.batchItemFailures).toHaveLength(1);
      expect(JSON.stringify(errors)).toContain('body.data.intent.symbol');
      expect(telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'body.data.intent.symbol' })).toBe(1);
      expect(await scanAll(client, tableName)).toEqual(before);
    });

    it('an event that is not an SQS batch', async () => {
      await expect(orderHandler()({ Records: [{ body: 'x' }] }, { awsRequestId: 'r' })).rejects.toThrow(/Records\.0\.messageId/);
      expect(telemetry.countOf(METRICS.invalidInput, { function: 'order', field: 'Records.0.messageId' })).toBe(1);
    });
  });
});
