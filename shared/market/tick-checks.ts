// What one quote or trade must satisfy on its own: positive prices and sizes, a quote neither crossed nor
// locked and within the spread limit, an exchange time that can be read and is neither too far ahead nor too
// old. Stateless and exact (Fixed, never binary floats); each check answers a value or one coded reason.
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';
import { isoToEpochMs } from '../time/iso-time';
import type { QuoteMessage, TradeMessage } from './market-message';
import type { TickRejection } from './tick-rejections';

/** The validator's limits; the feed configuration's `validation` section has this shape. */
export interface TickLimits {
  /** Ask − bid at most this many basis points of the mid. */
  maxSpreadBps: number;
  /** An exchange time at most this far ahead of the feed's clock. */
  maxFutureSkewMs: number;
  /** An exchange time at most this old when it arrives. */
  maxAgeMs: number;
  /** A move beyond this fraction of the last accepted price is quarantined until confirmed. */
  maxJumpFraction: string;
}

/** The limits as the hot path reads them: decimals parsed once. */
export interface CompiledTickLimits {
  maxFutureSkewMs: number;
  maxAgeMs: number;
  maxSpreadBps: Fixed;
  maxJumpFraction: Fixed;
}

export const compileTickLimits = (limits: TickLimits): CompiledTickLimits => {
  const maxJumpFraction = fx.parseFixed(limits.maxJumpFraction);
  if (fx.sign(maxJumpFraction) <= 0) throw new RangeError(`maxJumpFraction must be positive, got ${limits.maxJumpFraction}`);
  return {
    maxFutureSkewMs: limits.maxFutureSkewMs,
    maxAgeMs: limits.maxAgeMs,
    maxSpreadBps: fx.fixedFromInt(limits.maxSpreadBps),
    maxJumpFraction,
  };
};

const HALF = fx.parseFixed('0.5');
/** spread / mid in bps = (ask − bid) × 10,000 / ((bid + ask) / 2) = (ask − bid) × 20,000 / (bid + ask). */
const BPS_OF_SUM = fx.fixedFromInt(20_000);

/** A positive finite decimal, or undefined for anything else (text that is no decimal, zero, negative). */
const positiveDecimal = (text: string): Fixed | undefined => {
  let value: Fixed;
  try {
    value = fx.parseFixed(text);
  } catch {
    return undefined;
  }
  return fx.sign(value) > 0 ? value : undefined;
};

/** The price a quote stands for, its exact mid, or why the quote is rejected. */
export const quotePrice = (quote: QuoteMessage, limits: CompiledTickLimits): Fixed | TickRejection => {
  const bid = positiveDecimal(quote.bidPrice);
  const ask = positiveDecimal(quote.askPrice);
  if (bid === undefined || ask === undefined) return 'PRICE_INVALID';
  if (!fx.isPositiveDecimalText(quote.bidSize) || !fx.isPositiveDecimalText(quote.askSize)) return 'SIZE_INVALID';
  const order = fx.cmp(bid, ask);
  if (order > 0) return 'QUOTE_CROSSED';
  if (order === 0) return 'QUOTE_LOCKED';
  const sum = fx.add(bid, ask);
  if (fx.gt(fx.mul(fx.sub(ask, bid), BPS_OF_SUM), fx.mul(limits.maxSpreadBps, sum))) return 'SPREAD_TOO_WIDE';
  return fx.mul(sum, HALF);
};

/** The price of a trade, or why it is rejected. */
export const tradePrice = (trade: TradeMessage): Fixed | TickRejection => {
  const price = positiveDecimal(trade.price);
  if (price === undefined) return 'PRICE_INVALID';
  if (!fx.isPositiveDecimalText(trade.size)) return 'SIZE_INVALID';
  return price;
};

/** The exchange time in epoch ms, or why it is rejected; both limits are inclusive (exactly at the limit passes). */
export const exchangeTimeMs = (at: string, nowMs: number, limits: CompiledTickLimits): number | TickRejection => {
  const atMs = typeof at === 'string' ? isoToEpochMs(at) : Number.NaN;
  if (!Number.isFinite(atMs)) return 'TIMESTAMP_INVALID';
  if (atMs - nowMs > limits.maxFutureSkewMs) return 'TIMESTAMP_IN_FUTURE';
  if (nowMs - atMs > limits.maxAgeMs) return 'TIMESTAMP_TOO_OLD';
  return atMs;
};

/** Whether `price` lies further than the jump fraction from `reference`: |price − reference| > fraction × reference. */
export const isJump = (price: Fixed, reference: Fixed, limits: CompiledTickLimits): boolean =>
  fx.gt(fx.abs(fx.sub(price, reference)), fx.mul(limits.maxJumpFraction, reference));
