import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALPACA_LIVE_URL, ALPACA_PAPER_URL, AlpacaBroker, type AlpacaBrokerOptions } from '../../../../adapters/broker/alpaca/alpaca-broker';
import {
  AlpacaCredentialsError,
  alpacaCredentials,
  credentialsFromEnv,
  credentialsFromSecretsManager,
} from '../../../../adapters/broker/alpaca/credentials';
import { InfrastructureError } from '../../../../shared/errors/errors';
import { FakeAlpaca } from '../../../support/fake-alpaca';
import { brokerFailureOf, marketRequest } from '../../../support/broker-requests';
import type { BrokerOrderRequest } from '../../../../shared/broker/broker-order';

const START = Date.parse('2026-11-23T15:00:00.000Z');
const SECRET = 'sk-do-not-leak-7f3a9c2e1b5d4e6f8a0b';
const KEY_ID = 'PKLEAKCHECK0000000042';

let fake: FakeAlpaca;
let clock: number;
let sleeps: number[];

// Sleeping only moves the injected clock: retries and rate limiting take no wall time.
const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
  clock += ms;
};

const brokerFor = (over: Partial<AlpacaBrokerOptions> = {}): AlpacaBroker =>
  new AlpacaBroker({
    baseUrl: fake.restUrl,
    credentials: alpacaCredentials(fake.keyId, fake.secretKey),
    sleep,
    random: () => 0.5,
    now: () => clock,
    ...over,
  });

