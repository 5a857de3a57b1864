// Risk contracts beyond the order decision: a RiskBreach tells the circuit breaker that a loss or drawdown
// reached its breaker threshold. The breach id is stable for one kind, account and session, so the breaker
// (whose executions are named after it) starts once however many decisions report the same breach.
import { z } from 'zod';
import { DecimalStringSchema } from '../money/decimal';
import { MetaSchema } from './envelope';
import { AccountIdSchema, UtcTimestampSchema } from './ids';

/**
 * DAILY_LOSS / DRAWDOWN: the risk function's loss findings. INTENT_RATE: the feed's strategy host saw a
 * strategy propose intents faster than its runaway threshold. FEED_STALE: the dead-man switch found the
 * feed's heartbeat or the marks older than allowed.
 */
export const BreachKindSchema = z.enum(['DAILY_LOSS', 'DRAWDOWN', 'INTENT_RATE', 'FEED_STALE']);
export type BreachKind = z.infer<typeof BreachKindSchema>;

export const RiskBreachDetailSchema = z
  .object({
    meta: MetaSchema,
    data: z
      .object({
        breachId: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, { error: 'must be 1-80 characters usable as a Step Functions execution name' }),
        kind: BreachKindSchema,
        account: AccountIdSchema,
        /** Daily loss in currency, drawdown in bps of the session peak, intents per second, or age in seconds. */
        observed: DecimalStringSchema,
        threshold: DecimalStringSchema,
        sessionStart: UtcTimestampSchema,
        detectedAt: UtcTimestampSchema,
      })
      .strict(),
  })
  .strict();
export type RiskBreachDetail = z.infer<typeof RiskBreachDetailSchema>;

/** One id per kind, account and session: "DAILY_LOSS.acct-1.20261123T1430Z". */
export const breachIdFor = (kind: BreachKind, account: string, sessionStartMs: number): string =>
  `${kind}.${account}.${new Date(sessionStartMs).toISOString().replace(/[-:]/g, '').slice(0, 13)}Z`;
