// The fake Alpaca's JSON shapes, as Alpaca's Trading API v2 documents them: orders, FILL activities,
// positions, the account and error bodies, and its timestamps (RFC 3339 with microseconds). Pure data and
// helpers shared by the fake's REST side (fake-alpaca.ts) and its stream (fake-alpaca-stream.ts).
import { randomUUID } from 'node:crypto';
import { dec, toDecimalString } from '../../shared/money/decimal';

export type WireOrder = {
  id: string;
  client_order_id: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  expired_at: string | null;
  canceled_at: string | null;
  failed_at: string | null;
  replaced_at: string | null;
  replaced_by: string | null;
  replaces: string | null;
  asset_id: string;
  symbol: string;
  asset_class: string;
  notional: string | null;
  qty: string | null;
  filled_qty: string;
  filled_avg_price: string | null;
  order_class: string;
  order_type: string;
  type: string;
  side: string;
  position_intent: string;
  time_in_force: string;
  limit_price: string | null;
  stop_price: string | null;
  status: string;
  extended_hours: boolean;
  legs: WireOrder[] | null;
  trail_percent: string | null;
  trail_price: string | null;
  hwm: string | null;
};

export type WireFillActivity = {
  activity_type: 'FILL';
  id: string;
  cum_qty: string;
  leaves_qty: string;
  price: string;
  qty: string;
  side: string;
  symbol: string;
  transaction_time: string;
  order_id: string;
  type: 'fill' | 'partial_fill';
  order_status: string;
};

export type WireAccount = Record<string, string | number | boolean | null>;

/** The statuses GET /v2/orders?status=open lists. */
export const OPEN_STATUSES = new Set([
  'new',
  'partially_filled',
  'done_for_day',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'pending_cancel',
  'pending_replace',
  'stopped',
  'calculated',
  'held',
]);

export const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export const alpacaError = (code: number, message: string) => ({ code, message });

/** RFC 3339 with microseconds → epoch microseconds (exact for what this fake writes and Alpaca accepts). */
export const toMicros = (text: string): number => {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return Number.NaN;
  const fraction = (match[2] ?? '').padEnd(6, '0');
  return Date.parse(`${match[1]}.${fraction.slice(0, 3)}${match[3]}`) * 1000 + Number(fraction.slice(3, 6));
};

/** A plain 10-share AAPL market buy, status `new`, stamped `at`, with `over` applied. */
export const wireOrder = (at: string, over: Partial<WireOrder> = {}): WireOrder => ({
  id: randomUUID(),
  client_order_id: randomUUID(),
  created_at: at,
  updated_at: at,
  submitted_at: at,
  filled_at: null,
  expired_at: null,
  canceled_at: null,
  failed_at: null,
  replaced_at: null,
  replaced_by: null,
  replaces: null,
  asset_id: 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415',
  symbol: 'AAPL',
  asset_class: 'us_equity',
  notional: null,
  qty: '10',
  filled_qty: '0',
  filled_avg_price: null,
  order_class: '',
  order_type: 'market',
  type: 'market',
  side: 'buy',
  position_intent: 'buy_to_open',
  time_in_force: 'day',
  limit_price: null,
  stop_price: null,
  status: 'new',
  extended_hours: false,
  legs: null,
  trail_percent: null,
  trail_price: null,
  hwm: null,
  ...over,
});

export const defaultAccount = (): WireAccount => ({
  id: 'e6fe16f3-64a4-4921-8928-cadf02f92f98',
  account_number: 'PA2FAKE00001',
  status: 'ACTIVE',
  crypto_status: 'ACTIVE',
  currency: 'USD',
  cash: '100000',
  portfolio_value: '100000',
  equity: '100000',
  last_equity: '100000',
  buying_power: '200000',
  regt_buying_power: '200000',
  daytrading_buying_power: '0',
  non_marginable_buying_power: '100000',
  long_market_value: '0',
  short_market_value: '0',
  initial_margin: '0',
  maintenance_margin: '0',
  last_maintenance_margin: '0',
  sma: '0',
  multiplier: '2',
  daytrade_count: 0,
  pattern_day_trader: false,
  trading_blocked: false,
  transfers_blocked: false,
  account_blocked: false,
  trade_suspended_by_user: false,
  shorting_enabled: true,
  created_at: '2024-01-02T15:00:00.000000Z',
});

export const wirePosition = (symbol: string, qty: string, avgEntryPrice: string) => {
  const quantity = dec(qty);
  const costBasis = toDecimalString(quantity.times(avgEntryPrice));
  return {
    asset_id: '904837e3-3b76-47ec-b432-046db621571b',
    symbol,
    exchange: 'NASDAQ',
    asset_class: 'us_equity',
    asset_marginable: true,
    avg_entry_price: avgEntryPrice,
    qty,
    qty_available: qty,
    side: quantity.isNegative() ? 'short' : 'long',
    market_value: costBasis,
    cost_basis: costBasis,
    unrealized_pl: '0',
    unrealized_plpc: '0',
    unrealized_intraday_pl: '0',
    unrealized_intraday_plpc: '0',
    current_price: avgEntryPrice,
    lastday_price: avgEntryPrice,
    change_today: '0',
  };
};