const market = (over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => marketRequest('intent-0001', over);
const failureOf = brokerFailureOf;

beforeEach(async () => {
  clock = START;
  sleeps = [];
  fake = await FakeAlpaca.start({ now: () => clock, keyId: KEY_ID, secretKey: SECRET });
});

afterEach(async () => {
  await fake.close();
});

describe('alpaca broker: submitOrder', () => {
  it('posts the documented order body with the APCA key headers and returns the order Alpaca created', async () => {
    const order = await brokerFor().submitOrder(market());
    const [request] = fake.requestsTo('POST /v2/orders');
    expect(request?.body).toEqual({ symbol: 'AAPL', qty: '10', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'intent-0001' });
    const [created] = fake.orders();
    expect(order).toMatchObject({
      brokerOrderId: created?.id,
      clientOrderId: 'intent-0001',
      symbol: 'AAPL',
      side: 'buy',
      quantity: '10',
      orderType: 'market',
      timeInForce: 'day',
      status: 'accepted',
      filledQuantity: '0',
      submittedAt: '2026-11-23T15:00:00.000Z',
    });
  });

  it('sends limit_price for a limit order', async () => {
    const order = await brokerFor().submitOrder(market({ orderType: 'limit', limitPrice: '190.05', timeInForce: 'gtc' }));
    expect(fake.requestsTo('POST /v2/orders')[0]?.body).toMatchObject({ type: 'limit', limit_price: '190.05', time_in_force: 'gtc' });
    expect(order).toMatchObject({ orderType: 'limit', limitPrice: '190.05', timeInForce: 'gtc' });
  });

  it('returns the existing order when a retried submit hits the duplicate client order id', async () => {
    fake.inject('POST /v2/orders', { kind: 'destroy', afterEffect: true });
    const order = await brokerFor().submitOrder(market());
    expect(fake.orders()).toHaveLength(1);
    expect(order.brokerOrderId).toBe(fake.orders()[0]?.id);
    expect(fake.requests.map((r) => r.route)).toEqual(['POST /v2/orders', 'POST /v2/orders', 'GET /v2/orders:by_client_order_id']);
  });

  it('returns the existing order when a submit timed out after Alpaca created it', async () => {
    fake.inject('POST /v2/orders', { kind: 'delay', ms: 1000 });
    const order = await brokerFor({ timeoutMs: 50 }).submitOrder(market());
    expect(fake.orders()).toHaveLength(1);
    expect(order.clientOrderId).toBe('intent-0001');
  });

  it('returns the first order for a repeated client order id and creates no second one', async () => {
    const broker = brokerFor();
    const first = await broker.submitOrder(market());
    const again = await broker.submitOrder(market({ quantity: '999' }));
    // The same order, as Alpaca holds it now: routed since the first answer.
    expect(again).toEqual({ ...first, status: 'accepted', updatedAt: again.updatedAt });
    expect(fake.order(first.brokerOrderId)?.status).toBe('new');
    expect(fake.orders()).toHaveLength(1);
  });

  it('refuses a client order id longer than 48 characters without sending anything', async () => {
    const error = await failureOf(brokerFor().submitOrder(market({ clientOrderId: 'x'.repeat(49) })));
    expect(error.outcome).toBe('refused');
    expect(error.message).toContain('clientOrderId: must be at most 48 characters');
    expect(fake.requests).toEqual([]);
  });

  it('refuses a non-decimal quantity without sending anything', async () => {
    const error = await failureOf(brokerFor().submitOrder(market({ quantity: '10.0.0' })));
    expect(error.outcome).toBe('refused');
    expect(error.message).toContain('quantity');
    expect(fake.requests).toEqual([]);
  });

  it('reports a 422 as refused with Alpaca code and message, without retrying', async () => {
    fake.inject('POST /v2/orders', { kind: 'status', status: 422, body: { code: 40010001, message: 'asset AAPL is not tradable' } });
    const error = await failureOf(brokerFor().submitOrder(market()));
    expect(error.outcome).toBe('refused');
    expect(error.detail).toEqual({ status: 422, code: '40010001' });
    expect(error.message).toContain('asset AAPL is not tradable');
    expect(fake.requests).toHaveLength(1);
  });

  it('reports a 403 (insufficient buying power) as refused without retrying', async () => {
    fake.inject('POST /v2/orders', { kind: 'status', status: 403, body: { code: 40310000, message: 'insufficient buying power' } });
    const error = await failureOf(brokerFor().submitOrder(market()));
    expect(error).toMatchObject({ outcome: 'refused', detail: { status: 403, code: '40310000' } });
    expect(fake.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('returns the order when a retry is refused after an ambiguous attempt that created it', async () => {
    fake.inject(
      'POST /v2/orders',
      { kind: 'status', status: 503, afterEffect: true },
      { kind: 'status', status: 403, body: { code: 40310000, message: 'insufficient buying power' } },
    );
    const order = await brokerFor().submitOrder(market());
    expect(order.brokerOrderId).toBe(fake.orders()[0]?.id);
  });

  it('reports ambiguous, not refused, when a retry is refused after an ambiguous attempt and no order is found', async () => {
    fake.inject('POST /v2/orders', { kind: 'status', status: 503 }, { kind: 'status', status: 403, body: { code: 40310000, message: 'insufficient buying power' } });
    const error = await failureOf(brokerFor().submitOrder(market()));
    expect(error.outcome).toBe('ambiguous');
    expect(error.detail.status).toBe(403);
    expect(fake.orders()).toEqual([]);
  });

  it('retries a 429 after the Retry-After delay and then succeeds', async () => {
    fake.inject('POST /v2/orders', { kind: 'status', status: 429, retryAfter: '2' });
    const order = await brokerFor().submitOrder(market());
    expect(order.clientOrderId).toBe('intent-0001');
    expect(sleeps).toEqual([2000]);
    const [first, second] = fake.requestsTo('POST /v2/orders');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBe(2000);
  });

  it('retries 5xx with full-jitter exponential backoff and then succeeds', async () => {
    fake.inject('POST /v2/orders', { kind: 'status', status: 500 }, { kind: 'status', status: 502 }, { kind: 'status', status: 503 });
    const order = await brokerFor().submitOrder(market());
    expect(order.status).toBe('accepted');
    // random() = 0.5 of min(8000, 250 × 2^n)
    expect(sleeps).toEqual([125, 250, 500]);
    expect(fake.requestsTo('POST /v2/orders')).toHaveLength(4);
  });
});

describe('alpaca broker: failures', () => {
  it('throws the last ambiguous error when every attempt gets a 5xx', async () => {
    fake.inject('GET /v2/account', ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = await failureOf(brokerFor().getAccount());
    expect(error.outcome).toBe('ambiguous');
    expect(error.detail).toEqual({ status: 503, code: '50010000' });
    expect(fake.requestsTo('GET /v2/account')).toHaveLength(4);
  });

  it('reports a timeout as ambiguous', async () => {
    fake.inject('GET /v2/account', { kind: 'delay', ms: 1000 });
    const error = await failureOf(brokerFor({ timeoutMs: 30, maxRetries: 0 }).getAccount());
    expect(error.outcome).toBe('ambiguous');
    expect(error.message).toContain('timed out after 30 ms');
  });

  it('reports a connection reset as ambiguous', async () => {
    fake.inject('GET /v2/positions', { kind: 'destroy' });
    const error = await failureOf(brokerFor({ maxRetries: 0 }).getPositions());
    expect(error.outcome).toBe('ambiguous');
    expect(error.message).toContain('failed without a response');
  });

  it('retries a read after a connection reset and a timeout', async () => {
    fake.setPosition('AAPL', '5');
    fake.inject('GET /v2/positions', { kind: 'destroy' }, { kind: 'delay', ms: 1000 });
    expect(await brokerFor({ timeoutMs: 30 }).getPositions()).toEqual([{ symbol: 'AAPL', quantity: '5', avgEntryPrice: '100' }]);
  });

  it('carries retryAfterMs on a 429 and does not wait out a Retry-After longer than maxRetryDelayMs', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 429, retryAfter: '120' });
    const error = await failureOf(brokerFor().getAccount());
    expect(error).toMatchObject({ outcome: 'ambiguous', detail: { status: 429, retryAfterMs: 120_000 } });
    expect(sleeps).toEqual([]);
  });

  it('reads an HTTP-date Retry-After against the injected clock', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 429, retryAfter: new Date(START + 3000).toUTCString() });
    await brokerFor().getAccount();
    expect(sleeps).toEqual([3000]);
  });

  it('reports wrong keys as refused (403) without retrying', async () => {
    const broker = brokerFor({ credentials: alpacaCredentials(KEY_ID, 'wrong-secret') });
    const error = await failureOf(broker.getAccount());
    expect(error).toMatchObject({ outcome: 'refused', detail: { status: 403 } });
    expect(fake.requests).toHaveLength(1);
  });

  it('reports a 2xx body it cannot parse as ambiguous, naming the field', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 200, body: { cash: 'lots', equity: '1', buying_power: '1', trading_blocked: false, account_blocked: false } });
    const error = await failureOf(brokerFor().getAccount());
    expect(error.outcome).toBe('ambiguous');
    expect(error.message).toContain('account.cash: must be a decimal string');
  });

  it('does not follow a redirect (it would carry the key headers elsewhere)', async () => {
    const redirecting: typeof fetch = async () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/v2/account' } });
    const error = await failureOf(brokerFor({ fetch: redirecting }).getAccount());
    expect(error).toMatchObject({ outcome: 'refused', detail: { status: 302 } });
  });

  it('refuses plain http to anything but localhost', () => {
    expect(() => brokerFor({ baseUrl: 'http://paper-api.alpaca.markets' })).toThrow(/must be https/);
    expect(ALPACA_PAPER_URL).toBe('https://paper-api.alpaca.markets');
    expect(ALPACA_LIVE_URL).toBe('https://api.alpaca.markets');
  });
});

