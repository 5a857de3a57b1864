// The broker used in AWS until a real adapter (Alpaca) is wired: every call fails as an ambiguous broker
// error, so the order function submits nothing and reconciliation reports BROKER_UNREACHABLE (fail closed,
// never "flat").
import { BrokerCallError, type Broker } from '../../shared/ports/broker';

const refuse = () => Promise.reject(new BrokerCallError('no broker adapter is configured in AWS yet', 'ambiguous'));

export const unconfiguredBroker: Broker = {
  submitOrder: refuse,
  getOrderByClientOrderId: refuse,
  listOpenOrders: refuse,
  cancelOrder: refuse,
  cancelAllOrders: refuse,
  listFills: refuse,
  getPositions: refuse,
  getAccount: refuse,
  closeAllPositions: refuse,
};
