// Alpaca Trading API v2 wire format: zod schemas for the JSON Alpaca sends and pure mappings to the broker
// port. Invariants: quantities and prices stay decimal strings end to end (never JS numbers), timestamps leave
// as canonical ISO-8601 UTC (`Date.toISOString()` form), and anything unexpected — an unknown status, a
// non-decimal quantity, an order shape the port cannot represent — fails with InvalidInputError naming the
// field, never a silent default. An order the port cannot represent is still named (readOrder), so a listing
// can report it instead of failing whole or leaving it out.
import type {
  BrokerAccount,
  BrokerFill,
  BrokerOrder,
  BrokerOrderRequest,
  BrokerOrderStatus,
  BrokerPosition,
  BrokerUpdate,
  UnrepresentableBrokerOrder,
} from '../../../shared/broker/broker-order';
import * as z from 'zod';
import { InvalidInputError } from '../../../shared/errors/errors';
import { DecimalStringSchema } from '../../../shared/money/decimal';
import { isoToEpochMs } from '../../../shared/time/iso-time';

/** Alpaca's limit on client order ids. */
export const MAX_CLIENT_ORDER_ID_LENGTH = 48;

/** Wire values are not secrets, but an error message should stay one line: show at most this much. */
const shown = (value: unknown): string => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

// ---------------------------------------------------------------------------------------------------------
// Scalars

/** A decimal string as the system stores it (see DecimalStringSchema), kept exactly as Alpaca wrote it. */
export const AlpacaDecimalSchema = z
  .string({ error: 'must be a decimal string' })
  .refine((text) => DecimalStringSchema.safeParse(text).success, {
    error: (issue) => `must be a decimal string such as "12.50", got ${shown(issue.input)}`,
  });

// Alpaca writes RFC 3339 with 0–9 fractional digits ("2021-03-16T18:38:01.942282Z", sometimes an offset).
const RFC3339 = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Epoch milliseconds of an Alpaca timestamp (sub-millisecond digits truncated), or NaN when it is not an
 * RFC 3339 instant or names an impossible date.
 */
export const alpacaTimeToEpochMs = (text: string): number => {
  const match = RFC3339.exec(text);
  if (!match) return Number.NaN;
  const [, date, time, fraction = '', zone] = match;
  const canonical = `${date}T${time}.${fraction.slice(0, 3).padEnd(3, '0')}${zone}`;
  // A UTC value is read strictly (2021-02-30 is NaN, not March); an offset goes to Date.parse.
  return zone === 'Z' ? isoToEpochMs(canonical) : Date.parse(canonical);
};

