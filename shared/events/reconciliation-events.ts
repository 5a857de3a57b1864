// Reconciliation contracts: the broker is the source of truth, so a run reports every break it finds and
// a broker it cannot reach is itself a break (never read as "flat").
import * as z from 'zod';
import { DecimalStringSchema } from '../money/decimal';
import { MetaSchema } from './envelope';
import { IntentIdSchema, SymbolSchema } from './ids';

/**
 * QUANTITY_MISMATCH: a position differs beyond the tolerance on two reads. BROKER_UNREACHABLE /
 * LOCAL_STATE_UNREADABLE: a side could not be read (the run fails). ORDER_MISSING_AT_BROKER: a live local
 * order the broker does not know (kept as it is). UNKNOWN_BROKER_ORDER: a broker order without an intent of
 * ours (adopted as external). UNREPRESENTABLE_BROKER_ORDER: a broker open order the system cannot represent
 * (not compared, adopted or counted). CASH_MISMATCH: cash differs beyond the cash tolerance.
 */
export const BreakKindSchema = z.enum([
  'QUANTITY_MISMATCH',
  'BROKER_UNREACHABLE',
  'LOCAL_STATE_UNREADABLE',
  'ORDER_MISSING_AT_BROKER',
  'UNKNOWN_BROKER_ORDER',
  'UNREPRESENTABLE_BROKER_ORDER',
  'CASH_MISMATCH',
]);
export const ReconciliationBreakSchema = z
  .object({
    kind: BreakKindSchema,
    symbol: SymbolSchema.optional(),
    brokerQuantity: DecimalStringSchema.optional(),
    localQuantity: DecimalStringSchema.optional(),
    /** The local order's intent id (= client order id), for the order breaks. */
    intentId: IntentIdSchema.optional(),
    brokerOrderId: z.string().min(1).optional(),
    brokerCash: DecimalStringSchema.optional(),
    localCash: DecimalStringSchema.optional(),
    message: z.string(),
    /**
     * How many consecutive runs of the account reported this break (same kind and symbol/order), this run
     * included: 1 the first time. The breaker acts from 2 on. Absent from older producers: counts as 1.
     */
    consecutiveRuns: z.number().int().positive().optional(),
  })
  .strict();
export type ReconciliationBreak = z.infer<typeof ReconciliationBreakSchema>;

export const ReconciliationStatusSchema = z.enum(['clean', 'breaks', 'failed']);

export const ReconciliationCompletedDetailSchema = z
  .object({
    meta: MetaSchema,
    data: z
      .object({
        runId: z.string().min(1),
        status: ReconciliationStatusSchema,
        positionsCompared: z.number().int().nonnegative(),
        breaks: z.array(ReconciliationBreakSchema),
      })
      .strict(),
  })
  .strict();

export const ReconciliationBreakFoundDetailSchema = z
  .object({ meta: MetaSchema, data: z.object({ runId: z.string().min(1), break: ReconciliationBreakSchema }).strict() })
  .strict();
