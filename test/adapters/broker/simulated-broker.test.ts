import { describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import type { BrokerOrderRequest } from '../../../shared/ports/broker';
import { ManualClock } from '../../support/fixtures';

const prices: Record<string, string> = { AAPL: '190.05', MSFT: '410' };
const broker = () => new SimulatedBroker({ priceOf: (s) => prices[s], clock: new ManualClock(), seed: 3 });
const market = (over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => ({
  clientOrderId: 'c-1',
  symbol: 'AAPL',
  side: 'buy',
  quantity: '10',
  orderType: 'market',
  timeInForce: 'day',
  ...over,
});

describe('simulated broker', () => {
  it('fills a market order at the current price in one fill with a trade id', async () => {
    const order = await broker().submitOrder(market());
    expect(order).toMatchObject({ status: 'filled', clientOrderId: 'c-1', fills: [{ quantity: '10', price: '190.05' }] });
    expect(order.fills[0]?.tradeId).toMatch(/^sim-3-1-1$/);
  });

  it('returns the first order for a repeated client order id and creates nothing new', async () => {
    const b = broker();
    const first = await b.submitOrder(market());
    const again = await b.submitOrder(market({ quantity: '999' }));
    expect(again).toEqual(first);
    expect(b.submittedOrderCount()).toBe(1);
    expect(b.submitCalls()).toBe(2);
    expect(await b.getPositions()).toEqual([{ symbol: 'AAPL', quantity: '10' }]);
  });

  it('fills a marketable limit order and rests one that is not', async () => {
    const b = broker();
    await expect(b.submitOrder(market({ clientOrderId: 'l1', orderType: 'limit', limitPrice: '190.05' }))).resolves.toMatchObject({ status: 'filled' });
    await expect(b.submitOrder(market({ clientOrderId: 'l2', orderType: 'limit', limitPrice: '190.04' }))).resolves.toMatchObject({ status: 'accepted', fills: [] });
    await expect(b.submitOrder(market({ clientOrderId: 'l3', side: 'sell', orderType: 'limit', limitPrice: '190.06' }))).resolves.toMatchObject({ status: 'accepted' });
  });

  it('keeps short positions signed and drops flat ones', async () => {
    const b = broker();
    await b.submitOrder(market({ clientOrderId: 's1', symbol: 'MSFT', side: 'sell', quantity: '2.5' }));
    await b.submitOrder(market({ clientOrderId: 'a1' }));
    await b.submitOrder(market({ clientOrderId: 'a2', side: 'sell' }));
    expect(await b.getPositions()).toEqual([{ symbol: 'MSFT', quantity: '-2.5' }]);
  });

  it('rejects an order for a symbol without a market', async () => {
    await expect(broker().submitOrder(market({ symbol: 'ZZZZ' }))).resolves.toMatchObject({ status: 'rejected', fills: [] });
  });

  it('fails every call while unreachable', async () => {
    const b = broker();
    b.setUnavailable(true);
    await expect(b.submitOrder(market())).rejects.toThrow(/unreachable/);
    await expect(b.getPositions()).rejects.toThrow(/unreachable/);
  });
});