/** An Alpaca timestamp, normalised to `Date.toISOString()` form (the form the rest of the system writes). */
export const AlpacaTimestampSchema = z.string({ error: 'must be an RFC 3339 timestamp' }).transform((text, ctx) => {
  const ms = alpacaTimeToEpochMs(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: `must be an RFC 3339 timestamp, got ${shown(text)}` });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

// ---------------------------------------------------------------------------------------------------------
// Order status

/**
 * Every order status Alpaca documents, mapped onto the port's. `held` (a bracket leg waiting for its
 * parent) is live before any fill, like `new`. A status missing here fails parsing: mapping an unknown one
 * to anything would be a guess about whether the order can still fill.
 */
export const ALPACA_ORDER_STATUS_MAP = {
  new: 'accepted',
  pending_new: 'accepted',
  accepted: 'accepted',
  accepted_for_bidding: 'accepted',
  calculated: 'accepted',
  done_for_day: 'accepted',
  stopped: 'accepted',
  pending_replace: 'accepted',
  held: 'accepted',
  partially_filled: 'partially_filled',
  filled: 'filled',
  pending_cancel: 'pending_cancel',
  canceled: 'canceled',
  replaced: 'canceled',
  expired: 'expired',
  rejected: 'rejected',
  suspended: 'rejected',
} as const satisfies Record<string, BrokerOrderStatus>;

export type AlpacaOrderStatus = keyof typeof ALPACA_ORDER_STATUS_MAP;
const ALPACA_ORDER_STATUSES = Object.keys(ALPACA_ORDER_STATUS_MAP) as [AlpacaOrderStatus, ...AlpacaOrderStatus[]];

export const AlpacaOrderStatusSchema = z.enum(ALPACA_ORDER_STATUSES, {
  error: (issue) => `unknown Alpaca order status ${shown(issue.input)}`,
});

export const normaliseOrderStatus = (status: AlpacaOrderStatus): BrokerOrderStatus => ALPACA_ORDER_STATUS_MAP[status];

// ---------------------------------------------------------------------------------------------------------
// Schemas

const nullableDecimal = AlpacaDecimalSchema.nullish();
const nullableTimestamp = AlpacaTimestampSchema.nullish();

/** An order as GET/POST /v2/orders return it. Fields the port does not use are kept loose on purpose. */
export const AlpacaOrderSchema = z.object({
  id: z.string().min(1),
  client_order_id: z.string(),
  created_at: AlpacaTimestampSchema,
  updated_at: nullableTimestamp,
  submitted_at: nullableTimestamp,
  filled_at: nullableTimestamp,
  expired_at: nullableTimestamp,
  canceled_at: nullableTimestamp,
  failed_at: nullableTimestamp,
  asset_id: z.string().nullish(),
  symbol: z.string().min(1),
  asset_class: z.string().nullish(),
  /** Null for notional (dollar-amount) orders. */
  qty: nullableDecimal,
  notional: nullableDecimal,
  filled_qty: AlpacaDecimalSchema,
  filled_avg_price: nullableDecimal,
  /** '' or 'simple' for a plain order; bracket, oco, oto and mleg orders have legs the port cannot represent. */
  order_class: z.string().nullish(),
  /** Null unless the listing was asked to nest a multi-leg order's legs under it. */
  legs: z.array(z.unknown()).nullish(),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
  side: z.enum(['buy', 'sell']),
  time_in_force: z.enum(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']),
  limit_price: nullableDecimal,
  stop_price: nullableDecimal,
  status: AlpacaOrderStatusSchema,
  extended_hours: z.boolean().nullish(),
});
export type AlpacaOrder = z.infer<typeof AlpacaOrderSchema>;

export const AlpacaPositionSchema = z.object({
  symbol: z.string().min(1),
  /** Alpaca signs it already (negative for a short); `side` is checked against the sign. */
  qty: AlpacaDecimalSchema,
  side: z.enum(['long', 'short']),
  avg_entry_price: nullableDecimal,
  asset_class: z.string().nullish(),
});
export type AlpacaPosition = z.infer<typeof AlpacaPositionSchema>;

export const AlpacaAccountSchema = z.object({
  status: z.string().nullish(),
  currency: z.string().nullish(),
  cash: AlpacaDecimalSchema,
  equity: AlpacaDecimalSchema,
  buying_power: AlpacaDecimalSchema,
  trading_blocked: z.boolean(),
  account_blocked: z.boolean(),
  trade_suspended_by_user: z.boolean().nullish(),
});
export type AlpacaAccount = z.infer<typeof AlpacaAccountSchema>;

/** One entry of GET /v2/account/activities/FILL. */
export const AlpacaFillActivitySchema = z.object({
  activity_type: z.literal('FILL'),
  id: z.string().min(1),
  order_id: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(['buy', 'sell', 'sell_short']),
  qty: AlpacaDecimalSchema,
  price: AlpacaDecimalSchema,
  cum_qty: AlpacaDecimalSchema,
  leaves_qty: nullableDecimal,
  transaction_time: AlpacaTimestampSchema,
  type: z.enum(['fill', 'partial_fill']).nullish(),
  order_status: z.string().nullish(),
});
export type AlpacaFillActivity = z.infer<typeof AlpacaFillActivitySchema>;

/** The `data` of a `trade_updates` stream message. */
export const AlpacaTradeUpdateSchema = z.object({
  event: z.string().min(1),
  execution_id: z.string().nullish(),
  order: AlpacaOrderSchema,
  timestamp: nullableTimestamp,
  price: nullableDecimal,
  qty: nullableDecimal,
  position_qty: nullableDecimal,
});
export type AlpacaTradeUpdate = z.infer<typeof AlpacaTradeUpdateSchema>;

/** Every message on wss://…/stream, told apart by `stream` (the error frame is read apart, see parseStreamMessage). */
export const AlpacaStreamMessageSchema = z.discriminatedUnion(
  'stream',
  [
    z.object({
      stream: z.literal('authorization'),
      data: z.object({ status: z.string(), action: z.string().nullish(), message: z.string().nullish() }),
    }),
    z.object({ stream: z.literal('listening'), data: z.object({ streams: z.array(z.string()) }) }),
    z.object({ stream: z.literal('trade_updates'), data: AlpacaTradeUpdateSchema }),
  ],
  { error: (issue) => `unknown stream message (stream ${shown((issue.input as { stream?: unknown } | undefined)?.stream)})` },
);

/**
 * The broker's error frame, `{"action":"error","data":{"error_message":"..."}}` (some servers say
 * `"stream":"error"`, or put the text in `message`). Any shape of `data` is accepted: the frame is the error.
 */
const ErrorDetailObjectSchema = z.object({
  error_message: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  code: z.union([z.number(), z.string()]).optional(),
});
type ErrorDetail = z.infer<typeof ErrorDetailObjectSchema>;
const ErrorDetailSchema = z
  .union([ErrorDetailObjectSchema, z.string().transform((message): ErrorDetail => ({ message }))])
  .catch({});
export const AlpacaStreamErrorSchema = z.union([
  z.object({ action: z.literal('error'), data: ErrorDetailSchema.nullish() }),
  z.object({ stream: z.literal('error'), data: ErrorDetailSchema.nullish() }),
]);

export type AlpacaStreamMessage = z.infer<typeof AlpacaStreamMessageSchema> | { stream: 'error'; data: { message: string } };

/** Alpaca's error body. `code` is an 8-digit number such as 40010001 (which covers many 422s). */
export const AlpacaErrorSchema = z.object({
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string(),
});
export type AlpacaError = z.infer<typeof AlpacaErrorSchema>;

/** One entry of the 207 Multi-Status answer to DELETE /v2/orders. */
export const AlpacaCancelResultSchema = z.object({ id: z.string().min(1), status: z.number().int(), body: z.unknown().optional() });
export type AlpacaCancelResult = z.infer<typeof AlpacaCancelResultSchema>;

/** One entry of the 207 Multi-Status answer to DELETE /v2/positions. */
export const AlpacaCloseResultSchema = z.object({ symbol: z.string().min(1), status: z.number().int(), body: z.unknown().optional() });
export type AlpacaCloseResult = z.infer<typeof AlpacaCloseResultSchema>;

/** The JSON body of POST /v2/orders. */
export interface AlpacaOrderBody {
  symbol: string;
  qty: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  time_in_force: 'day' | 'gtc' | 'ioc';
  limit_price?: string;
  client_order_id: string;
}

// ---------------------------------------------------------------------------------------------------------
// Parsing and mapping

const invalid = (path: string, rule: string): InvalidInputError => new InvalidInputError([{ path, rule }]);

/** Parses `value` with `schema`; a mismatch throws InvalidInputError with one issue per field (`what.path`). */
export const parseWire = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues.map((issue) => ({
      path: [what, ...issue.path.map(String)].join('.'),
      rule: issue.message,
    })),
  );
};

