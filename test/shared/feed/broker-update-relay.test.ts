// The broker-update relay through the real SQS client against the in-process SQS: each update becomes one
// message in its order's account#symbol group, a replayed update is deduplicated, and what cannot be
// relayed is counted, never thrown into the stream.
import { describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { SqsOrderQueue } from '../../../adapters/sqs/sqs-order-queue';
import { BrokerUpdateRelay } from '../../../shared/feed/broker-update-relay';
import { OrderQueueMessageSchema } from '../../../shared/events/order-queue-messages';
import type { BrokerUpdateStream } from '../../../shared/ports/broker';
import type { OrderQueue } from '../../../shared/ports/order-queue';
import { METRICS } from '../../../shared/telemetry/metrics';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { ACCOUNT } from '../../support/fixtures';
import { marketRequest } from '../../support/broker-requests';
import { drainQueue, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();

const receiveAll = () => drainQueue(f);

/** A stream whose updates and status changes the test drives by hand. */
const manualStream = () => {
  let handlers: Parameters<BrokerUpdateStream['start']>[0] | undefined;
  const stream: BrokerUpdateStream = {
    start: async (h) => {
      handlers = h;
    },
    close: async () => {
      handlers = undefined;
    },
  };
  return { stream, push: (u: unknown) => handlers?.onUpdate(u as BrokerUpdate), status: (s: 'connected' | 'disconnected') => handlers?.onStatus?.(s, 'test') };
};

describe('broker update relay', () => {
  it('queues each broker update once in its order group, as a message the order function accepts', async () => {
    const broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 1 });
    const stream = broker.updateStream();
    const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream, queue: new SqsOrderQueue(f.sqsClient, f.queueUrl), clock: f.clock, telemetry: f.telemetry });
    await relay.start();
    await broker.submitOrder(marketRequest('r-1'));
    await stream.idle();
    const [first, ...rest] = await receiveAll();
    const messages = [first, ...rest];
    expect(messages.map((m) => OrderQueueMessageSchema.parse(JSON.parse(m?.Body ?? '')).type)).toEqual(messages.map(() => 'BrokerUpdateReceived.v1'));
    expect(messages.map((m) => m?.Attributes?.MessageGroupId)).toEqual(messages.map(() => `${ACCOUNT}#AAPL`));
    expect(f.telemetry.countOf(METRICS.brokerUpdateRelayed)).toBe(messages.length);
    await relay.close();
  });

  it('relays a replayed update as the same message, which the queue drops', async () => {
    const { stream, push } = manualStream();
    const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream, queue: new SqsOrderQueue(f.sqsClient, f.queueUrl), clock: f.clock, telemetry: f.telemetry });
    await relay.start();
    const broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 2 });
    const updates: BrokerUpdate[] = [];
    broker.subscribe((u) => updates.push(u));
    await broker.submitOrder(marketRequest('r-2'));
    for (const u of [...updates, ...updates]) await push(u);
    expect(await receiveAll()).toHaveLength(updates.length);
  });

  it('counts a malformed update naming its field and queues nothing', async () => {
    const { stream, push } = manualStream();
    const sent: unknown[] = [];
    const queue: OrderQueue = { enqueue: async (m) => void sent.push(...m) };
    const telemetry = new InMemoryTelemetry();
    const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream, queue, clock: f.clock, telemetry });
    await relay.start();
    const broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 3 });
    const updates: BrokerUpdate[] = [];
    broker.subscribe((u) => updates.push(u));
    await broker.submitOrder(marketRequest('r-3'));
    const update = updates[0];
    if (!update) throw new Error('no update');
    await push({ ...update, order: { ...update.order, symbol: 'aapl' } });
    expect(sent).toEqual([]);
    expect(telemetry.countOf(METRICS.invalidInput, { function: 'feed', field: 'update.order.symbol' })).toBe(1);
  });

  it('counts an update the queue would not take and keeps the stream flowing', async () => {
    const { stream, push } = manualStream();
    const telemetry = new InMemoryTelemetry();
    const errors: unknown[] = [];
    const queue: OrderQueue = { enqueue: () => Promise.reject(new Error('queue down')) };
    const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream, queue, clock: f.clock, telemetry, onError: (e) => errors.push(e) });
    await relay.start();
    const broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 4 });
    const updates: BrokerUpdate[] = [];
    broker.subscribe((u) => updates.push(u));
    await broker.submitOrder(marketRequest('r-4'));
    for (const u of updates) await expect(push(u)).resolves.toBeUndefined();
    expect(telemetry.countOf(METRICS.brokerUpdateNotRelayed)).toBe(updates.length);
    expect(errors).toHaveLength(updates.length);
  });

  it('reports a stream disconnect as a gap so reconciliation can run early', async () => {
    const { stream, status } = manualStream();
    const telemetry = new InMemoryTelemetry();
    const gaps: (string | undefined)[] = [];
    const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream, queue: { enqueue: async () => undefined }, clock: f.clock, telemetry, onGap: (d) => gaps.push(d) });
    await relay.start();
    status('connected');
    status('disconnected');
    expect(gaps).toEqual(['test']);
    expect(telemetry.countOf(METRICS.brokerStreamDisconnected)).toBe(1);
  });
});
