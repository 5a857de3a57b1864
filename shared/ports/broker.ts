// The broker port: what the order and reconciliation functions need from a broker, in the broker's own
// terms but without its wire format. Submission is idempotent by client order id (= intent id): submitting
// the same id twice never creates a second order. Failures are BrokerCallError: `ambiguous` when the
// request may have taken effect (timeout, connection reset, 5xx, 429 after sending), `refused` when the
// broker answered definitely that it did not.
import type { BrokerAccount, BrokerFill, BrokerOrder, BrokerOrderRequest, BrokerPosition, BrokerUpdate, OpenBrokerOrders } from '../broker/broker-order';

export interface Broker {
  /** Idempotent by client order id: a repeat returns the order the first call created. */
  submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder>;
  /** The order with this client order id, or undefined when the broker definitely has none. */
  getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined>;
  /**
   * Every order that can still fill. One the port cannot represent is listed by its ids in `unrepresentable`:
   * it neither hides the others nor goes unreported.
   */
  listOpenOrders(): Promise<OpenBrokerOrders>;
  /** Requests a cancel; 'not-cancelable' when the order is already final (the broker refused, definitely). */
  cancelOrder(brokerOrderId: string): Promise<'requested' | 'not-cancelable'>;
  /** Requests a cancel of every open order; returns the ids the broker accepted the request for. */
  cancelAllOrders(): Promise<string[]>;
  /** Fills at or after `after` (ISO-8601), oldest first, optionally of one order only. */
  listFills(query: { after: string; brokerOrderId?: string }): Promise<BrokerFill[]>;
  getPositions(): Promise<BrokerPosition[]>;
  getAccount(): Promise<BrokerAccount>;
  /** Cancels every open order and closes every position at market (flatten). */
  closeAllPositions(): Promise<void>;
}

/** Every call of the port, by name (fault injection and delegating wrappers enumerate them). */
export const BROKER_CALL_NAMES = [
  'submitOrder',
  'getOrderByClientOrderId',
  'listOpenOrders',
  'cancelOrder',
  'cancelAllOrders',
  'listFills',
  'getPositions',
  'getAccount',
  'closeAllPositions',
] as const satisfies readonly (keyof Broker)[];
export type BrokerCallName = (typeof BROKER_CALL_NAMES)[number];

/** Receives the broker's order updates until closed; reconnects itself and reports gaps. */
export interface BrokerUpdateStream {
  start(handlers: {
    onUpdate: (update: BrokerUpdate) => void | Promise<void>;
    /** 'connected' after (re)authentication; 'disconnected' when updates may have been missed. */
    onStatus?: (status: 'connected' | 'disconnected', detail?: string) => void;
  }): Promise<void>;
  close(): Promise<void>;
}