const SUPPORTED_TYPES = new Set(['market', 'limit']);
const SUPPORTED_TIME_IN_FORCE = new Set(['day', 'gtc', 'ioc']);
const SIMPLE_ORDER_CLASSES = new Set(['', 'simple']);

/**
 * An Alpaca order in the port's terms. Orders the port cannot represent (notional, stop, trailing, opg/cls/fok,
 * a leg of a bracket, OCO or OTO order, a multi-leg order) throw instead of being approximated: this system
 * never submits them, and a leg read as a plain order would lose the condition that ties it to the others.
 */
export const toBrokerOrder = (order: AlpacaOrder): BrokerOrder => {
  if (order.order_class != null && !SIMPLE_ORDER_CLASSES.has(order.order_class)) {
    throw invalid('order.order_class', `unsupported order class ${shown(order.order_class)} (order ${order.id}); only simple orders are supported`);
  }
  if (order.legs != null && order.legs.length > 0) throw invalid('order.legs', `has ${order.legs.length} leg(s) (order ${order.id}); only single orders are supported`);
  if (order.qty == null) throw invalid('order.qty', `is null (notional order ${order.id}); only quantity orders are supported`);
  if (!SUPPORTED_TYPES.has(order.type)) throw invalid('order.type', `unsupported order type ${shown(order.type)} (order ${order.id})`);
  if (!SUPPORTED_TIME_IN_FORCE.has(order.time_in_force)) {
    throw invalid('order.time_in_force', `unsupported time in force ${shown(order.time_in_force)} (order ${order.id})`);
  }
  if (order.type === 'limit' && order.limit_price == null) throw invalid('order.limit_price', `is missing on limit order ${order.id}`);
  const submittedAt = order.submitted_at ?? order.created_at;
  return {
    brokerOrderId: order.id,
    clientOrderId: order.client_order_id,
    symbol: order.symbol,
    side: order.side,
    quantity: order.qty,
    orderType: order.type as BrokerOrder['orderType'],
    ...(order.type === 'limit' && order.limit_price != null ? { limitPrice: order.limit_price } : {}),
    timeInForce: order.time_in_force as BrokerOrder['timeInForce'],
    status: normaliseOrderStatus(order.status),
    filledQuantity: order.filled_qty,
    ...(order.filled_avg_price != null ? { filledAvgPrice: order.filled_avg_price } : {}),
    submittedAt,
    updatedAt: order.updated_at ?? submittedAt,
  };
};

