// Market messages for the feed's tests: a quote and a trade of AAPL at a fixed instant, overridable field by field.
import type { QuoteMessage, TradeMessage } from '../../../shared/market/market-message';

export const T0 = Date.parse('2026-12-03T15:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The validation section of the feed configuration, with round limits the boundaries are easy to read against. */
export const LIMITS = { maxSpreadBps: 100, maxFutureSkewMs: 2_000, maxAgeMs: 10_000, maxJumpFraction: '0.10', silentAfterMs: 30_000 };

export const quote = (over: Partial<QuoteMessage> = {}): QuoteMessage => ({
  kind: 'quote',
  source: 'primary',
  symbol: 'AAPL',
  bidPrice: '100.00',
  bidSize: '100',
  askPrice: '100.10',
  askSize: '200',
  at: iso(T0),
  receivedAtMs: T0,
  ...over,
});

export const trade = (price: string, over: Partial<TradeMessage> = {}): TradeMessage => ({
  kind: 'trade',
  source: 'primary',
  symbol: 'AAPL',
  price,
  size: '10',
  at: iso(T0),
  receivedAtMs: T0,
  ...over,
});
