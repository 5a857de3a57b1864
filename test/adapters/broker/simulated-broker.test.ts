import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SIMULATED_FAULT_KINDS,
  SimulatedBroker,
  type SimulatedBrokerOptions,
  type SimulatedFaultKind,
} from '../../../adapters/broker/simulated-broker';
import { dec, toDecimalString, ZERO, type Decimal } from '../../../shared/money/decimal';
import { ManualClock } from '../../support/fixtures';
import { brokerFailureOf, marketRequest } from '../../support/broker-requests';
import type { BrokerOrderRequest, BrokerUpdate } from '../../../shared/broker/broker-order';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';

const T0 = '2026-11-23T15:00:00.000Z';

const setup = (over: Partial<SimulatedBrokerOptions> = {}) => {
  const prices: Record<string, string | undefined> = { AAPL: '190.05', MSFT: '410' };
  const clock = new ManualClock();
  const broker = new SimulatedBroker({ priceOf: (s) => prices[s], clock, seed: 3, ...over });
  const updates: BrokerUpdate[] = [];
  broker.subscribe((u) => updates.push(u));
  return { broker, prices, clock, updates };
};

const market = (over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => marketRequest('c-1', over);

const limit = (limitPrice: string, over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest =>
  market({ orderType: 'limit', limitPrice, ...over });

const failureOf = brokerFailureOf;

const events = (updates: BrokerUpdate[]) => updates.map((u) => `${u.event}:${u.order.status}`);

/** Advances until the order is final (bounded, so a bug cannot loop forever). */
const advanceUntilFinal = async (broker: SimulatedBroker, brokerOrderId: string) => {
  for (let i = 0; i < 50 && (await broker.listOpenOrders()).some((o) => o.brokerOrderId === brokerOrderId); i++) broker.advance();
};

describe('simulated broker: submission', () => {
  it('fills a market order fully at the venue price and reports new then fill', async () => {
    const { broker, updates } = setup();
    const order = await broker.submitOrder(market());
    expect(order).toMatchObject({ brokerOrderId: 'sim-3-1', status: 'filled', quantity: '10', filledQuantity: '10', filledAvgPrice: '190.05' });
    expect(broker.fills()).toEqual([
      { executionId: 'sim-3-exec-1', brokerOrderId: 'sim-3-1', symbol: 'AAPL', side: 'buy', quantity: '10', price: '190.05', cumulativeQuantity: '10', at: T0 },
    ]);
    expect(events(updates)).toEqual(['new:accepted', 'fill:filled']);
    expect(updates[1]?.fill).toEqual(broker.fills()[0]);
  });

  it('returns the existing order for a repeated client order id, creating nothing and never filling twice', async () => {
    const { broker, updates } = setup();
    const first = await broker.submitOrder(market());
    const again = await broker.submitOrder(market({ quantity: '999' }));
    expect(again).toEqual(first);
    expect(broker.submittedOrderCount()).toBe(1);
    expect(broker.submitCalls()).toBe(2);
    expect(broker.fills()).toHaveLength(1);
    expect(updates).toHaveLength(2);
    expect(await broker.getPositions()).toEqual([{ symbol: 'AAPL', quantity: '10', avgEntryPrice: '190.05' }]);
  });

  it('opens a second order for a repeated client order id when configured as a naive venue, and counts it as a duplicate', async () => {
    const { broker } = setup({ dedupeClientOrderIds: false });
    const first = await broker.submitOrder(market());
    expect(broker.duplicateOrderCount()).toBe(0);
    const second = await broker.submitOrder(market());
    expect(second.brokerOrderId).not.toBe(first.brokerOrderId);
    expect(broker.submittedOrderCount()).toBe(2);
    expect(broker.duplicateOrderCount()).toBe(1);
  });

  it('canonicalises the quantity and limit price it echoes back', async () => {
    const { broker } = setup();
    await expect(broker.submitOrder(limit('180.500', { quantity: '10.50' }))).resolves.toMatchObject({ quantity: '10.5', limitPrice: '180.5' });
  });

  it.each<[string, Partial<BrokerOrderRequest>]>([
    ['a client order id over 48 characters', { clientOrderId: 'x'.repeat(49) }],
    ['an empty client order id', { clientOrderId: '' }],
    ['a zero quantity', { quantity: '0' }],
    ['a negative quantity', { quantity: '-1' }],
    ['a quantity that is not a decimal', { quantity: '1e3' }],
    ['a limit order without a limit price', { orderType: 'limit' }],
    ['a limit order with a zero limit price', { orderType: 'limit', limitPrice: '0' }],
    ['a market order with a limit price', { limitPrice: '190' }],
  ])('refuses %s definitely (422) and creates nothing', async (_name, over) => {
    const { broker } = setup();
    const error = await failureOf(broker.submitOrder(market(over)));
    expect(error.outcome).toBe('refused');
    expect(error.detail.status).toBe(422);
    expect(broker.orders()).toEqual([]);
    expect(broker.submitCalls()).toBe(1);
  });

  it('accepts a client order id of exactly 48 characters', async () => {
    const { broker } = setup();
    await expect(broker.submitOrder(market({ clientOrderId: 'x'.repeat(48) }))).resolves.toMatchObject({ status: 'filled' });
  });

  it('creates a rejected order with a reason for a symbol without a market', async () => {
    const { broker, updates } = setup();
    const order = await broker.submitOrder(market({ symbol: 'ZZZZ' }));
    expect(order).toMatchObject({ status: 'rejected', rejectReason: 'no market in ZZZZ', filledQuantity: '0' });
    expect(order.filledAvgPrice).toBeUndefined();
    expect(events(updates)).toEqual(['rejected:rejected']);
    expect(await broker.listOpenOrders()).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
  });
});

describe('simulated broker: limit and ioc orders', () => {
  it('fills a marketable limit order at the current price, which is the limit or better', async () => {
    const { broker } = setup();
    await expect(broker.submitOrder(limit('191', { clientOrderId: 'b' }))).resolves.toMatchObject({ status: 'filled', filledAvgPrice: '190.05' });
    await expect(broker.submitOrder(limit('190.05', { clientOrderId: 'b2' }))).resolves.toMatchObject({ status: 'filled' });
    await expect(broker.submitOrder(limit('190', { clientOrderId: 's', side: 'sell' }))).resolves.toMatchObject({ status: 'filled', filledAvgPrice: '190.05' });
    expect(broker.fills().map((f) => f.price)).toEqual(['190.05', '190.05', '190.05']);
  });

  it('rests a limit order that is not marketable and matches it on a later advance once the price crosses', async () => {
    const { broker, prices, updates } = setup();
    const buy = await broker.submitOrder(limit('190', { clientOrderId: 'b' }));
    const sell = await broker.submitOrder(limit('191', { clientOrderId: 's', side: 'sell' }));
    expect([buy.status, sell.status]).toEqual(['accepted', 'accepted']);
    expect(broker.advance()).toEqual([]);
    expect((await broker.listOpenOrders()).map((o) => o.clientOrderId)).toEqual(['b', 's']);

    prices.AAPL = '189.99';
    const fills = broker.advance();
    expect(fills).toMatchObject([{ brokerOrderId: buy.brokerOrderId, quantity: '10', price: '189.99', cumulativeQuantity: '10' }]);
    prices.AAPL = '191.5';
    expect(broker.advance()).toMatchObject([{ brokerOrderId: sell.brokerOrderId, price: '191.5' }]);
    expect(await broker.listOpenOrders()).toEqual([]);
    expect(events(updates)).toEqual(['new:accepted', 'new:accepted', 'fill:filled', 'fill:filled']);
  });

  it('cancels an ioc order that is not marketable at once, with nothing filled', async () => {
    const { broker, updates } = setup();
    const order = await broker.submitOrder(limit('189', { timeInForce: 'ioc' }));
    expect(order).toMatchObject({ status: 'canceled', filledQuantity: '0' });
    expect(events(updates)).toEqual(['new:accepted', 'canceled:canceled']);
    expect(broker.advance()).toEqual([]);
  });

  it('cancels the unfilled remainder of an ioc order that only partly executes on arrival', async () => {
    const { broker } = setup({ partialFills: { probability: 1, maxSlices: 2 } });
    const order = await broker.submitOrder(market({ timeInForce: 'ioc' }));
    expect(order).toMatchObject({ status: 'canceled', filledQuantity: '5', filledAvgPrice: '190.05' });
    expect(broker.advance()).toEqual([]);
    expect(await broker.getPositions()).toMatchObject([{ symbol: 'AAPL', quantity: '5' }]);
  });
});

describe('simulated broker: partial fills', () => {
  it('fills a market order in slices across advances when partial fills trigger', async () => {
    const { broker, updates } = setup({ partialFills: { probability: 1, maxSlices: 4 } });
    const order = await broker.submitOrder(market());
    expect(order.status).toBe('partially_filled');
    await advanceUntilFinal(broker, order.brokerOrderId);

    const fills = broker.fills();
    expect(fills.length).toBeGreaterThanOrEqual(2);
    expect(fills.length).toBeLessThanOrEqual(4);
    const cumulative = fills.map((f) => dec(f.cumulativeQuantity));
    cumulative.forEach((c, i) => expect(i === 0 || c.gt(cumulative[i - 1] ?? ZERO)).toBe(true));
    expect(toDecimalString(fills.reduce((sum, f) => sum.plus(dec(f.quantity)), ZERO))).toBe('10');
    expect(fills.at(-1)?.cumulativeQuantity).toBe('10');
    expect(fills.every((f) => dec(f.quantity).isInteger())).toBe(true);
    expect(await broker.getOrderByClientOrderId('c-1')).toMatchObject({ status: 'filled', filledQuantity: '10' });
    expect(updates.filter((u) => u.fill).map((u) => u.event)).toEqual([...fills.slice(1).map(() => 'partial_fill'), 'fill']);
  });

  it('keeps slices whole and gives the fraction of a fractional quantity to the last slice', async () => {
    const { broker } = setup({ partialFills: { probability: 1, maxSlices: 3 } });
    const order = await broker.submitOrder(market({ quantity: '7.25' }));
    await advanceUntilFinal(broker, order.brokerOrderId);
    const quantities = broker.fills().map((f) => dec(f.quantity));
    expect(quantities.length).toBeGreaterThanOrEqual(2);
    expect(quantities.slice(0, -1).every((q) => q.isInteger() && q.gte(1))).toBe(true);
    expect(toDecimalString((quantities.at(-1) ?? ZERO).mod(1))).toBe('0.25');
    expect(toDecimalString(quantities.reduce((a, b) => a.plus(b), ZERO))).toBe('7.25');
  });

  it('fills a quantity below two whole units in one execution even when partial fills trigger', async () => {
    const { broker } = setup({ partialFills: { probability: 1, maxSlices: 4 } });
    await expect(broker.submitOrder(market({ quantity: '1.5' }))).resolves.toMatchObject({ status: 'filled', filledQuantity: '1.5' });
  });

  it('reports a non-terminating average fill price rounded to 12 places while cash stays exact', async () => {
    const { broker, prices } = setup({ partialFills: { probability: 1, maxSlices: 2 }, startingCash: '1000' });
    prices.AAPL = '10';
    const order = await broker.submitOrder(market({ quantity: '3' }));
    prices.AAPL = '10.01';
    broker.advance();
    expect(broker.fills().map((f) => [f.quantity, f.price, f.cumulativeQuantity])).toEqual([
      ['2', '10', '2'],
      ['1', '10.01', '3'],
    ]);
    expect(await broker.getOrderByClientOrderId(order.clientOrderId)).toMatchObject({ status: 'filled', filledAvgPrice: '10.003333333333' });
    expect((await broker.getAccount()).cash).toBe('969.99');
  });
});

describe('simulated broker: cancels and expiry', () => {
  it('cancels a live order at once and reports final or unknown orders as not cancelable', async () => {
    const { broker, updates } = setup();
    const resting = await broker.submitOrder(limit('100', { clientOrderId: 'r' }));
    const filled = await broker.submitOrder(market({ clientOrderId: 'f' }));
    await expect(broker.cancelOrder(resting.brokerOrderId)).resolves.toBe('requested');
    expect(await broker.getOrderByClientOrderId('r')).toMatchObject({ status: 'canceled' });
    expect(updates.at(-1)).toMatchObject({ event: 'canceled', order: { clientOrderId: 'r', status: 'canceled' } });
    await expect(broker.cancelOrder(resting.brokerOrderId)).resolves.toBe('not-cancelable');
    await expect(broker.cancelOrder(filled.brokerOrderId)).resolves.toBe('not-cancelable');
    await expect(broker.cancelOrder('no-such-order')).resolves.toBe('not-cancelable');
  });

  it('lets a fill racing a cancel land first: pending_cancel, then the late fill, then canceled', async () => {
    // Seed 3 splits 9 into three slices of 3, so one slice lands late and one is canceled.
    const { broker, updates } = setup({ partialFills: { probability: 1, maxSlices: 3 }, cancelRace: 1 });
    const order = await broker.submitOrder(market({ quantity: '9' }));
    expect(order.filledQuantity).toBe('3');
    await expect(broker.cancelOrder(order.brokerOrderId)).resolves.toBe('requested');
    expect(await broker.listOpenOrders()).toMatchObject([{ status: 'pending_cancel' }]);
    await expect(broker.cancelOrder(order.brokerOrderId)).resolves.toBe('requested');

    expect(broker.advance()).toMatchObject([{ quantity: '3', cumulativeQuantity: '6' }]);
    expect(events(updates)).toEqual([
      'new:accepted',
      'partial_fill:partially_filled',
      'pending_cancel:pending_cancel',
      'partial_fill:pending_cancel',
      'canceled:canceled',
    ]);
    expect(await broker.getOrderByClientOrderId('c-1')).toMatchObject({ status: 'canceled', filledQuantity: '6' });
    expect(broker.advance()).toEqual([]);
    expect(await broker.getPositions()).toMatchObject([{ symbol: 'AAPL', quantity: '6' }]);
  });

  it('lets a racing fill complete the order, so the cancel loses', async () => {
    const { broker, updates } = setup({ partialFills: { probability: 1, maxSlices: 2 }, cancelRace: 1 });
    const order = await broker.submitOrder(market());
    await broker.cancelOrder(order.brokerOrderId);
    broker.advance();
    expect(await broker.getOrderByClientOrderId('c-1')).toMatchObject({ status: 'filled', filledQuantity: '10' });
    expect(events(updates).at(-1)).toBe('fill:filled');
  });

  it('cancels every live order with cancelAllOrders and returns their ids', async () => {
    const { broker } = setup();
    const a = await broker.submitOrder(limit('100', { clientOrderId: 'a' }));
    const b = await broker.submitOrder(limit('500', { clientOrderId: 'b', side: 'sell', timeInForce: 'gtc' }));
    await broker.submitOrder(market({ clientOrderId: 'filled' }));
    await expect(broker.cancelAllOrders()).resolves.toEqual([a.brokerOrderId, b.brokerOrderId]);
    expect(await broker.listOpenOrders()).toEqual([]);
    expect(broker.orders().map((o) => o.status)).toEqual(['canceled', 'canceled', 'filled']);
    await expect(broker.cancelAllOrders()).resolves.toEqual([]);
  });

  it('expires live day orders at the end of the day and keeps gtc ones', async () => {
    const { broker, updates } = setup();
    const day = await broker.submitOrder(limit('100', { clientOrderId: 'day' }));
    await broker.submitOrder(limit('100', { clientOrderId: 'gtc', timeInForce: 'gtc' }));
    expect(broker.expireDayOrders()).toEqual([day.brokerOrderId]);
    expect(broker.orders().map((o) => [o.clientOrderId, o.status])).toEqual([
      ['day', 'expired'],
      ['gtc', 'accepted'],
    ]);
    expect(updates.at(-1)).toMatchObject({ event: 'expired', order: { clientOrderId: 'day' } });
  });

  it('flattens with closeAllPositions: cancels open orders, then closes each position at market as flatten-n', async () => {
    const { broker } = setup();
    await broker.submitOrder(market({ clientOrderId: 'long' }));
    await broker.submitOrder(market({ clientOrderId: 'short', symbol: 'MSFT', side: 'sell', quantity: '2.5' }));
    await broker.submitOrder(limit('100', { clientOrderId: 'resting' }));
    await broker.closeAllPositions();
    expect(broker.orders().map((o) => [o.clientOrderId, o.symbol, o.side, o.quantity, o.status])).toEqual([
      ['long', 'AAPL', 'buy', '10', 'filled'],
      ['short', 'MSFT', 'sell', '2.5', 'filled'],
      ['resting', 'AAPL', 'buy', '10', 'canceled'],
      ['flatten-1', 'AAPL', 'sell', '10', 'filled'],
      ['flatten-2', 'MSFT', 'buy', '2.5', 'filled'],
    ]);
    expect(await broker.getPositions()).toEqual([]);
    expect(await broker.listOpenOrders()).toEqual([]);
  });
});

describe('simulated broker: positions, account and fills', () => {
  it('keeps positions signed with their entry price and drops flat ones', async () => {
    const { broker, prices } = setup();
    await broker.submitOrder(market({ clientOrderId: 's1', symbol: 'MSFT', side: 'sell', quantity: '2.5' }));
    await broker.submitOrder(market({ clientOrderId: 'a1' }));
    await broker.submitOrder(market({ clientOrderId: 'a2', side: 'sell' }));
    expect(await broker.getPositions()).toEqual([{ symbol: 'MSFT', quantity: '-2.5', avgEntryPrice: '410' }]);

    await broker.submitOrder(market({ clientOrderId: 'b1' }));
    prices.AAPL = '200';
    await broker.submitOrder(market({ clientOrderId: 'b2' }));
    expect(await broker.getPositions()).toContainEqual({ symbol: 'AAPL', quantity: '20', avgEntryPrice: '195.025' });
    await broker.submitOrder(market({ clientOrderId: 'b3', side: 'sell', quantity: '5' }));
    expect(await broker.getPositions()).toContainEqual({ symbol: 'AAPL', quantity: '15', avgEntryPrice: '195.025' });
    prices.AAPL = '210';
    await broker.submitOrder(market({ clientOrderId: 'b4', side: 'sell', quantity: '20' }));
    expect(await broker.getPositions()).toEqual([
      { symbol: 'AAPL', quantity: '-5', avgEntryPrice: '210' },
      { symbol: 'MSFT', quantity: '-2.5', avgEntryPrice: '410' },
    ]);
  });

  it('moves cash by the exact notional and marks equity at venue prices, skipping unpriced symbols', async () => {
    const { broker, prices } = setup({ startingCash: '1000' });
    await expect(broker.getAccount()).resolves.toEqual({ cash: '1000', equity: '1000', buyingPower: '1000', tradingBlocked: false });
    await broker.submitOrder(market({ clientOrderId: 'b', quantity: '2' }));
    prices.AAPL = '200';
    await expect(broker.getAccount()).resolves.toEqual({ cash: '619.9', equity: '1019.9', buyingPower: '619.9', tradingBlocked: false });
    await broker.submitOrder(market({ clientOrderId: 's', symbol: 'MSFT', side: 'sell', quantity: '1' }));
    await expect(broker.getAccount()).resolves.toMatchObject({ cash: '1029.9', equity: '1019.9' });
    prices.MSFT = undefined;
    await expect(broker.getAccount()).resolves.toMatchObject({ cash: '1029.9', equity: '1429.9' });
  });

  it('lists fills at or after a time, oldest first, optionally for one order only', async () => {
    const { broker, clock, prices } = setup({ partialFills: { probability: 1, maxSlices: 2 } });
    const a = await broker.submitOrder(market({ clientOrderId: 'a' })); // 5 at T0
    clock.advance(1000);
    const b = await broker.submitOrder(market({ clientOrderId: 'b', symbol: 'MSFT', quantity: '4' })); // 2 at T0+1s
    clock.advance(1000);
    prices.AAPL = '191';
    broker.advance(); // a's second 5 and b's second 2 at T0+2s

    const all = await broker.listFills({ after: T0 });
    expect(all.map((f) => [f.brokerOrderId, f.cumulativeQuantity, f.at])).toEqual([
      [a.brokerOrderId, '5', T0],
      [b.brokerOrderId, '2', '2026-11-23T15:00:01.000Z'],
      [a.brokerOrderId, '10', '2026-11-23T15:00:02.000Z'],
      [b.brokerOrderId, '4', '2026-11-23T15:00:02.000Z'],
    ]);
    expect((await broker.listFills({ after: '2026-11-23T15:00:01.000Z' })).map((f) => f.cumulativeQuantity)).toEqual(['2', '10', '4']);
    expect((await broker.listFills({ after: '2026-11-23T15:00:01Z', brokerOrderId: a.brokerOrderId })).map((f) => f.price)).toEqual(['191']);
    await expect(broker.listFills({ after: '2026-11-23T15:00:03.000Z' })).resolves.toEqual([]);
    expect((await failureOf(broker.listFills({ after: 'yesterday' }))).outcome).toBe('refused');
  });

  it('returns copies: mutating what a call returned never changes the broker', async () => {
    const { broker } = setup();
    const returned = await broker.submitOrder(market());
    returned.status = 'canceled';
    returned.filledQuantity = '0';
    broker.orders()[0]!.quantity = '1';
    broker.fills()[0]!.quantity = '1';
    (await broker.listFills({ after: T0 }))[0]!.price = '1';
    (await broker.getPositions())[0]!.quantity = '0';
    expect(await broker.getOrderByClientOrderId('c-1')).toMatchObject({ status: 'filled', quantity: '10', filledQuantity: '10' });
    expect(broker.fills()[0]).toMatchObject({ quantity: '10', price: '190.05' });
    expect(await broker.getPositions()).toMatchObject([{ quantity: '10' }]);
  });
});

describe('simulated broker: update stream', () => {
  it('reports connected on start, delivers updates in order, isolates a failing handler and stops on close', async () => {
    const { broker } = setup();
    const stream = broker.updateStream();
    const statuses: string[] = [];
    const received: string[] = [];
    await stream.start({
      onUpdate: async (u) => {
        received.push(`${u.order.clientOrderId}:${u.event}`);
        if (u.order.clientOrderId === 'boom' && u.event === 'new') throw new Error('handler failed');
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(statuses).toEqual(['connected']);
    await broker.submitOrder(market({ clientOrderId: 'boom' }));
    await broker.submitOrder(market({ clientOrderId: 'next' }));
    await stream.idle();
    expect(received).toEqual(['boom:new', 'boom:fill', 'next:new', 'next:fill']);
    expect(stream.handlerErrors()).toHaveLength(1);

    await stream.close();
    await broker.submitOrder(market({ clientOrderId: 'after-close' }));
    await stream.idle();
    expect(received).toHaveLength(4);
  });

  it('stops delivering after unsubscribe and survives a listener that throws', async () => {
    const { broker } = setup();
    const unsubscribe = broker.subscribe(() => {
      throw new Error('listener failed');
    });
    await expect(broker.submitOrder(market({ clientOrderId: 'a' }))).resolves.toMatchObject({ status: 'filled' });
    expect(broker.listenerErrors()).toHaveLength(2);
    unsubscribe();
    await broker.submitOrder(market({ clientOrderId: 'b' }));
    expect(broker.listenerErrors()).toHaveLength(2);
  });

  it('loses every update with lostUpdateRate 1 while the broker state still changes', async () => {
    const { broker, updates } = setup({ faults: { rate: 0, lostUpdateRate: 1 } });
    await broker.submitOrder(market());
    expect(updates).toEqual([]);
    expect(broker.lostUpdateCount()).toBe(2);
    expect(broker.orders()).toMatchObject([{ status: 'filled' }]);
    expect(await broker.getPositions()).toMatchObject([{ symbol: 'AAPL', quantity: '10' }]);
  });

  it('loses some but not all updates with lostUpdateRate 0.5, the same ones for the same seed', async () => {
    const run = async () => {
      const { broker, updates } = setup({ faults: { rate: 0, lostUpdateRate: 0.5 } });
      for (let i = 0; i < 50; i++) await broker.submitOrder(market({ clientOrderId: `o-${i}` }));
      expect(updates.length + broker.lostUpdateCount()).toBe(100);
      return updates.map((u) => `${u.order.clientOrderId}:${u.event}`);
    };
    const delivered = await run();
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(100);
    expect(await run()).toEqual(delivered);
  });
});

describe('simulated broker: faults', () => {
  it.each(SIMULATED_FAULT_KINDS)('fails submitOrder as ambiguous on %s and applies it only after a timeout after the effect', async (kind) => {
    const { broker } = setup({ faults: { rate: 1, kinds: [kind], calls: ['submitOrder'] } });
    const error = await failureOf(broker.submitOrder(market()));
    expect(error.outcome).toBe('ambiguous');
    const expectedDetail: Record<SimulatedFaultKind, object> = {
      'server-error': { status: 503 },
      'rate-limited': { status: 429, retryAfterMs: 1000 },
      'connection-reset': { code: 'ECONNRESET' },
      'timeout-before-effect': { code: 'ETIMEDOUT' },
      'timeout-after-effect': { code: 'ETIMEDOUT' },
    };
    expect(error.detail).toEqual(expectedDetail[kind]);
    expect(broker.faultCount()[kind]).toBe(1);
    expect(broker.submitCalls()).toBe(1);

    const applied = kind === 'timeout-after-effect';
    expect(broker.submittedOrderCount()).toBe(applied ? 1 : 0);
    expect(broker.fills()).toHaveLength(applied ? 1 : 0);
    const found = await broker.getOrderByClientOrderId('c-1');
    if (applied) expect(found).toMatchObject({ status: 'filled', filledQuantity: '10' });
    else expect(found).toBeUndefined();
  });

  it('gives a timed-out request the same error whether or not it took effect', async () => {
    const before = await failureOf(setup({ faults: { rate: 1, kinds: ['timeout-before-effect'] } }).broker.submitOrder(market()));
    const after = await failureOf(setup({ faults: { rate: 1, kinds: ['timeout-after-effect'] } }).broker.submitOrder(market()));
    expect([after.message, after.detail]).toEqual([before.message, before.detail]);
  });

  it('applies a cancel that times out after the effect and not one that times out before it', async () => {
    for (const kind of ['timeout-after-effect', 'timeout-before-effect'] as const) {
      const { broker } = setup({ faults: { rate: 1, kinds: [kind], calls: ['cancelOrder'] } });
      const order = await broker.submitOrder(limit('100'));
      expect((await failureOf(broker.cancelOrder(order.brokerOrderId))).outcome).toBe('ambiguous');
      const status = (await broker.getOrderByClientOrderId('c-1'))?.status;
      expect([kind, status]).toEqual([kind, kind === 'timeout-after-effect' ? 'canceled' : 'accepted']);
    }
  });

  it('fails every eligible call with some kind and only the calls listed', async () => {
    const { broker } = setup({ faults: { rate: 1, calls: ['getAccount', 'getPositions'] } });
    await expect(broker.submitOrder(market())).resolves.toMatchObject({ status: 'filled' });
    for (let i = 0; i < 100; i++) expect((await failureOf(broker.getAccount())).outcome).toBe('ambiguous');
    expect((await failureOf(broker.getPositions())).outcome).toBe('ambiguous');
    const counts = broker.faultCount();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(101);
    for (const kind of SIMULATED_FAULT_KINDS) expect(counts[kind]).toBeGreaterThan(0);
    expect(new Set(broker.faultLog().map((f) => f.call))).toEqual(new Set(['getAccount', 'getPositions']));
  });

  it('fails every call as ambiguous while unreachable, counting submits, and recovers', async () => {
    const { broker } = setup();
    broker.setUnavailable(true);
    const calls: Promise<unknown>[] = [
      broker.submitOrder(market()),
      broker.getOrderByClientOrderId('c-1'),
      broker.listOpenOrders(),
      broker.cancelOrder('sim-3-1'),
      broker.cancelAllOrders(),
      broker.listFills({ after: T0 }),
      broker.getPositions(),
      broker.getAccount(),
      broker.closeAllPositions(),
    ];
    for (const call of calls) {
      const error = await failureOf(call);
      expect([error.message, error.outcome]).toEqual(['simulated broker is unreachable', 'ambiguous']);
    }
    expect(broker.submitCalls()).toBe(1);
    expect(broker.orders()).toEqual([]);
    broker.setUnavailable(false);
    await expect(broker.submitOrder(market())).resolves.toMatchObject({ status: 'filled' });
  });

  it('awaits a drawn latency within the range before each call, and never sleeps when it is zero', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
    };
    const { broker } = setup({ latencyMs: { min: 5, max: 20 }, sleep });
    for (let i = 0; i < 20; i++) await broker.getAccount();
    expect(slept).toHaveLength(20);
    expect(slept.every((ms) => Number.isInteger(ms) && ms >= 5 && ms <= 20)).toBe(true);

    const zero: number[] = [];
    const quiet = setup({ latencyMs: { min: 0, max: 0 }, sleep: async (ms) => void zero.push(ms) }).broker;
    await quiet.submitOrder(market());
    await quiet.getAccount();
    expect(zero).toEqual([]);
  });
});

describe('simulated broker: determinism', () => {
  /** One fixed call sequence against a broker with every random feature on; returns everything observable. */
  const script = async (seed: number) => {
    const prices: Record<string, string> = { AAPL: '100', MSFT: '50' };
    const clock = new ManualClock();
    const broker = new SimulatedBroker({
      priceOf: (s) => prices[s],
      clock,
      seed,
      partialFills: { probability: 0.5, maxSlices: 4 },
      cancelRace: 0.5,
      faults: { rate: 0.3, lostUpdateRate: 0.2 },
    });
    const updates: BrokerUpdate[] = [];
    broker.subscribe((u) => updates.push(u));
    const outcomes: string[] = [];
    const attempt = async (call: () => Promise<unknown>) => {
      try {
        await call();
        outcomes.push('ok');
      } catch (error) {
        outcomes.push(error instanceof BrokerCallError ? `${error.outcome}:${error.message}` : 'unexpected');
      }
    };
    for (let i = 0; i < 40; i++) {
      clock.advance(1000);
      prices.AAPL = String(98 + (i % 5));
      const isLimit = i % 3 === 0;
      await attempt(() =>
        broker.submitOrder({
          clientOrderId: `o-${i % 30}`, // some repeats
          symbol: i % 2 === 0 ? 'AAPL' : 'MSFT',
          side: i % 4 < 2 ? 'buy' : 'sell',
          quantity: String(3 + (i % 11)),
          orderType: isLimit ? 'limit' : 'market',
          ...(isLimit ? { limitPrice: '99' } : {}),
          timeInForce: i % 7 === 0 ? 'ioc' : 'gtc',
        }),
      );
      if (i % 5 === 0) await attempt(() => broker.cancelAllOrders());
      broker.advance();
    }
    await attempt(() => broker.closeAllPositions());
    const fills = broker.fills();
    return {
      orders: broker.orders(),
      fills,
      faults: broker.faultLog(),
      lost: broker.lostUpdateCount(),
      updates,
      outcomes,
      // Seed-independent shapes (ids embed the seed) for comparing different seeds.
      shape: { faults: broker.faultLog(), fills: fills.map((f) => [f.quantity, f.price, f.cumulativeQuantity]), outcomes },
    };
  };

  it('gives identical orders, fills, faults and updates for the same seed and the same calls', async () => {
    const first = await script(42);
    expect(first.fills.length).toBeGreaterThan(0);
    expect(first.faults.length).toBeGreaterThan(0);
    expect(first.lost).toBeGreaterThan(0);
    expect(await script(42)).toEqual(first);
  });

  it('gives different results for different seeds', async () => {
    const [a, b] = [await script(1), await script(2)];
    expect(a.shape).not.toEqual(b.shape);
  });
});

describe('simulated broker: book invariants (property)', () => {
  type Step =
    | { kind: 'submit'; symbol: string; side: 'buy' | 'sell'; quantity: string; limitOffsetCents: number | null; timeInForce: 'day' | 'gtc' | 'ioc' }
    | { kind: 'advance' | 'cancelAll' | 'expire' | 'flatten' }
    | { kind: 'cancel'; index: number }
    | { kind: 'price'; symbol: string; cents: number | null };

  const SYMBOLS = ['AAPL', 'MSFT'];
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('submit' as const),
        symbol: fc.constantFrom(...SYMBOLS),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        quantity: fc
          .tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom('', '.5', '.25', '.125'))
          .map(([whole, fraction]) => `${whole}${fraction}`)
          .filter((q) => q !== '0'),
        limitOffsetCents: fc.option(fc.integer({ min: -300, max: 300 })),
        timeInForce: fc.constantFrom('day' as const, 'gtc' as const, 'ioc' as const),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('advance' as const, 'cancelAll' as const, 'expire' as const, 'flatten' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), index: fc.nat() }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('price' as const), symbol: fc.constantFrom(...SYMBOLS), cents: fc.option(fc.integer({ min: 1000, max: 20000 }), { freq: 8 }) }),
    },
  );

  it('keeps positions equal to the signed sum of fills and every order filled by exactly its fills, never beyond', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(stepArb, { maxLength: 50 }), async (seed, steps) => {
        const prices: Record<string, string | undefined> = { AAPL: '100', MSFT: '50.25' };
        const clock = new ManualClock();
        const broker = new SimulatedBroker({
          priceOf: (s) => prices[s],
          clock,
          seed,
          startingCash: '100000',
          partialFills: { probability: 0.5, maxSlices: 4 },
          cancelRace: 0.5,
          faults: { rate: 0.2, lostUpdateRate: 0.3, calls: ['submitOrder', 'cancelOrder', 'cancelAllOrders', 'closeAllPositions'] },
        });
        const delivered: BrokerUpdate[] = [];
        broker.subscribe((u) => delivered.push(u));
        const tolerate = async (call: Promise<unknown>) => {
          try {
            await call;
          } catch (error) {
            if (!(error instanceof BrokerCallError) || error.outcome !== 'ambiguous') throw error;
          }
        };

        for (const [n, step] of steps.entries()) {
          clock.advance(1000);
          switch (step.kind) {
            case 'submit': {
              const price = prices[step.symbol] ?? '100';
              const isLimit = step.limitOffsetCents !== null;
              const limitPrice = dec(price).plus(dec(step.limitOffsetCents ?? 0).div(100));
              await tolerate(
                broker.submitOrder({
                  clientOrderId: `p-${n}`,
                  symbol: step.symbol,
                  side: step.side,
                  quantity: step.quantity,
                  orderType: isLimit ? 'limit' : 'market',
                  ...(isLimit ? { limitPrice: toDecimalString(limitPrice.gt(0) ? limitPrice : dec('0.01')) } : {}),
                  timeInForce: step.timeInForce,
                }),
              );
              break;
            }
            case 'advance':
              broker.advance();
              break;
            case 'cancelAll':
              await tolerate(broker.cancelAllOrders());
              break;
            case 'expire':
              broker.expireDayOrders();
              break;
            case 'flatten':
              await tolerate(broker.closeAllPositions());
              break;
            case 'cancel': {
              const orders = broker.orders();
              const target = orders[step.index % Math.max(1, orders.length)];
              if (target) await tolerate(broker.cancelOrder(target.brokerOrderId));
              break;
            }
            case 'price':
              prices[step.symbol] = step.cents === null ? undefined : toDecimalString(dec(step.cents).div(100));
              break;
          }
        }

        const fills = broker.fills();
        const orders = broker.orders();
        const signed = new Map<string, Decimal>();
        let cash = dec('100000');
        for (const f of fills) {
          const q = f.side === 'buy' ? dec(f.quantity) : dec(f.quantity).neg();
          signed.set(f.symbol, (signed.get(f.symbol) ?? ZERO).plus(q));
          cash = cash.minus(q.times(dec(f.price)));
        }
        const expectedPositions = [...signed.entries()]
          .filter(([, q]) => !q.isZero())
          .map(([symbol, q]) => [symbol, toDecimalString(q)])
          .sort();
        expect((await broker.getPositions()).map((p) => [p.symbol, p.quantity])).toEqual(expectedPositions);
        expect((await broker.getAccount()).cash).toBe(toDecimalString(cash));

        for (const order of orders) {
          const own = fills.filter((f) => f.brokerOrderId === order.brokerOrderId);
          let running = ZERO;
          for (const f of own) {
            running = running.plus(dec(f.quantity));
            expect(f.cumulativeQuantity).toBe(toDecimalString(running)); // strictly increasing, one key per execution
            expect([f.symbol, f.side]).toEqual([order.symbol, order.side]);
          }
          expect(order.filledQuantity).toBe(toDecimalString(running));
          expect(running.lte(dec(order.quantity))).toBe(true);
          expect(order.status === 'filled').toBe(running.eq(dec(order.quantity)));
        }
        expect(new Set(fills.map((f) => f.executionId)).size).toBe(fills.length);
        for (const u of delivered) if (u.fill) expect(fills).toContainEqual(u.fill);
      }),
      { numRuns: 150 },
    );
  });
});

