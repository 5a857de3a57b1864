// The broker port: what the order and reconciliation functions need from a broker, in the broker's own
// terms but without its wire format. Submission is idempotent by client order id (= intent id): submitting
// the same id twice never creates a second order. Failures are BrokerCallError: `ambiguous` when the
// request may have taken effect (timeout, connection reset, 5xx, 429 after sending), `refused` when the
// broker answered definitely that it did not.
import { InfrastructureError } from '../errors/errors';

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
  /** The broker's event name (new, fill, partial_fill, canceled, expired, rejected, pending_cancel, ...). */
  event: string;
  order: BrokerOrder;
  /** Present for fill and partial_fill events. */
  fill?: BrokerFill;
  at: string;
}

export interface Broker {
  /** Idempotent by client order id: a repeat returns the order the first call created. */
  submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder>;
  /** The order with this client order id, or undefined when the broker definitely has none. */
  getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined>;
  /** Every order that can still fill. */
  listOpenOrders(): Promise<BrokerOrder[]>;
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

export type BrokerCallOutcome = 'ambiguous' | 'refused';

/**
 * A broker call that did not return a result. `ambiguous`: it may have taken effect, so the caller must
 * query before deciding anything (an order stays in flight). `refused`: the broker answered definitely
 * (4xx other than 429), so nothing happened.
 */
export class BrokerCallError extends InfrastructureError {
  override readonly name = 'BrokerCallError';
  constructor(
    message: string,
    readonly outcome: BrokerCallOutcome,
    readonly detail: { status?: number; code?: string; retryAfterMs?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(message, 'broker', options);
  }
}
