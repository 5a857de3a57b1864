// What the simulated broker's tests share: a seeded broker over two priced symbols with every update
// recorded, order requests with the usual defaults, and small readers of its updates and open orders.
import { SimulatedBroker, type SimulatedBrokerOptions } from '../../../adapters/broker/simulated-broker';
import type { BrokerOrderRequest, BrokerUpdate } from '../../../shared/broker/broker-order';
import { brokerFailureOf, marketRequest } from '../../support/broker-requests';
import { ManualClock } from '../../support/fixtures';

export const T0 = '2026-11-23T15:00:00.000Z';

export const setup = (over: Partial<SimulatedBrokerOptions> = {}) => {
  const prices: Record<string, string | undefined> = { AAPL: '190.05', MSFT: '410' };
  const clock = new ManualClock();
  const broker = new SimulatedBroker({ priceOf: (s) => prices[s], clock, seed: 3, ...over });
  const updates: BrokerUpdate[] = [];
  broker.subscribe((u) => updates.push(u));
  return { broker, prices, clock, updates };
};

export const market = (over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest => marketRequest('c-1', over);

export const limit = (limitPrice: string, over: Partial<BrokerOrderRequest> = {}): BrokerOrderRequest =>
  market({ orderType: 'limit', limitPrice, ...over });

export const failureOf = brokerFailureOf;

export const events = (updates: BrokerUpdate[]) => updates.map((u) => `${u.event}:${u.order.status}`);

/** Advances until the order is final (bounded, so a bug cannot loop forever). */
export const advanceUntilFinal = async (broker: SimulatedBroker, brokerOrderId: string) => {
  for (let i = 0; i < 50 && (await broker.listOpenOrders()).orders.some((o) => o.brokerOrderId === brokerOrderId); i++) broker.advance();
};