describe('alpaca broker: rate limit', () => {
  it('never starts more than requestsPerMinute requests in any 60-second window', async () => {
    const starts: number[] = [];
    // Stamped as fetch is called: the server sees a request only after later waiters have moved the clock.
    const timed: typeof fetch = (input, init) => {
      starts.push(clock);
      return fetch(input, init);
    };
    const broker = brokerFor({ requestsPerMinute: 5, fetch: timed });
    await Promise.all(Array.from({ length: 12 }, () => broker.getAccount()));
    expect(starts.map((t) => t - START)).toEqual([0, 0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 60_000, 120_000, 120_000]);
    for (let i = 0; i + 5 < starts.length; i++) expect((starts[i + 5] as number) - (starts[i] as number)).toBeGreaterThanOrEqual(60_000);
    expect(fake.requests).toHaveLength(12);
  });

  it('counts retries against the limit', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const broker = brokerFor({ requestsPerMinute: 2 });
    await broker.getAccount();
    expect(fake.requests.map((r) => r.at - START)).toEqual([0, 125, 60_000]);
  });

  it('lets requests through again as the window moves', async () => {
    const broker = brokerFor({ requestsPerMinute: 2 });
    await broker.getAccount();
    clock += 30_000;
    await broker.getAccount();
    await broker.getAccount();
    expect(fake.requests.map((r) => r.at - START)).toEqual([0, 30_000, 60_000]);
  });
});

