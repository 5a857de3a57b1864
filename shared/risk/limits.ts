// The risk limits document: every pre-trade control's parameters, validated with zod. Defaults per
// environment live in shared/config/environments.ts; a per-account override (table item LIMITS) may replace
// any top-level section. An override that does not validate denies every order (LIMITS_INVALID).
import { z } from 'zod';
import { DecimalStringSchema, PositiveDecimalStringSchema, dec } from '../money/decimal';
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
    orderRate: z
      .object({
        maxOrders: z.number().int().positive(),
        windowMs: z.number().int().min(100).max(3_600_000),
      })
      .strict(),
  })
  .strict();
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
