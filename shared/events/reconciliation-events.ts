// Reconciliation contracts: the broker is the source of truth, so a run reports every break it finds and
// a broker it cannot reach is itself a break (never read as "flat").
import { z } from 'zod';
import { DecimalStringSchema } from '../money/decimal';
import { MetaSchema } from './envelope';
import { SymbolSchema } from './ids';

export const BreakKindSchema = z.enum(['QUANTITY_MISMATCH', 'BROKER_UNREACHABLE', 'LOCAL_STATE_UNREADABLE']);
export const ReconciliationBreakSchema = z
  .object({
    kind: BreakKindSchema,
    symbol: SymbolSchema.optional(),
    brokerQuantity: DecimalStringSchema.optional(),
    localQuantity: DecimalStringSchema.optional(),
    message: z.string(),
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