describe('alpaca broker: quota headers', () => {
  const START_S = START / 1000;

  it('waits until X-RateLimit-Reset (epoch seconds) on a 429 without Retry-After, then retries', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 429, reset: START_S + 7 });
    await brokerFor().getAccount();
    expect(sleeps).toEqual([7000]);
    expect(fake.requests.map((r) => r.at - START)).toEqual([0, 7000]);
  });

  it('prefers Retry-After to X-RateLimit-Reset when Alpaca sends both', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 429, retryAfter: '2', reset: START_S + 7 });
    await brokerFor().getAccount();
    expect(sleeps).toEqual([2000]);
  });

  it('falls back to the jittered backoff when the reset has already passed', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 429, reset: START_S - 5 });
    await brokerFor().getAccount();
    expect(sleeps).toEqual([125]);
  });

  it('falls back to the jittered backoff when a 429 carries no quota headers at all', async () => {
    let calls = 0;
    const bare: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) return new Response(JSON.stringify({ code: 42910000, message: 'rate limit exceeded' }), { status: 429 });
      return fetch(input, init);
    };
    await brokerFor({ fetch: bare }).getAccount();
    expect(sleeps).toEqual([125]);
  });

  it('does not wait out a reset further away than maxRetryDelayMs, and carries the wait as retryAfterMs', async () => {
    fake.inject('GET /v2/account', { kind: 'status', status: 429, reset: START_S + 120 });
    const error = await failureOf(brokerFor().getAccount());
    expect(error).toMatchObject({ outcome: 'ambiguous', detail: { status: 429, retryAfterMs: 120_000 } });
    expect(sleeps).toEqual([]);
  });

  it('holds the next request until the reset once Alpaca reports the quota spent, so it is not refused', async () => {
    await fake.close();
    fake = await FakeAlpaca.start({ now: () => clock, keyId: KEY_ID, secretKey: SECRET, rateLimit: 2 });
    const broker = brokerFor({ maxRetryDelayMs: 120_000 });
    for (let i = 0; i < 3; i++) await broker.getAccount();
    expect(fake.requests.map((r) => r.at - START)).toEqual([0, 0, 60_000]);
    expect(sleeps).toEqual([60_000]);
  });

  it('never holds a request longer than maxRetryDelayMs for a spent quota', async () => {
    await fake.close();
    fake = await FakeAlpaca.start({ now: () => clock, keyId: KEY_ID, secretKey: SECRET, rateLimit: 2 });
    const broker = brokerFor();
    for (let i = 0; i < 3; i++) await broker.getAccount();
    // Held 30 s, refused (the window has 30 s to go), then retried at the reset.
    expect(sleeps).toEqual([30_000, 30_000]);
    expect(fake.requests.map((r) => r.at - START)).toEqual([0, 0, 30_000, 60_000]);
  });
});

