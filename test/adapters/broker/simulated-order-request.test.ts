// What the simulated venue refuses: malformed requests are answered definitely and create nothing.
import { describe, expect, it } from 'vitest';
import type { BrokerOrderRequest } from '../../../shared/broker/broker-order';
import { failureOf, market, setup } from './simulated-broker-setup';

describe('simulated broker: refused requests', () => {
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
});
