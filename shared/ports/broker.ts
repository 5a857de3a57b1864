// The broker port. Submission is idempotent by client order id (= intent id): submitting the same id twice
// returns the first order, never a second one.
export interface BrokerOrderRequest {
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  orderType: 'market' | 'limit';
  limitPrice?: string;
  timeInForce: 'day' | 'gtc' | 'ioc';
}

export interface BrokerFill {
  /** The broker's execution id: fills are applied exactly once per trade id. */
  tradeId: string;
  quantity: string;
  price: string;
  at: string;
}

export type BrokerOrderStatus = 'accepted' | 'partially_filled' | 'filled' | 'rejected';

export interface BrokerOrder {
  brokerOrderId: string;
  clientOrderId: string;
  status: BrokerOrderStatus;
  fills: BrokerFill[];
  rejectReason?: string;
}

export interface BrokerPosition {
  symbol: string;
  /** Signed: negative is short. */
  quantity: string;
}

export interface Broker {
  submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder>;
  /** The order with this client order id, or undefined when the broker has none (a definite answer). */
  getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined>;
  getPositions(): Promise<BrokerPosition[]>;
}