describe('alpaca broker: orders', () => {
  it('gets an order by client order id, and undefined when Alpaca has none (404)', async () => {
    const placed = fake.addOrder({ client_order_id: 'intent/with space&sign' });
    const broker = brokerFor();
    expect((await broker.getOrderByClientOrderId('intent/with space&sign'))?.brokerOrderId).toBe(placed.id);
    expect(fake.requests[0]?.query).toEqual({ client_order_id: 'intent/with space&sign' });
    expect(await broker.getOrderByClientOrderId('never-sent')).toBeUndefined();
  });

  it('lists only open orders, ascending', async () => {
    const open1 = fake.addOrder({ status: 'new' });
    clock += 1;
    fake.addOrder({ status: 'filled', filled_qty: '10', filled_avg_price: '190' });
    clock += 1;
    const open2 = fake.addOrder({ status: 'partially_filled', filled_qty: '2', filled_avg_price: '190' });
    clock += 1;
    fake.addOrder({ status: 'canceled' });
    const { orders } = await brokerFor().listOpenOrders();
    expect(orders.map((o) => o.brokerOrderId)).toEqual([open1.id, open2.id]);
    expect(fake.requests[0]?.query).toEqual({ status: 'open', limit: '500', direction: 'asc' });
  });

  it('pages through more than 500 open orders with after = the last submission time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 1100; i++) {
      ids.push(fake.addOrder().id);
      clock += 1;
    }
    const { orders } = await brokerFor().listOpenOrders();
    expect(orders.map((o) => o.brokerOrderId)).toEqual(ids);
    const pages = fake.requestsTo('GET /v2/orders');
    expect(pages).toHaveLength(3);
    expect(pages[1]?.query.after).toBe(new Date(START + 499).toISOString());
    // Page 2 restarts inside order 499's millisecond, so it repeats that order (dropped) and ends at 998.
    expect(pages[2]?.query.after).toBe(new Date(START + 998).toISOString());
  });

  it('does not skip an order submitted in the same millisecond as the last order of a page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 499; i++) {
      ids.push(fake.addOrder().id);
      clock += 1;
    }
    ids.push(fake.addOrder().id, fake.addOrder().id); // 500th and 501st share a millisecond
    const { orders } = await brokerFor().listOpenOrders();
    expect(orders.map((o) => o.brokerOrderId)).toEqual(ids);
  });

  it('gets an order by broker id: the port order, named with the reason when unrepresentable, undefined when unknown', async () => {
    const plain = fake.addOrder();
    const stop = fake.addOrder({ type: 'stop', order_type: 'stop', stop_price: '180' });
    const broker = brokerFor();
    expect(await broker.getOrderById(plain.id)).toMatchObject({ ok: true, order: { brokerOrderId: plain.id, status: 'accepted' } });
    expect(await broker.getOrderById(stop.id)).toMatchObject({ ok: false, unrepresentable: { brokerOrderId: stop.id, reason: expect.stringContaining('order.type') } });
    expect(await broker.getOrderById('00000000-0000-0000-0000-000000000000')).toBeUndefined();
    expect(fake.requestsTo('GET /v2/orders/:id')).toHaveLength(3);
  });

  it('cancels a live order (204 → requested)', async () => {
    const order = fake.addOrder();
    expect(await brokerFor().cancelOrder(order.id)).toBe('requested');
    expect(fake.order(order.id)?.status).toBe('canceled');
  });

  it('answers not-cancelable for a final order (422) and an unknown one (404)', async () => {
    const filled = fake.addOrder({ status: 'filled', filled_qty: '10', filled_avg_price: '1' });
    const broker = brokerFor();
    expect(await broker.cancelOrder(filled.id)).toBe('not-cancelable');
    expect(await broker.cancelOrder('00000000-0000-0000-0000-000000000000')).toBe('not-cancelable');
    expect(fake.requests).toHaveLength(2);
  });

  it('retries a cancel after a 5xx', async () => {
    const order = fake.addOrder();
    fake.inject('DELETE /v2/orders/:id', { kind: 'status', status: 502 });
    expect(await brokerFor().cancelOrder(order.id)).toBe('requested');
  });

  it('cancels all orders and returns the ids Alpaca accepted (status 200 in the 207 answer)', async () => {
    const a = fake.addOrder();
    const b = fake.addOrder();
    const failing = fake.addOrder();
    fake.addOrder({ status: 'filled', filled_qty: '10', filled_avg_price: '1' });
    fake.failCancelOf(failing.id);
    expect((await brokerFor().cancelAllOrders()).sort()).toEqual([a.id, b.id].sort());
  });

  it('returns no ids when there is nothing to cancel', async () => {
    expect(await brokerFor().cancelAllOrders()).toEqual([]);
  });
});