export const parseOrder = (json: unknown): BrokerOrder => toBrokerOrder(parseWire(AlpacaOrderSchema, json, 'order'));

/** An order read from the wire: in the port's terms, or named with the reason the port cannot represent it. */
export type OrderReading =
  | { ok: true; order: BrokerOrder }
  | { ok: false; unrepresentable: UnrepresentableBrokerOrder; submittedAt: string | undefined };

/** What names an order, read leniently: it must be readable even when the rest of the order is not. */
const AlpacaOrderIdentitySchema = z.object({
  id: z.string().min(1),
  client_order_id: z.string().min(1).optional().catch(undefined),
  symbol: z.string().min(1).optional().catch(undefined),
  submitted_at: AlpacaTimestampSchema.optional().catch(undefined),
  created_at: AlpacaTimestampSchema.optional().catch(undefined),
});

/**
 * One order of a listing or a lookup. An order without a readable id throws (InvalidInputError): it could not
 * even be reported, so the answer as a whole is unusable.
 */
export const readOrder = (json: unknown, what = 'order'): OrderReading => {
  const identity = parseWire(AlpacaOrderIdentitySchema, json, what);
  try {
    return { ok: true, order: parseOrder(json) };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return {
      ok: false,
      unrepresentable: {
        brokerOrderId: identity.id,
        ...(identity.client_order_id !== undefined ? { clientOrderId: identity.client_order_id } : {}),
        ...(identity.symbol !== undefined ? { symbol: identity.symbol } : {}),
        reason: error.issues.map((issue) => `${issue.path}: ${issue.rule}`).join('; '),
      },
      submittedAt: identity.submitted_at ?? identity.created_at,
    };
  }
};

/** A page of GET /v2/orders, each order read on its own. */
export const readOrders = (json: unknown): OrderReading[] =>
  parseWire(z.array(z.unknown()), json, 'orders').map((item, index) => readOrder(item, `orders.${index}`));

const isNegative = (decimal: string): boolean => decimal.startsWith('-') && /[1-9]/.test(decimal);

/** Signed quantity: Alpaca sends shorts negative already; a positive short is negated, a negative long refused. */
export const toBrokerPosition = (position: AlpacaPosition): BrokerPosition => {
  let quantity = position.qty;
  if (position.side === 'short' && !isNegative(quantity) && /[1-9]/.test(quantity)) quantity = `-${quantity}`;
  if (position.side === 'long' && isNegative(quantity)) {
    throw invalid('position.qty', `is negative (${shown(quantity)}) on a long position in ${position.symbol}`);
  }
  return {
    symbol: position.symbol,
    quantity,
    ...(position.avg_entry_price != null ? { avgEntryPrice: position.avg_entry_price } : {}),
  };
};

export const parsePositions = (json: unknown): BrokerPosition[] =>
  parseWire(z.array(AlpacaPositionSchema), json, 'positions').map(toBrokerPosition);

/** Trading is blocked when Alpaca blocks the account or trading, or the user suspended trading. */
export const toBrokerAccount = (account: AlpacaAccount): BrokerAccount => ({
  cash: account.cash,
  equity: account.equity,
  buyingPower: account.buying_power,
  tradingBlocked: account.trading_blocked || account.account_blocked || account.trade_suspended_by_user === true,
});

export const parseAccount = (json: unknown): BrokerAccount => toBrokerAccount(parseWire(AlpacaAccountSchema, json, 'account'));

