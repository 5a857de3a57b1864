// The broker's side of an order, in the broker's own terms but without its wire format: what was requested,
// the order as the broker holds it, its executions, positions, account and the update stream's messages.
// Leaf types shared by the broker port, the order lifecycle, the order-queue messages and reconciliation.

export interface BrokerOrderRequest {
  /** At most 48 characters (Alpaca's limit). */
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  orderType: 'market' | 'limit';
  limitPrice?: string;
  timeInForce: 'day' | 'gtc' | 'ioc';
}

/**
 * The broker's order status, normalised: `accepted` covers every live state before a fill (new,
 * pending_new, accepted, accepted_for_bidding, calculated, done_for_day, ...), `canceled` also covers
 * replaced, `rejected` also covers suspended.
 */
export const BROKER_ORDER_STATUSES = ['accepted', 'partially_filled', 'filled', 'pending_cancel', 'canceled', 'expired', 'rejected'] as const;
export type BrokerOrderStatus = (typeof BROKER_ORDER_STATUSES)[number];

/** Statuses in which the order can still fill. */
export const isLiveBrokerStatus = (status: BrokerOrderStatus): boolean =>
  status === 'accepted' || status === 'partially_filled' || status === 'pending_cancel';

/** The order as the broker holds it: what was requested, plus the broker's id and progress. */
export interface BrokerOrder extends BrokerOrderRequest {
  brokerOrderId: string;
  status: BrokerOrderStatus;
  /** Cumulative quantity filled so far, as the broker reports it. */
  filledQuantity: string;
  /** Average price of the filled quantity; absent while nothing has filled. */
  filledAvgPrice?: string;
  /** ISO-8601 UTC. */
  submittedAt: string;
  updatedAt: string;
  rejectReason?: string;
}

/**
 * An open order the broker holds but the port cannot represent (a stop or trailing order, a bracket or OCO
 * leg, a multi-leg order, an order class or status this model does not know). It is named by its ids, with
 * the reason, so that it is reported instead of being read as "no order".
 */
export interface UnrepresentableBrokerOrder {
  brokerOrderId: string;
  clientOrderId?: string;
  symbol?: string;
  reason: string;
}

/** Every order that can still fill: the ones the port represents, and the ids of the ones it cannot. */
export interface OpenBrokerOrders {
  orders: BrokerOrder[];
  unrepresentable: UnrepresentableBrokerOrder[];
}

/**
 * One execution. The ledger keys fills by (brokerOrderId, cumulativeQuantity): each execution of an order
 * ends at a distinct cumulative quantity, and that key is the same whichever source reported it (the
 * update stream or the REST fill activities), even where the two use different execution ids.
 */
export interface BrokerFill {
  /** The broker's id for the execution (kept for the audit trail). */
  executionId: string;
  brokerOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
  /** The order's filled quantity including this execution. */
  cumulativeQuantity: string;
  at: string;
}

export interface BrokerPosition {
  symbol: string;
  /** Signed: negative is short. */
  quantity: string;
  avgEntryPrice?: string;
}

export interface BrokerAccount {
  cash: string;
  equity: string;
  buyingPower: string;
  /** True when the broker blocks trading on the account (e.g. pattern day trader, account restricted). */
  tradingBlocked: boolean;
}

/** One message of the broker's order-update stream (Alpaca `trade_updates`), normalised. */
export interface BrokerUpdate {
  /**
   * The broker's event name (new, fill, partial_fill, canceled, expired, rejected, pending_cancel, ...), or
   * the adapter's name for an order's state read back through the broker's API after the stream was away.
   */
  event: string;
  order: BrokerOrder;
  /** Present for fill and partial_fill events. */
  fill?: BrokerFill;
  at: string;
}