describe('alpaca broker: open orders the port cannot represent', () => {
  it('lists the orders it can represent and names every other one by id, with the reason', async () => {
    const plain = fake.addOrder({ client_order_id: 'intent-0001' });
    const stop = fake.addOrder({ client_order_id: 'by-hand-stop', type: 'stop', order_type: 'stop', stop_price: '180' });
    const stopLimit = fake.addOrder({ type: 'stop_limit', order_type: 'stop_limit', stop_price: '180', limit_price: '179.5' });
    const parent = fake.addOrder({ order_class: 'bracket', status: 'filled', filled_qty: '10', filled_avg_price: '190' });
    const takeProfit = fake.addOrder({ order_class: 'bracket', type: 'limit', order_type: 'limit', limit_price: '200', side: 'sell', status: 'held' });
    const stopLoss = fake.addOrder({ order_class: 'bracket', type: 'stop', order_type: 'stop', stop_price: '180', side: 'sell', status: 'held' });
    const oco = fake.addOrder({ order_class: 'oco', type: 'limit', order_type: 'limit', limit_price: '200', side: 'sell' });
    const multiLeg = fake.addOrder({ order_class: 'mleg', symbol: '', legs: [] });
    const unknownClass = fake.addOrder({ order_class: 'basket' });
    const later = fake.addOrder({ client_order_id: 'intent-0002' });

    const { orders, unrepresentable } = await brokerFor().listOpenOrders();

    expect(orders.map((o) => o.brokerOrderId)).toEqual([plain.id, later.id]);
    expect(unrepresentable.map((o) => o.brokerOrderId)).toEqual([stop.id, stopLimit.id, takeProfit.id, stopLoss.id, oco.id, multiLeg.id, unknownClass.id]);
    expect(unrepresentable).not.toContainEqual(expect.objectContaining({ brokerOrderId: parent.id }));
    expect(unrepresentable[0]).toEqual({ brokerOrderId: stop.id, clientOrderId: 'by-hand-stop', symbol: 'AAPL', reason: expect.stringContaining('order.type') });
    expect(unrepresentable[2]?.reason).toContain('unsupported order class "bracket"');
    expect(unrepresentable[5]).not.toHaveProperty('symbol');
  });

  it('pages on past a full page whose last order it cannot represent', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 499; i++) {
      ids.push(fake.addOrder().id);
      clock += 1;
    }
    const stop = fake.addOrder({ type: 'stop', order_type: 'stop', stop_price: '180' });
    clock += 1;
    ids.push(fake.addOrder().id);
    const { orders, unrepresentable } = await brokerFor().listOpenOrders();
    expect(orders.map((o) => o.brokerOrderId)).toEqual(ids);
    expect(unrepresentable.map((o) => o.brokerOrderId)).toEqual([stop.id]);
    expect(fake.requestsTo('GET /v2/orders')[1]?.query.after).toBe(new Date(START + 499).toISOString());
  });

  it('fails the whole listing, ambiguous, when an order has no id (it could not be reported)', async () => {
    const order = fake.addOrder();
    fake.inject('GET /v2/orders', { kind: 'status', status: 200, body: [order, { ...order, id: undefined }] });
    const error = await failureOf(brokerFor().listOpenOrders());
    expect(error.outcome).toBe('ambiguous');
    expect(error.message).toContain('orders.1.id');
  });
});

