// Catching up through REST after the trade_updates stream was away, against the fake Alpaca: what changed
// during the gap reaches onUpdate once the stream is back, a catch-up that fails is reported and tried again
// (in its session or the next one), and the relay turns the same order state into the same queue message.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlpacaBroker } from '../../../../adapters/broker/alpaca/alpaca-broker';
import { CATCH_UP_EVENT, type CatchUpSource } from '../../../../adapters/broker/alpaca/alpaca-catch-up';
import { AlpacaUpdateStream, type AlpacaStreamError } from '../../../../adapters/broker/alpaca/alpaca-update-stream';
import { alpacaCredentials } from '../../../../adapters/broker/alpaca/credentials';
import { InMemoryTelemetry } from '../../../../adapters/memory/in-memory-telemetry';
import type { BrokerUpdate } from '../../../../shared/broker/broker-order';
import type { OrderQueueMessage } from '../../../../shared/events/order-queue-messages';
import { BrokerUpdateRelay } from '../../../../shared/feed/broker-update-relay';
import { routingOf, type OrderQueue } from '../../../../shared/ports/order-queue';
import { ACCOUNT } from '../../../support/fixtures';
import { FakeAlpaca, type WireOrder } from '../../../support/fake-alpaca';

const START = Date.parse('2026-11-23T15:00:00.000Z');

let fake: FakeAlpaca;
let stream: AlpacaUpdateStream | undefined;
let clock: number;
let updates: BrokerUpdate[];
let statuses: string[];
let errors: AlpacaStreamError[];
/** While holding, every sleep of the stream (reconnect and catch-up backoff) waits for release(). */
let holding: boolean;
let held: (() => void)[];
let sleeps: number[];

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

const streamSleep = (ms: number): Promise<void> => {
  sleeps.push(ms);
  return holding ? new Promise((resolve) => held.push(resolve)) : Promise.resolve();
};

/** Lets every held sleep go; with `keepHolding` the next ones are held again. */
const release = (keepHolding = false): void => {
  holding = keepHolding;
  for (const resolve of held.splice(0)) resolve();
};

const broker = () =>
  new AlpacaBroker({
    baseUrl: fake.restUrl,
    credentials: alpacaCredentials(fake.keyId, fake.secretKey),
    maxRetries: 0,
    sleep: async (ms) => {
      clock += ms;
    },
    random: () => 0.5,
    now: () => clock,
  });

const streamFor = (source: CatchUpSource = broker()): AlpacaUpdateStream => {
  stream = new AlpacaUpdateStream({
    url: fake.streamUrl,
    credentials: alpacaCredentials(fake.keyId, fake.secretKey),
    catchUp: { source },
    onError: (error) => errors.push(error),
    socket: { sleep: streamSleep, random: () => 0.5, clock: { now: () => clock } },
  });
  return stream;
};

/** Starts the stream and waits until its first catch-up is done. */
const open = async (
  onUpdate: (update: BrokerUpdate) => void | Promise<void> = (update) => void updates.push(update),
  started: AlpacaUpdateStream = streamFor(),
): Promise<void> => {
  await started.start({ onUpdate, onStatus: (status) => statuses.push(status) });
  await started.idle();
};

/** Cuts the connection and keeps the stream away (its reconnect held) until release(). */
const goAway = async (): Promise<void> => {
  holding = true;
  const disconnects = statuses.filter((s) => s === 'disconnected').length;
  fake.stream.drop();
  await eventually(() => expect(statuses.filter((s) => s === 'disconnected')).toHaveLength(disconnects + 1));
};

/** Lets the stream reconnect and waits until it is listening and caught up. */
const comeBack = async (): Promise<void> => {
  const listens = fake.stream.listens;
  release();
  await fake.stream.waitForListens(listens + 1);
  await eventually(() => expect(statuses.at(-1)).toBe('connected'));
  await stream?.idle();
};

const catchUps = () => updates.filter((u) => u.event === CATCH_UP_EVENT);

/** An order placed a minute before the stream starts, and the stream away after its first catch-up. */
const awayWithLiveOrder = async (over: Partial<WireOrder> = {}): Promise<WireOrder> => {
  const order = fake.addOrder(over);
  clock += 60_000;
  await open();
  await goAway();
  return order;
};

