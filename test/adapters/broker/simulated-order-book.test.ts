// The simulated venue's order book: limit and ioc orders, partial fills, cancels, expiry, flattening,
// the fills it lists, and the invariants that tie orders to their fills.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { dec, toDecimalString, ZERO, type Decimal } from '../../../shared/money/decimal';
import { ManualClock } from '../../support/fixtures';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import { T0, advanceUntilFinal, events, failureOf, limit, market, setup } from './simulated-broker-setup';

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
    expect((await broker.listOpenOrders()).orders.map((o) => o.clientOrderId)).toEqual(['b', 's']);

    prices.AAPL = '189.99';
    const fills = broker.advance();
    expect(fills).toMatchObject([{ brokerOrderId: buy.brokerOrderId, quantity: '10', price: '189.99', cumulativeQuantity: '10' }]);
    prices.AAPL = '191.5';
    expect(broker.advance()).toMatchObject([{ brokerOrderId: sell.brokerOrderId, price: '191.5' }]);
    expect((await broker.listOpenOrders()).orders).toEqual([]);
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
    expect((await broker.listOpenOrders()).orders).toMatchObject([{ status: 'pending_cancel' }]);
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
    expect((await broker.listOpenOrders()).orders).toEqual([]);
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
    expect((await broker.listOpenOrders()).orders).toEqual([]);
  });
});

describe('simulated broker: fills', () => {
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
