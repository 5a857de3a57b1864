// The broker used in AWS until a real adapter (Alpaca) is wired: every call fails, so the order function
// submits nothing and reconciliation reports BROKER_UNREACHABLE (fail closed, never "flat").
import { InfrastructureError } from '../../shared/errors/errors';
import type { Broker } from '../../shared/ports/broker';

const refuse = () => Promise.reject(new InfrastructureError('no broker adapter is configured in AWS yet', 'broker'));

export const unconfiguredBroker: Broker = { submitOrder: refuse, getOrderByClientOrderId: refuse, getPositions: refuse };
