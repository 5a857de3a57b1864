// The risk limits document: every pre-trade control's parameters, validated with zod. Defaults per
// environment live in shared/config/environments.ts; a per-account override (table item LIMITS) may replace
// any top-level section. An override that does not validate denies every order (LIMITS_INVALID).
import * as z from 'zod';
import { DecimalStringSchema, PositiveDecimalStringSchema, dec } from '../money/decimal';
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';
import type { LossLimits } from './loss';
import { SymbolSchema } from '../events/ids';
import { OrderTypeSchema, TimeInForceSchema } from '../events/order-events';
import { compileMarket, MarketIdSchema, type CompiledCalendar } from '../calendar/trading-calendar';

/** Fills are counted in one-second buckets; the longest window bounds how many buckets are kept. */
export const EXECUTION_BUCKET_MS = 1_000;
export const EXECUTION_WINDOW_MAX_MS = 600_000;

const Fraction = PositiveDecimalStringSchema.refine((s) => dec(s).lte(1), { error: 'must be at most 1' });
const NonNegativeDecimal = DecimalStringSchema.refine((s) => dec(s).gte(0), { error: 'must not be negative' });
const WindowMs = z.number().int().min(100).max(3_600_000);
const Bps = z.number().int().min(1).max(10_000);

export const RiskLimitsSchema = z
  .object({
    /** WARNING state: approved size = requested size x this factor, rounded down to the lot size. */
    warningSizeFactor: Fraction,
    instruments: z
      .object({
        /** null: any symbol may trade (the restricted list still applies). */
        allowed: z.array(SymbolSchema).nullable(),
        restricted: z.array(SymbolSchema),
      })
      .strict(),
    orderTypes: z.array(OrderTypeSchema).min(1),
    timeInForce: z.array(TimeInForceSchema).min(1),
    quantity: z
      .object({ min: PositiveDecimalStringSchema, max: PositiveDecimalStringSchema, lotSize: PositiveDecimalStringSchema })
      .strict()
      .refine((q) => dec(q.min).lte(dec(q.max)), { error: 'min must not exceed max' }),
    minOrderNotional: NonNegativeDecimal,
    maxOrderNotional: PositiveDecimalStringSchema,
    priceCollar: z
      .object({
        /** How far a limit price may sit from the mark, in basis points of the mark. */
        maxDeviationBps: z.number().int().min(0).max(10_000),
        /** A mark older than this is no reference at all: deny. */
        markMaxAgeMs: z.number().int().positive(),
      })
      .strict(),
    /** Per symbol, worst case: the position plus every approved order still in flight plus this one. */
    position: z
      .object({
        maxLongQuantity: PositiveDecimalStringSchema,
        maxShortQuantity: PositiveDecimalStringSchema,
        maxLongNotional: PositiveDecimalStringSchema,
        maxShortNotional: PositiveDecimalStringSchema,
      })
      .strict(),
    /** Approved orders still open (not final) per account, the new one included. */
    maxOpenOrders: z.number().int().positive(),
    orderRate: z
      .object({
        maxOrders: z.number().int().positive(),
        windowMs: z.number().int().min(100).max(3_600_000),
        perSymbol: z.object({ maxOrders: z.number().int().positive(), windowMs: z.number().int().min(100).max(3_600_000) }).strict(),
        /**
         * A message denied by the account rate while the account was at its maximum in each of this many
         * consecutive windows (the current one included) is an ORDER_RATE breach: a runaway, not a burst.
         * 0 turns the breach off; absent means DEFAULT_SATURATED_WINDOWS.
         */
        breakerAfterSaturatedWindows: z.number().int().min(0).max(60).optional(),
      })
      .strict(),
    /** An order with the same symbol, side and size as one approved within this window is refused. */
    duplicative: z.object({ windowMs: z.number().int().min(0).max(3_600_000) }).strict(),
    /** Which trading calendar each symbol follows; orders outside its session are refused. */
    sessions: z
      .object({
        defaultMarket: MarketIdSchema,
        bySymbol: z.record(SymbolSchema, MarketIdSchema),
      })
      .strict(),
    /**
     * Collar over a period: the highest and lowest prices of one strategy's approved orders in one symbol
     * within the window, this order included, may differ by at most maxDriftBps of the lowest.
     */
    periodCollar: z.object({ windowMs: WindowMs, maxDriftBps: Bps }).strict(),
    /** Fat finger: an order may be at most this fraction of the symbol's average daily volume. */
    maxFractionOfAdv: Fraction,
    /**
     * Account exposure, worst case (every in-flight order fills) and valued at the latest marks. Leverage is
     * gross / equity; concentration is a symbol's or a sector's gross / equity.
     */
    exposure: z
      .object({
        maxGrossNotional: PositiveDecimalStringSchema,
        maxNetNotional: PositiveDecimalStringSchema,
        maxLeverage: PositiveDecimalStringSchema,
        maxSymbolConcentration: Fraction,
        maxSectorConcentration: Fraction,
      })
      .strict(),
    /**
     * Loss and drawdown. Equity = cash + sum(quantity x mark). Daily loss = start-of-session equity - equity;
     * drawdown = session peak equity - equity, in bps of the peak. The session follows `sessionMarket`'s
     * calendar. Warning thresholds move ACTIVE to WARNING; breaker thresholds raise a RiskBreach and refuse
     * every order that does not reduce exposure.
     */
    loss: z
      .object({
        sessionMarket: MarketIdSchema,
        dailyLossWarning: PositiveDecimalStringSchema,
        dailyLossBreaker: PositiveDecimalStringSchema,
        drawdownWarningBps: Bps,
        drawdownBreakerBps: Bps,
      })
      .strict()
      .refine((l) => dec(l.dailyLossWarning).lt(dec(l.dailyLossBreaker)), { error: 'dailyLossWarning must be below dailyLossBreaker' })
      .refine((l) => l.drawdownWarningBps < l.drawdownBreakerBps, { error: 'drawdownWarningBps must be below drawdownBreakerBps' }),
    /**
     * Intent flood: intents the risk function receives per second of their creation, denied ones included,
     * per strategy and per account. One more than a maximum denies INTENT_FLOOD and raises an INTENT_FLOOD
     * breach (the breaker halts the account). Far above what the order-rate limit lets through, so only a
     * flood reaches it (intentFloodIssue).
     */
    intentFlood: z
      .object({
        maxPerStrategyPerSecond: z.number().int().min(1).max(1_000_000),
        maxPerAccountPerSecond: z.number().int().min(1).max(1_000_000),
      })
      .strict()
      .refine((f) => f.maxPerStrategyPerSecond <= f.maxPerAccountPerSecond, { error: 'maxPerStrategyPerSecond must not exceed maxPerAccountPerSecond' }),
    /**
     * Repeated automated execution throttle (MiFID II RTS 6 art. 15(3)): this many fills within the window
     * disable the strategy (scope 'strategy') or the whole account until a named person re-enables it.
     */
    executionThrottle: z
      .object({
        maxFills: z.number().int().positive(),
        windowMs: z.number().int().min(1_000).max(EXECUTION_WINDOW_MAX_MS),
        scope: z.enum(['strategy', 'account']),
      })
      .strict(),
  })
  .strict();

