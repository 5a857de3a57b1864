// Broker-port test helpers shared by the adapter tests: an order request with the usual defaults, and the
// BrokerCallError a call rejected with.
import { expect } from 'vitest';
import { BrokerCallError, type BrokerOrderRequest } from '../../shared/ports/broker';

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
