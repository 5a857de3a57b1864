// The circuit breaker's configuration: waits, the escalation rule and the recovery checks' limits. Every
// field has a default applied in code, so an environment may name none, some or all of them.
import * as z from 'zod';

export const BreakerConfigSchema = z
  .object({
    /** Halted for this long before the first recovery evaluation (default 15 minutes). */
    cooldownSeconds: z.number().int().positive().default(900),
    /** REDUCING for this long before the second evaluation. */
    probationSeconds: z.number().int().positive().default(900),
    /** How long a person has to approve the return to ACTIVE; after it trading stays halted. */
    approvalTimeoutSeconds: z.number().int().positive().default(3600),
    /** `trips` trips of one account within `windowMinutes` (this one included) escalate to KILLED. */
    escalation: z
      .object({ trips: z.number().int().min(2).default(3), windowMinutes: z.number().int().positive().default(60) })
      .strict()
      .default({ trips: 3, windowMinutes: 60 }),
    /** Failed evaluations after cooldowns before the breaker gives up and leaves trading halted. */
    maxEvaluations: z.number().int().positive().default(4),
    /** A mark older than this is stale: the feed is not fresh enough to trade on. */
    feedMaxAgeSeconds: z.number().int().positive().default(60),
  })
  .strict();
export type BreakerConfig = z.infer<typeof BreakerConfigSchema>;

/** The configuration with every default applied (undefined: all defaults). */
export const resolveBreakerConfig = (partial: z.input<typeof BreakerConfigSchema> | undefined): BreakerConfig =>
  BreakerConfigSchema.parse(partial ?? {});