/** Three seconds at the default one-second window: longer than any legitimate burst at the hard limit. */
export const DEFAULT_SATURATED_WINDOWS = 3;

export const saturatedWindowsOf = (limits: RiskLimits): number => limits.orderRate.breakerAfterSaturatedWindows ?? DEFAULT_SATURATED_WINDOWS;

/** How far back the approvals window must reach to serve every check that reads it. */
export const approvalsHorizonMs = (limits: RiskLimits): number =>
  Math.max(
    limits.orderRate.windowMs * Math.max(1, saturatedWindowsOf(limits)),
    limits.orderRate.perSymbol.windowMs,
    limits.duplicative.windowMs,
    limits.periodCollar.windowMs,
  );
export type RiskLimits = z.infer<typeof RiskLimitsSchema>;

/**
 * Why the flood limit is unusable with these limits, or undefined: below the order-rate limit it would halt a
 * strategy that sends no more than the account may. (Across sections, so outside the schema, whose partial
 * form the override takes.)
 */
export const intentFloodIssue = (limits: Pick<RiskLimits, 'intentFlood' | 'orderRate'>): string | undefined => {
  const { maxOrders, windowMs } = limits.orderRate;
  // maxPerStrategyPerSecond / 1000 ms >= maxOrders / windowMs, cross-multiplied.
  return limits.intentFlood.maxPerStrategyPerSecond * windowMs >= maxOrders * 1000
    ? undefined
    : `intentFlood.maxPerStrategyPerSecond (${limits.intentFlood.maxPerStrategyPerSecond}) must be at least the order-rate limit per second (${maxOrders} per ${windowMs} ms)`;
};

export const RiskLimitsOverrideSchema = RiskLimitsSchema.partial().strict();
export type RiskLimitsOverride = z.infer<typeof RiskLimitsOverrideSchema>;

/** Defaults merged with an account override; null when the override is invalid (deny). */
export const resolveLimits = (defaults: RiskLimits, override: unknown): RiskLimits | null => {
  if (override === undefined || override === null) return defaults;
  const parsed = RiskLimitsOverrideSchema.safeParse(override);
  if (!parsed.success) return null;
  const merged = RiskLimitsSchema.safeParse({ ...defaults, ...parsed.data });
  return merged.success && intentFloodIssue(merged.data) === undefined ? merged.data : null;
};