describe('alpaca broker: fills, positions, account', () => {
  it('lists fills at or after `after`, oldest first, mapped from FILL activities', async () => {
    const order = fake.addOrder({ qty: '10' });
    fake.fill(order.id, { qty: '4', price: '190.01' }); // at START
    clock += 1;
    const { activity } = fake.fill(order.id, { qty: '6', price: '190.02' });
    const fills = await brokerFor().listFills({ after: new Date(START + 1).toISOString() });
    expect(fills).toEqual([
      {
        executionId: activity.id,
        brokerOrderId: order.id,
        symbol: 'AAPL',
        side: 'buy',
        quantity: '6',
        price: '190.02',
        cumulativeQuantity: '10',
        at: new Date(START + 1).toISOString(),
      },
    ]);
    expect(fake.requests[0]?.query).toEqual({ after: new Date(START).toISOString(), direction: 'asc', page_size: '100' });
  });

  it('includes a fill stamped exactly at `after`', async () => {
    const order = fake.addOrder();
    fake.fill(order.id, { qty: '10', price: '1' });
    expect(await brokerFor().listFills({ after: new Date(START).toISOString() })).toHaveLength(1);
  });

  it('keeps only the fills of one order when brokerOrderId is given', async () => {
    const a = fake.addOrder({ qty: '2' });
    const b = fake.addOrder({ symbol: 'MSFT', qty: '2', side: 'sell' });
    fake.fill(a.id, { qty: '1', price: '10' });
    fake.fill(b.id, { qty: '2', price: '20' });
    fake.fill(a.id, { qty: '1', price: '11' });
    const fills = await brokerFor().listFills({ after: new Date(START - 60_000).toISOString(), brokerOrderId: a.id });
    expect(fills.map((f) => [f.brokerOrderId, f.quantity, f.cumulativeQuantity])).toEqual([
      [a.id, '1', '1'],
      [a.id, '1', '2'],
    ]);
  });

  it('pages through fills with the last activity id as page_token', async () => {
    const order = fake.addOrder({ qty: '250' });
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) {
      ids.push(fake.fill(order.id, { qty: '1', price: '1.5' }).activity.id);
      clock += 1;
    }
    const fills = await brokerFor().listFills({ after: new Date(START).toISOString() });
    expect(fills.map((f) => f.executionId)).toEqual(ids);
    expect(fills.at(-1)?.cumulativeQuantity).toBe('250');
    const pages = fake.requestsTo('GET /v2/account/activities/FILL');
    expect(pages.map((p) => p.query.page_token)).toEqual([undefined, ids[99], ids[199]]);
  });

  it('refuses an `after` that is not a timestamp without calling Alpaca', async () => {
    const error = await failureOf(brokerFor().listFills({ after: 'yesterday' }));
    expect(error.outcome).toBe('refused');
    expect(fake.requests).toEqual([]);
  });

  it('gets positions, signed', async () => {
    fake.setPosition('AAPL', '5', '190.5');
    fake.setPosition('TSLA', '-2', '250');
    expect(await brokerFor().getPositions()).toEqual([
      { symbol: 'AAPL', quantity: '5', avgEntryPrice: '190.5' },
      { symbol: 'TSLA', quantity: '-2', avgEntryPrice: '250' },
    ]);
  });

  it('gets the account, blocked when Alpaca blocks trading or the account', async () => {
    const broker = brokerFor();
    expect(await broker.getAccount()).toEqual({ cash: '100000', equity: '100000', buyingPower: '200000', tradingBlocked: false });
    fake.setAccount({ account_blocked: true });
    expect((await broker.getAccount()).tradingBlocked).toBe(true);
    fake.setAccount({ account_blocked: false, trading_blocked: true });
    expect((await broker.getAccount()).tradingBlocked).toBe(true);
  });

  it('flattens: cancels open orders and closes every position', async () => {
    const open = fake.addOrder();
    fake.setPosition('AAPL', '5');
    fake.setPosition('TSLA', '-2');
    await brokerFor().closeAllPositions();
    expect(fake.requestsTo('DELETE /v2/positions')[0]?.query).toEqual({ cancel_orders: 'true' });
    expect(fake.order(open.id)?.status).toBe('canceled');
    expect(await brokerFor().getPositions()).toEqual([]);
  });

  it('reports a position Alpaca could not close as an ambiguous error naming the symbol', async () => {
    fake.setPosition('AAPL', '5');
    fake.setPosition('TSLA', '-2');
    fake.failCloseOf('TSLA');
    const error = await failureOf(brokerFor().closeAllPositions());
    expect(error.outcome).toBe('ambiguous');
    expect(error.message).toContain('TSLA (403: insufficient qty available for order)');
    expect(await brokerFor().getPositions()).toEqual([{ symbol: 'TSLA', quantity: '-2', avgEntryPrice: '100' }]);
  });
});

describe('alpaca broker: secrets', () => {
  const printedChain = (error: unknown): string => {
    const parts: string[] = [];
    for (let e: unknown = error, depth = 0; e !== undefined && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
      parts.push(String(e), inspect(e, { depth: 10 }), JSON.stringify(e) ?? '');
      if (e instanceof Error) parts.push(e.message, e.stack ?? '');
    }
    return parts.join('\n');
  };

  it('never puts the key id or secret in an error message or cause chain', async () => {
    const errors: unknown[] = [];
    const collect = async (promise: Promise<unknown>) => errors.push(await failureOf(promise));
    await collect(brokerFor({ credentials: alpacaCredentials(KEY_ID, `${SECRET}x`) }).getAccount());
    fake.inject('GET /v2/account', { kind: 'delay', ms: 1000 });
    await collect(brokerFor({ timeoutMs: 20, maxRetries: 0 }).getAccount());
    fake.inject('GET /v2/positions', { kind: 'destroy' });
    await collect(brokerFor({ maxRetries: 0 }).getPositions());
    fake.inject('GET /v2/account', { kind: 'status', status: 500, body: `upstream said ${SECRET} and ${KEY_ID}` });
    await collect(brokerFor({ maxRetries: 0 }).getAccount());
    fake.inject('GET /v2/positions', { kind: 'status', status: 200, body: `not json ${SECRET}` });
    await collect(brokerFor().getPositions());
    fake.inject('POST /v2/orders', { kind: 'status', status: 422, body: { code: 40010001, message: `bad key ${KEY_ID}` } });
    await collect(brokerFor().submitOrder(market()));
    // A transport that quotes the header value, as fetch does for an invalid one.
    const quoting: typeof fetch = async () => {
      throw new TypeError(`Headers.append: "${SECRET}" is an invalid header value.`);
    };
    await collect(brokerFor({ fetch: quoting, maxRetries: 0 }).getAccount());

    expect(errors).toHaveLength(7);
    for (const error of errors) {
      const printed = printedChain(error);
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(KEY_ID);
    }
  });
});

