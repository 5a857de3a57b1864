// The simulated venue's accounting: signed positions with entry prices, exact cash, equity at venue
// prices, and the worst-case gross exposure and its peak.
import { describe, expect, it } from 'vitest';
import { toDecimalString } from '../../../shared/money/decimal';
import { limit, market, setup } from './simulated-broker-setup';

describe('simulated broker: positions and account', () => {
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