beforeEach(async () => {
  clock = START;
  updates = [];
  statuses = [];
  errors = [];
  holding = false;
  held = [];
  sleeps = [];
  fake = await FakeAlpaca.start({ now: () => clock });
});

afterEach(async () => {
  release();
  await stream?.close();
  stream = undefined;
  await fake.close();
});

describe('alpaca update stream: catching up after a gap', () => {
  it('delivers a fill made while the stream was away as a catch_up update once it is back', async () => {
    const order = await awayWithLiveOrder({ client_order_id: 'intent-0001', qty: '10' });
    fake.fill(order.id, { qty: '4', price: '190.01' });
    await comeBack();
    expect(catchUps()).toEqual([
      {
        event: CATCH_UP_EVENT,
        order: expect.objectContaining({ brokerOrderId: order.id, clientOrderId: 'intent-0001', status: 'partially_filled', filledQuantity: '4' }),
        at: new Date(clock).toISOString(),
      },
    ]);
    // The update carries the order, not the execution: the order service fetches the fills it lacks.
    expect(catchUps()[0]).not.toHaveProperty('fill');
  });

  it('catches a cancel without a fill during the gap, asking for the order that was live before it by id', async () => {
    const order = await awayWithLiveOrder();
    fake.setOrderStatus(order.id, 'canceled');
    await comeBack();
    expect(catchUps().map((u) => [u.order.brokerOrderId, u.order.status])).toEqual([[order.id, 'canceled']]);
    expect(fake.requestsTo('GET /v2/orders/:id').map((r) => r.path)).toEqual([`/v2/orders/${order.id}`]);
  });

  it('catches orders placed during the gap: one still open and one already filled', async () => {
    clock += 60_000;
    await open();
    await goAway();
    const stillOpen = fake.addOrder({ client_order_id: 'intent-open' });
    const filled = fake.addOrder({ client_order_id: 'intent-filled', qty: '5' });
    fake.fill(filled.id, { qty: '5', price: '10' });
    await comeBack();
    // Oldest first; both were updated within one millisecond here, so the order between them is the ids'.
    expect(catchUps().map((u) => [u.order.brokerOrderId, u.order.status]).sort()).toEqual(
      [
        [stillOpen.id, 'accepted'],
        [filled.id, 'filled'],
      ].sort(),
    );
  });

  it('does not deliver again an open order that has not changed since before the gap', async () => {
    fake.addOrder();
    clock += 60_000;
    await open();
    await goAway();
    await comeBack();
    expect(updates).toEqual([]);
    expect(fake.requestsTo('GET /v2/orders')).toHaveLength(2);
  });

  it('catches up on the first connection too, from when the stream was started', async () => {
    const order = fake.addOrder();
    await open();
    expect(catchUps().map((u) => u.order.brokerOrderId)).toEqual([order.id]);
  });

  it('names an order it cannot deliver (a stop order filled in the gap) and delivers the others', async () => {
    const stop = fake.addOrder({ type: 'stop', order_type: 'stop', stop_price: '180', qty: '2' });
    const plain = fake.addOrder({ qty: '2' });
    clock += 60_000;
    await open();
    await goAway();
    fake.fill(stop.id, { qty: '2', price: '179.9' });
    fake.fill(plain.id, { qty: '1', price: '190' });
    await comeBack();
    expect(catchUps().map((u) => u.order.brokerOrderId)).toEqual([plain.id]);
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(`catch-up could not deliver order ${stop.id}: it cannot be represented`)]);
  });
});

