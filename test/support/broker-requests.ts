// Broker-port test helpers: an order request with the usual defaults, the BrokerCallError a call rejected
// with, and a broker that forwards to another except for the calls a test overrides.
import type { BrokerOrderRequest } from '../../shared/broker/broker-order';
import { BrokerCallError } from '../../shared/broker/broker-call-error';
import { expect } from 'vitest';
import { type Broker } from '../../shared/ports/broker';

/** A 10-share AAPL market buy, day order, under `clientOrderId`. */
export const marketRequest = (clientOrderId: string, over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => ({
  clientOrderId,
  symbol: 'AAPL',
  side: 'buy',
  quantity: '10',
  orderType: 'market',
  timeInForce: 'day',
  ...over,
});

/** The error a call rejected with; fails the test if it resolved or threw anything else. */
export const brokerFailureOf = async (call: Promise<unknown>): Promise<BrokerCallError> => {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerCallError);
    return error as BrokerCallError;
  }
  throw new Error('expected the call to fail');
};

/** A broker that forwards every call to `inner`, except the ones overridden. */
export const delegatingBroker = (inner: Broker, over: Partial<Broker>): Broker => ({
  submitOrder: (request) => inner.submitOrder(request),
  getOrderByClientOrderId: (id) => inner.getOrderByClientOrderId(id),
  listOpenOrders: () => inner.listOpenOrders(),
  cancelOrder: (id) => inner.cancelOrder(id),
  cancelAllOrders: () => inner.cancelAllOrders(),
  listFills: (query) => inner.listFills(query),
  getPositions: () => inner.getPositions(),
  getAccount: () => inner.getAccount(),
  closeAllPositions: () => inner.closeAllPositions(),
  ...over,
});
