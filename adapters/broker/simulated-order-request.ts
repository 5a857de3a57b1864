// What the simulated venue refuses, as Alpaca would: a malformed order request or query is answered
// definitely (422, 'refused') and changes nothing.
import type { BrokerOrderRequest } from '../../shared/broker/broker-order';
import { BrokerCallError } from '../../shared/broker/broker-call-error';
import { PositiveDecimalStringSchema } from '../../shared/money/decimal';

const MAX_CLIENT_ORDER_ID = 48;

export const refused = (message: string): BrokerCallError =>
  new BrokerCallError(`simulated broker refused the request: ${message}`, 'refused', { status: 422 });

const isPositiveDecimal = (value: unknown): value is string => PositiveDecimalStringSchema.safeParse(value).success;

/** Throws the refusal for the first thing wrong with the request. */
export const validateOrderRequest = (request: BrokerOrderRequest): void => {
  const id: unknown = request.clientOrderId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CLIENT_ORDER_ID) {
    throw refused(`client order id must be 1 to ${MAX_CLIENT_ORDER_ID} characters`);
  }
  if (typeof request.symbol !== 'string' || request.symbol.length === 0) throw refused('symbol is required');
  if (request.side !== 'buy' && request.side !== 'sell') throw refused(`side must be buy or sell`);
  if (!isPositiveDecimal(request.quantity)) throw refused('quantity must be a decimal string greater than zero');
  if (request.timeInForce !== 'day' && request.timeInForce !== 'gtc' && request.timeInForce !== 'ioc') {
    throw refused('time in force must be day, gtc or ioc');
  }
  if (request.orderType === 'limit') {
    if (!isPositiveDecimal(request.limitPrice)) throw refused('a limit order needs a limit price greater than zero');
  } else if (request.orderType === 'market') {
    if (request.limitPrice !== undefined) throw refused('a market order takes no limit price');
  } else {
    throw refused('order type must be market or limit');
  }
};
