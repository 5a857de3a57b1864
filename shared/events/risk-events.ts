// Risk contracts beyond the order decision: a RiskBreach tells the circuit breaker that a loss, a drawdown,
// a strategy's intent rate or the feed's age reached its breaker threshold. The breach id is stable for one
// incident (kind, account and session or episode), so the breaker, whose executions are named after it,
// starts once however many reports of the same breach arrive.
import * as z from 'zod';
import { compactUtcMinute } from '../time/utc';
import { DecimalStringSchema } from '../money/decimal';
import { breachIdOf } from './breach-id';
import { MetaSchema } from './envelope';
import { AccountIdSchema, UtcTimestampSchema } from './ids';

/**
 * DAILY_LOSS / DRAWDOWN: the risk function's loss findings. ORDER_RATE: the risk function found the
 * account's message rate at its limit in every one of the last `orderRate.breakerAfterSaturatedWindows`
 * windows (a runaway that got past the strategy host). INTENT_RATE: the feed's strategy host saw a
 * strategy propose intents faster than its runaway threshold. INTENT_FLOOD: the risk function itself
 * counted more intents of a strategy or of the account in one second than its flood limit, whatever the host
 * did. FEED_STALE: the dead-man switch found the feed's heartbeat or the marks older than allowed.
 */
export const BreachKindSchema = z.enum(['DAILY_LOSS', 'DRAWDOWN', 'ORDER_RATE', 'INTENT_RATE', 'INTENT_FLOOD', 'FEED_STALE']);
export type BreachKind = z.infer<typeof BreachKindSchema>;

export const RiskBreachDetailSchema = z
  .object({
    meta: MetaSchema,
    data: z
      .object({
        breachId: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, { error: 'must be 1-80 characters usable as a Step Functions execution name' }),
        kind: BreachKindSchema,
        account: AccountIdSchema,
        /**
         * Daily loss in currency, drawdown in bps of the session peak, intents per second, or age in seconds
         * (FEED_STALE: -1 when the age is unknown, i.e. no heartbeat was ever written or the check failed).
         */
        observed: DecimalStringSchema,
        threshold: DecimalStringSchema,
        /** The loss session's start; FEED_STALE: when the stale episode began (the last sign of life). */
        sessionStart: UtcTimestampSchema,
        detectedAt: UtcTimestampSchema,
        /** What was found, in words, when `observed >= threshold` does not say it (the page shows it). */
        reason: z.string().min(1).max(500).optional(),
      })
      .strict(),
  })
  .strict();
export type RiskBreachDetail = z.infer<typeof RiskBreachDetailSchema>;

/** `<kind>.<account>.<suffix>` as a valid execution name (shared/events/breach-id.ts). */
export const boundedBreachId = (kind: BreachKind, account: string, suffix: string): string => breachIdOf(kind, account, suffix);

/** One id per kind, account and session: "DAILY_LOSS.acct-1.20261123T1430Z". */
export const breachIdFor = (kind: BreachKind, account: string, sessionStartMs: number): string =>
  boundedBreachId(kind, account, compactUtcMinute(sessionStartMs));