describe('simulated broker gross exposure', () => {
  it('counts open orders as if they filled, on the side that makes the symbol larger', async () => {
    const { broker } = setup();
    await broker.submitOrder(market({ clientOrderId: 'g-1', quantity: '10' })); // AAPL long 10, filled on arrival
    await broker.submitOrder(limit('300', { clientOrderId: 'g-2', side: 'sell', quantity: '30' })); // rests: worst case short 20
    await broker.submitOrder(limit('400', { clientOrderId: 'g-3', symbol: 'MSFT', quantity: '5' })); // rests: worst case long 5
    // AAPL max(|10 + 0|, |10 - 30|) = 20 x 190.05; MSFT 5 x 410.
    expect(toDecimalString(broker.grossExposure())).toBe('5851');
    expect(broker.peakGrossExposure()).toBe('5851');
  });

  it('keeps the peak after exposure falls', async () => {
    const { broker } = setup();
    const resting = await broker.submitOrder(limit('100', { clientOrderId: 'p-1', quantity: '100' }));
    expect(broker.peakGrossExposure()).toBe('19005');
    await broker.cancelOrder(resting.brokerOrderId);
    expect(toDecimalString(broker.grossExposure())).toBe('0');
    expect(broker.peakGrossExposure()).toBe('19005');
  });
});