/** A short sale is a sell to the port: the position's sign carries the short. */
export const toBrokerFill = (activity: AlpacaFillActivity): BrokerFill => ({
  executionId: activity.id,
  brokerOrderId: activity.order_id,
  symbol: activity.symbol,
  side: activity.side === 'buy' ? 'buy' : 'sell',
  quantity: activity.qty,
  price: activity.price,
  cumulativeQuantity: activity.cum_qty,
  at: activity.transaction_time,
});

export const parseFillActivities = (json: unknown): BrokerFill[] =>
  parseWire(z.array(AlpacaFillActivitySchema), json, 'activities').map(toBrokerFill);

const FILL_EVENTS = new Set(['fill', 'partial_fill']);

/** A trade update in the port's terms; fill and partial_fill carry the execution. */
export const toBrokerUpdate = (update: AlpacaTradeUpdate): BrokerUpdate => {
  const order = toBrokerOrder(update.order);
  const at = update.timestamp ?? order.updatedAt;
  if (!FILL_EVENTS.has(update.event)) return { event: update.event, order, at };
  const missing = (['execution_id', 'qty', 'price'] as const).filter((field) => update[field] == null);
  if (missing.length > 0) {
    throw new InvalidInputError(missing.map((field) => ({ path: `trade_update.${field}`, rule: `is required on a ${update.event} event` })));
  }
  const fill: BrokerFill = {
    executionId: update.execution_id as string,
    brokerOrderId: order.brokerOrderId,
    symbol: order.symbol,
    side: order.side,
    quantity: update.qty as string,
    price: update.price as string,
    cumulativeQuantity: order.filledQuantity,
    at,
  };
  return { event: update.event, order, fill, at };
};

const describeStreamError = (detail: ErrorDetail | null | undefined): string => {
  const text = detail?.error_message ?? detail?.message ?? detail?.error ?? 'no message';
  return detail?.code !== undefined ? `${text} (code ${detail.code})` : text;
};

/** One stream message; the error frame becomes `{stream: 'error', data: {message}}`. */
export const parseStreamMessage = (json: unknown): AlpacaStreamMessage => {
  const error = AlpacaStreamErrorSchema.safeParse(json);
  if (error.success) return { stream: 'error', data: { message: describeStreamError(error.data.data) } };
  return parseWire(AlpacaStreamMessageSchema, json, 'message');
};

/** The POST /v2/orders body for a port request (validated by the caller). */
export const toOrderBody = (request: BrokerOrderRequest): AlpacaOrderBody => ({
  symbol: request.symbol,
  qty: request.quantity,
  side: request.side,
  type: request.orderType,
  time_in_force: request.timeInForce,
  ...(request.orderType === 'limit' && request.limitPrice !== undefined ? { limit_price: request.limitPrice } : {}),
  client_order_id: request.clientOrderId,
});

/**
 * The port request's problems before anything is sent, as `path: rule` issues (empty when fine). Alpaca
 * would refuse these too, but only after a round trip and a rate-limit token.
 */
export const orderRequestIssues = (request: BrokerOrderRequest): { path: string; rule: string }[] => {
  const issues: { path: string; rule: string }[] = [];
  const id = request.clientOrderId;
  if (typeof id !== 'string' || id.length === 0) issues.push({ path: 'clientOrderId', rule: 'is required' });
  else if (id.length > MAX_CLIENT_ORDER_ID_LENGTH) {
    issues.push({ path: 'clientOrderId', rule: `must be at most ${MAX_CLIENT_ORDER_ID_LENGTH} characters (got ${id.length})` });
  }
  if (typeof request.symbol !== 'string' || request.symbol.length === 0) issues.push({ path: 'symbol', rule: 'is required' });
  const positive = (text: unknown): boolean => typeof text === 'string' && DecimalStringSchema.safeParse(text).success && /[1-9]/.test(text) && !text.startsWith('-');
  if (!positive(request.quantity)) issues.push({ path: 'quantity', rule: `must be a positive decimal string, got ${shown(request.quantity)}` });
  if (request.orderType === 'limit' && !positive(request.limitPrice)) {
    issues.push({ path: 'limitPrice', rule: `must be a positive decimal string on a limit order, got ${shown(request.limitPrice)}` });
  }
  if (request.orderType === 'market' && request.limitPrice !== undefined) issues.push({ path: 'limitPrice', rule: 'must be absent on a market order' });
  return issues;
};