/** Limits with their numbers parsed once: a decision reads them many times and parsing dominates its cost. */
export interface CompiledLimits {
  raw: RiskLimits;
  warningSizeFactor: Fixed;
  allowed: ReadonlySet<string> | null;
  restricted: ReadonlySet<string>;
  orderTypes: ReadonlySet<string>;
  timeInForce: ReadonlySet<string>;
  quantity: { min: Fixed; max: Fixed; lotSize: Fixed };
  minOrderNotional: Fixed;
  maxOrderNotional: Fixed;
  collarBps: Fixed;
  position: { maxLongQuantity: Fixed; maxShortQuantity: Fixed; maxLongNotional: Fixed; maxShortNotional: Fixed };
  periodDriftBps: Fixed;
  maxFractionOfAdv: Fixed;
  exposure: { maxGrossNotional: Fixed; maxNetNotional: Fixed; maxLeverage: Fixed; maxSymbolConcentration: Fixed; maxSectorConcentration: Fixed };
  loss: LossLimits;
  /** The loss session's calendar as installed now (looked up on every read). */
  readonly lossCalendar: CompiledCalendar;
  calendarFor: (symbol: string) => { market: string; calendar: CompiledCalendar };
}

export const compileLimits = (raw: RiskLimits): CompiledLimits => {
  const p = fx.parseFixed;
  // Calendars are looked up on every use, never kept: compiled limits are cached per container, and a calendar
  // installed after they were compiled (the broker's, read from the table) must reach them.
  const { defaultMarket, bySymbol } = raw.sessions;
  const lossMarket = raw.loss.sessionMarket;
  return {
    raw,
    warningSizeFactor: p(raw.warningSizeFactor),
    allowed: raw.instruments.allowed ? new Set(raw.instruments.allowed) : null,
    restricted: new Set(raw.instruments.restricted),
    orderTypes: new Set(raw.orderTypes),
    timeInForce: new Set(raw.timeInForce),
    quantity: { min: p(raw.quantity.min), max: p(raw.quantity.max), lotSize: p(raw.quantity.lotSize) },
    minOrderNotional: p(raw.minOrderNotional),
    maxOrderNotional: p(raw.maxOrderNotional),
    collarBps: fx.fixedFromInt(raw.priceCollar.maxDeviationBps),
    position: {
      maxLongQuantity: p(raw.position.maxLongQuantity),
      maxShortQuantity: p(raw.position.maxShortQuantity),
      maxLongNotional: p(raw.position.maxLongNotional),
      maxShortNotional: p(raw.position.maxShortNotional),
    },
    periodDriftBps: fx.fixedFromInt(raw.periodCollar.maxDriftBps),
    maxFractionOfAdv: p(raw.maxFractionOfAdv),
    exposure: {
      maxGrossNotional: p(raw.exposure.maxGrossNotional),
      maxNetNotional: p(raw.exposure.maxNetNotional),
      maxLeverage: p(raw.exposure.maxLeverage),
      maxSymbolConcentration: p(raw.exposure.maxSymbolConcentration),
      maxSectorConcentration: p(raw.exposure.maxSectorConcentration),
    },
    loss: {
      dailyLossWarning: p(raw.loss.dailyLossWarning),
      dailyLossBreaker: p(raw.loss.dailyLossBreaker),
      drawdownWarningBps: fx.fixedFromInt(raw.loss.drawdownWarningBps),
      drawdownBreakerBps: fx.fixedFromInt(raw.loss.drawdownBreakerBps),
    },
    get lossCalendar() {
      return compileMarket(lossMarket);
    },
    calendarFor: (symbol) => {
      const market = (Object.hasOwn(bySymbol, symbol) ? bySymbol[symbol] : undefined) ?? defaultMarket;
      return { market, calendar: compileMarket(market) };
    },
  };
};

const CACHE_SIZE = 256;
const compiledCache = new Map<RiskLimits, Map<string, CompiledLimits | null>>();

/**
 * resolveLimits + compileLimits, memoised by the override's version (or content): the same override
 * document (the common case, read afresh from the table on every decision) is validated and parsed once
 * per container.
 */
export const resolveCompiledLimits = (defaults: RiskLimits, override: unknown, version?: string): CompiledLimits | null => {
  // The stored override carries a version bumped on every write; without one, its content is the key.
  const key = override === undefined || override === null ? '' : version !== undefined ? `v${version}` : JSON.stringify(override);
  let byOverride = compiledCache.get(defaults);
  if (!byOverride) {
    byOverride = new Map();
    compiledCache.set(defaults, byOverride);
  }
  if (byOverride.has(key)) return byOverride.get(key) ?? null;
  const resolved = resolveLimits(defaults, override);
  const compiled = resolved ? compileLimits(resolved) : null;
  if (byOverride.size >= CACHE_SIZE) byOverride.delete(byOverride.keys().next().value ?? '');
  byOverride.set(key, compiled);
  return compiled;
};
