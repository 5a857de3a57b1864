// The simulated broker as a whole: submission through the port, copies at its boundary, and one seed
// giving one history.
import { describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { ManualClock } from '../../support/fixtures';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import { T0, events, limit, market, setup } from './simulated-broker-setup';

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

  it('creates a rejected order with a reason for a symbol without a market', async () => {
    const { broker, updates } = setup();
    const order = await broker.submitOrder(market({ symbol: 'ZZZZ' }));
    expect(order).toMatchObject({ status: 'rejected', rejectReason: 'no market in ZZZZ', filledQuantity: '0' });
    expect(order.filledAvgPrice).toBeUndefined();
    expect(events(updates)).toEqual(['rejected:rejected']);
    expect((await broker.listOpenOrders()).orders).toEqual([]);
    expect(broker.submittedOrderCount()).toBe(1);
  });
});

describe('simulated broker: isolation', () => {
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
