// The execution throttle's trip as an event: the risk function records the trip in its decision's write and
// publishes this with the decision, and the route table takes it to the breaker function, which pages
// on-call (the risk function has no pager). It halts nothing: the trip already disabled its scope.
import * as z from 'zod';
import { MetaSchema } from './envelope';
import { AccountIdSchema, StrategyIdSchema, UtcTimestampSchema } from './ids';

export const ExecutionThrottleTrippedDetailSchema = z
  .object({
    meta: MetaSchema,
    data: z
      .object({
        account: AccountIdSchema,
        /** The scope disabled: a strategy id, or '*' for the whole account. */
        scope: z.union([StrategyIdSchema, z.literal('*')]),
        /** The fills counted in the window, at or over the limit. */
        fills: z.number().int().nonnegative(),
        /** The decision that tripped it (its intent id). */
        intentId: z.string().min(1).max(128),
        trippedAt: UtcTimestampSchema,
      })
      .strict(),
  })
  .strict();
export type ExecutionThrottleTrippedDetail = z.infer<typeof ExecutionThrottleTrippedDetailSchema>;