describe('alpaca update stream: a catch-up that fails', () => {
  it('is reported and tried again with backoff until it succeeds', async () => {
    const order = await awayWithLiveOrder();
    fake.fill(order.id, { qty: '10', price: '1' });
    fake.inject('GET /v2/orders', { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    await comeBack();
    expect(errors.map((e) => e.message)).toEqual([
      'catching up on updates the stream may have missed failed (attempt 1); trying again',
      'catching up on updates the stream may have missed failed (attempt 2); trying again',
    ]);
    expect(sleeps.slice(-2)).toEqual([250, 500]);
    expect(catchUps().map((u) => [u.order.brokerOrderId, u.order.status])).toEqual([[order.id, 'filled']]);
  });

  it('is covered by the next session when its own session ends before it succeeds: nothing is skipped', async () => {
    const order = await awayWithLiveOrder();
    fake.fill(order.id, { qty: '10', price: '1' });
    fake.inject('GET /v2/orders', { kind: 'status', status: 503 });
    // Back, but its catch-up fails and waits to try again while the connection drops once more.
    const listens = fake.stream.listens;
    release(true);
    await fake.stream.waitForListens(listens + 1);
    await eventually(() => expect(errors).toHaveLength(1));
    await goAway();
    await comeBack();
    expect(errors).toHaveLength(1);
    expect(catchUps().map((u) => [u.order.brokerOrderId, u.order.status])).toEqual([[order.id, 'filled']]);
  });
});

describe('alpaca update stream: a catch-up overtaken by the end of its session', () => {
  it('leaves the window open, so the next session delivers what changed after its reads', async () => {
    const rest = broker();
    let gate: Promise<void> | undefined;
    let openGate!: () => void;
    let gatedReads = 0;
    // The fills are read from Alpaca first; only handing them back waits for the test.
    const source: CatchUpSource = {
      listOpenOrders: () => rest.listOpenOrders(),
      getOrderById: (id) => rest.getOrderById(id),
      listFills: async (query) => {
        const fills = await rest.listFills(query);
        if (gate) {
          gatedReads++;
          await gate;
        }
        return fills;
      },
    };
    const first = fake.addOrder({ qty: '10' });
    const second = fake.addOrder({ qty: '10' });
    clock += 60_000;
    await open(undefined, streamFor(source));
    await goAway();
    fake.fill(first.id, { qty: '10', price: '1' });
    gate = new Promise((resolve) => (openGate = resolve));
    const listens = fake.stream.listens;
    release(true);
    await fake.stream.waitForListens(listens + 1);
    await eventually(() => expect(gatedReads).toBe(1));
    await goAway();
    fake.fill(second.id, { qty: '10', price: '2' });
    openGate();
    gate = undefined;
    await comeBack();
    // The overtaken catch-up delivered the first fill; the next one read everything again, the second fill too.
    const [overtaken, ...next] = catchUps().map((u) => u.order.brokerOrderId);
    expect(overtaken).toBe(first.id);
    expect(next.sort()).toEqual([first.id, second.id].sort());
  });
});

describe('alpaca update stream: catch-up through the relay', () => {
  it('turns a catch-up update into one queue message, and the same order state read again into the same message', async () => {
    const enqueued: OrderQueueMessage[] = [];
    const queue: OrderQueue = {
      enqueue: async (messages) => {
        enqueued.push(...messages);
      },
    };
    const alpaca = streamFor();
    const relay = new BrokerUpdateRelay({ account: ACCOUNT, stream: alpaca, queue, clock: { now: () => clock }, telemetry: new InMemoryTelemetry() });
    const order = fake.addOrder({ client_order_id: 'intent-0001', qty: '10' });
    clock += 60_000;
    await open(async (update) => {
      updates.push(update);
      expect(await relay.relay(update)).toBe('relayed');
    }, alpaca);
    await goAway();
    fake.fill(order.id, { qty: '4', price: '190.01' });
    await comeBack();
    await goAway();
    await comeBack();
    fake.fill(order.id, { qty: '6', price: '190.02' });
    await eventually(() => expect(updates.map((u) => u.event)).toEqual([CATCH_UP_EVENT, CATCH_UP_EVENT, 'fill']));

    const ids = enqueued.map((m) => routingOf(m).deduplicationId);
    expect(enqueued.map((m) => m.type)).toEqual(['BrokerUpdateReceived.v1', 'BrokerUpdateReceived.v1', 'BrokerUpdateReceived.v1']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(enqueued.map((m) => routingOf(m).groupId)).toEqual([`${ACCOUNT}#AAPL`, `${ACCOUNT}#AAPL`, `${ACCOUNT}#AAPL`]);
  });
});
