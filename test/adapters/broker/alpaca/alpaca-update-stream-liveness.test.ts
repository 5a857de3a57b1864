// The trade_updates stream's liveness, on manual timers against the fake Alpaca: a ping every 10 s with its
// pong due 5 s later. A session whose pong does not come is ended at that deadline and replaced, and what the
// broker did while the connection was half-open reaches onUpdate through the REST catch-up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlpacaBroker } from '../../../../adapters/broker/alpaca/alpaca-broker';
import { CATCH_UP_EVENT } from '../../../../adapters/broker/alpaca/alpaca-catch-up';
import { AlpacaUpdateStream, type AlpacaStreamError } from '../../../../adapters/broker/alpaca/alpaca-update-stream';
import { alpacaCredentials } from '../../../../adapters/broker/alpaca/credentials';
import type { BrokerUpdate } from '../../../../shared/broker/broker-order';
import { FakeAlpaca } from '../../../support/fake-alpaca';
import { ManualTimers } from '../../../support/manual-timers';

let fake: FakeAlpaca;
let timers: ManualTimers;
let stream: AlpacaUpdateStream | undefined;
let updates: BrokerUpdate[];
let statuses: [string, string?][];
let errors: AlpacaStreamError[];

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

/** Starts the stream with its REST catch-up, on the manual timers, and waits until its first catch-up is done. */
const open = async (): Promise<AlpacaUpdateStream> => {
  const credentials = alpacaCredentials(fake.keyId, fake.secretKey);
  const rest = new AlpacaBroker({ baseUrl: fake.restUrl, credentials, maxRetries: 0, now: () => timers.now() });
  const started = new AlpacaUpdateStream({
    url: fake.streamUrl,
    credentials,
    catchUp: { source: rest },
    onError: (error) => errors.push(error),
    socket: { clock: timers, timers, sleep: async () => undefined, random: () => 0.5 },
  });
  stream = started;
  await started.start({
    onUpdate: (update) => void updates.push(update),
    onStatus: (status, detail) => statuses.push(detail === undefined ? [status] : [status, detail]),
  });
  await started.idle();
  return started;
};

/** Each session logs in and listens: what the fake received after `sessions` of them. */
const loginsAndListens = (sessions: number) =>
  Array.from({ length: sessions }, () => [
    { action: 'auth', key: fake.keyId, secret: fake.secretKey },
    { action: 'listen', data: { streams: ['trade_updates'] } },
  ]).flat();

beforeEach(async () => {
  timers = new ManualTimers();
  updates = [];
  statuses = [];
  errors = [];
  fake = await FakeAlpaca.start({ now: () => timers.now() });
});

afterEach(async () => {
  await stream?.close();
  stream = undefined;
  await fake.close();
});

describe('alpaca update stream: liveness by ping and pong', () => {
  it('keeps a session whose pong is missing until 5 s after the ping, then ends it and listens again on a new one', async () => {
    await open();
    fake.stream.answerPings = false;
    timers.advance(10_000);
    await fake.stream.waitForPings(1);
    timers.advance(4_999);
    // Still live a millisecond before the deadline: an update the broker sends now reaches the handler.
    const order = fake.addOrder();
    fake.setOrderStatus(order.id, 'canceled');
    await eventually(() => expect(updates.map((u) => [u.event, u.order.brokerOrderId])).toEqual([['canceled', order.id]]));
    expect(statuses).toEqual([['connected']]);

    fake.stream.answerPings = true;
    timers.advance(1);
    await fake.stream.waitForListens(2);
    await eventually(() => expect(statuses).toEqual([['connected'], ['disconnected', 'no pong within 5000 ms'], ['connected']]));
    expect(fake.stream.received).toEqual(loginsAndListens(2));
    fake.setOrderStatus(fake.addOrder().id, 'expired');
    await eventually(() => expect(updates.map((u) => u.event)).toEqual(['canceled', 'expired']));
    expect(errors).toEqual([]);
  });

  it('replaces a half-open connection and delivers the fills made while it was silent through the REST catch-up', async () => {
    const partly = fake.addOrder({ client_order_id: 'intent-partly', qty: '10' });
    const wholly = fake.addOrder({ client_order_id: 'intent-wholly', qty: '5' });
    timers.advance(60_000);
    const started = await open();
    expect(updates).toEqual([]);

    // The connection stays open, but nothing comes back: these fills never arrive on it.
    const silentFromMs = timers.now();
    fake.stream.goSilent();
    fake.fill(partly.id, { qty: '4', price: '190.01' });
    fake.fill(wholly.id, { qty: '5', price: '190.02' });
    timers.advance(10_000);
    await fake.stream.waitForPings(1);
    timers.advance(5_000);

    await fake.stream.waitForListens(2);
    await eventually(() => expect(statuses.at(-1)).toEqual(['connected']));
    await started.idle();
    expect(statuses).toEqual([['connected'], ['disconnected', 'no pong within 5000 ms'], ['connected']]);
    expect(fake.stream.received).toEqual(loginsAndListens(2));
    // One REST read per session; the second reads the fills from before the connection went silent.
    const reads = fake.requestsTo('GET /v2/account/activities/FILL');
    expect(reads).toHaveLength(2);
    expect(Date.parse(reads.at(-1)?.query.after ?? '')).toBeLessThanOrEqual(silentFromMs);
    // Filled within one millisecond here, so the catch-up puts them in the order of their ids: compared as a set.
    expect(updates.map((u) => [u.event, u.order.brokerOrderId, u.order.status, u.order.filledQuantity]).sort()).toEqual(
      [
        [CATCH_UP_EVENT, partly.id, 'partially_filled', '4'],
        [CATCH_UP_EVENT, wholly.id, 'filled', '5'],
      ].sort(),
    );
    expect(errors).toEqual([]);
  });
});