describe('alpaca credentials', () => {
  it('redacts both values in JSON, inspect, string and spread forms', () => {
    const credentials = alpacaCredentials(KEY_ID, SECRET);
    expect(credentials.keyId).toBe(KEY_ID);
    expect(credentials.secretKey).toBe(SECRET);
    for (const printed of [JSON.stringify(credentials), inspect(credentials), String(credentials), JSON.stringify({ ...credentials }), inspect({ wrapped: credentials })]) {
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(KEY_ID);
    }
  });

  it('refuses a value with a trailing newline without printing it', () => {
    expect(() => alpacaCredentials(KEY_ID, `${SECRET}\n`)).toThrow(AlpacaCredentialsError);
    try {
      alpacaCredentials(KEY_ID, `${SECRET}\n`);
    } catch (error) {
      expect(inspect(error)).not.toContain(SECRET);
    }
  });

  it('reads APCA_API_KEY_ID and APCA_API_SECRET_KEY from the environment', () => {
    const credentials = credentialsFromEnv({ APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: SECRET });
    expect([credentials.keyId, credentials.secretKey]).toEqual([KEY_ID, SECRET]);
  });

  it('names the missing variable and never prints the other value', () => {
    expect(() => credentialsFromEnv({ APCA_API_KEY_ID: KEY_ID })).toThrow('missing environment variable APCA_API_SECRET_KEY');
    expect(() => credentialsFromEnv({ APCA_API_SECRET_KEY: SECRET })).toThrow('missing environment variable APCA_API_KEY_ID');
    expect(() => credentialsFromEnv({})).toThrow('APCA_API_KEY_ID and APCA_API_SECRET_KEY');
    try {
      credentialsFromEnv({ APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: `${SECRET} ` });
    } catch (error) {
      expect(String(error)).toContain('APCA_API_SECRET_KEY');
      expect(inspect(error)).not.toContain(SECRET);
    }
  });

  describe('from Secrets Manager', () => {
    const secrets = mockClient(SecretsManagerClient);
    afterEach(() => secrets.reset());

    it('reads the JSON secret once per client and secret id', async () => {
      secrets.on(GetSecretValueCommand, { SecretId: 'alpaca/paper' }).resolves({ SecretString: JSON.stringify({ keyId: KEY_ID, secretKey: SECRET }) });
      const client = new SecretsManagerClient({ region: 'us-east-1' });
      const [a, b] = await Promise.all([credentialsFromSecretsManager(client, 'alpaca/paper'), credentialsFromSecretsManager(client, 'alpaca/paper')]);
      const c = await credentialsFromSecretsManager(client, 'alpaca/paper');
      expect([a.keyId, a.secretKey]).toEqual([KEY_ID, SECRET]);
      expect(b).toBe(a);
      expect(c).toBe(a);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('rejects a secret that is not the expected JSON without quoting it, and retries on the next call', async () => {
      const client = new SecretsManagerClient({ region: 'us-east-1' });
      secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: `{"keyId": "${KEY_ID}", secretKey: ${SECRET}` }).resolvesOnce({ SecretString: JSON.stringify({ keyId: KEY_ID }) });
      const notJson = await credentialsFromSecretsManager(client, 'alpaca/live').catch((error: unknown) => error);
      expect(notJson).toBeInstanceOf(AlpacaCredentialsError);
      expect(inspect(notJson)).not.toContain(SECRET);
      const missing = await credentialsFromSecretsManager(client, 'alpaca/live').catch((error: unknown) => error);
      expect(String(missing)).toContain('bad or missing: secretKey');
      expect(inspect(missing)).not.toContain(KEY_ID);
    });

    it('wraps a Secrets Manager failure as an infrastructure error keeping its cause', async () => {
      const client = new SecretsManagerClient({ region: 'us-east-1' });
      secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
      const error = await credentialsFromSecretsManager(client, 'alpaca/paper').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect((error as Error).cause).toBeInstanceOf(Error);
    });
  });
});
