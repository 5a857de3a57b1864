// The risk limits document: every pre-trade control's parameters, validated with zod. Defaults per
// environment live in shared/config/environments.ts; a per-account override (table item LIMITS) may replace
// any top-level section. An override that does not validate denies every order (LIMITS_INVALID).
import { z } from 'zod';
import { DecimalStringSchema, PositiveDecimalStringSchema, dec, type Decimal } from '../money/decimal';
import { SymbolSchema } from '../events/ids';
import { OrderTypeSchema, TimeInForceSchema } from '../events/order-events';

const Fraction = PositiveDecimalStringSchema.refine((s) => dec(s).lte(1), { error: 'must be at most 1' });
const NonNegativeDecimal = DecimalStringSchema.refine((s) => dec(s).gte(0), { error: 'must not be negative' });

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
      })
      .strict(),
    /** An order with the same symbol, side and size as one approved within this window is refused. */
    duplicative: z.object({ windowMs: z.number().int().min(0).max(3_600_000) }).strict(),
  })
  .strict();

/** How far back the approvals window must reach to serve every check that reads it. */
export const approvalsHorizonMs = (limits: RiskLimits): number =>
  Math.max(limits.orderRate.windowMs, limits.orderRate.perSymbol.windowMs, limits.duplicative.windowMs);
export type RiskLimits = z.infer<typeof RiskLimitsSchema>;

export const RiskLimitsOverrideSchema = RiskLimitsSchema.partial().strict();
export type RiskLimitsOverride = z.infer<typeof RiskLimitsOverrideSchema>;

/** Defaults merged with an account override; null when the override is invalid (deny). */
export const resolveLimits = (defaults: RiskLimits, override: unknown): RiskLimits | null => {
  if (override === undefined || override === null) return defaults;
  const parsed = RiskLimitsOverrideSchema.safeParse(override);
  if (!parsed.success) return null;
  const merged = RiskLimitsSchema.safeParse({ ...defaults, ...parsed.data });
  return merged.success ? merged.data : null;
};

/** Limits with their numbers parsed once: a decision reads them many times and parsing dominates its cost. */
export interface CompiledLimits {
  raw: RiskLimits;
  warningSizeFactor: Decimal;
  allowed: ReadonlySet<string> | null;
  restricted: ReadonlySet<string>;
  quantity: { min: Decimal; max: Decimal; lotSize: Decimal };
  minOrderNotional: Decimal;
  maxOrderNotional: Decimal;
  position: { maxLongQuantity: Decimal; maxShortQuantity: Decimal; maxLongNotional: Decimal; maxShortNotional: Decimal };
}

export const compileLimits = (raw: RiskLimits): CompiledLimits => ({
  raw,
  warningSizeFactor: dec(raw.warningSizeFactor),
  allowed: raw.instruments.allowed ? new Set(raw.instruments.allowed) : null,
  restricted: new Set(raw.instruments.restricted),
  quantity: { min: dec(raw.quantity.min), max: dec(raw.quantity.max), lotSize: dec(raw.quantity.lotSize) },
  minOrderNotional: dec(raw.minOrderNotional),
  maxOrderNotional: dec(raw.maxOrderNotional),
  position: {
    maxLongQuantity: dec(raw.position.maxLongQuantity),
    maxShortQuantity: dec(raw.position.maxShortQuantity),
    maxLongNotional: dec(raw.position.maxLongNotional),
    maxShortNotional: dec(raw.position.maxShortNotional),
  },
});

const CACHE_SIZE = 256;
const compiledCache = new Map<RiskLimits, Map<string, CompiledLimits | null>>();

/**
 * resolveLimits + compileLimits, memoised by the override's content: the same override document (the
 * common case, read afresh from the table on every decision) is validated and parsed once per container.
 */
export const resolveCompiledLimits = (defaults: RiskLimits, override: unknown): CompiledLimits | null => {
  const key = override === undefined || override === null ? '' : JSON.stringify(override);
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
