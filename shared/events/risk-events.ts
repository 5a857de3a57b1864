// Risk contracts beyond the order decision: a RiskBreach tells the circuit breaker that a loss, a drawdown,
// a strategy's intent rate or the feed's age reached its breaker threshold. The breach id is stable for one
// incident (kind, account and session or episode), so the breaker, whose executions are named after it,
// starts once however many reports of the same breach arrive.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DecimalStringSchema } from '../money/decimal';
import { MetaSchema } from './envelope';
import { AccountIdSchema, UtcTimestampSchema } from './ids';

/**
 * DAILY_LOSS / DRAWDOWN: the risk function's loss findings. ORDER_RATE: the risk function found the
 * account's message rate at its limit in every one of the last `orderRate.breakerAfterSaturatedWindows`
 * windows (a runaway that got past the strategy host). INTENT_RATE: the feed's strategy host saw a
 * strategy propose intents faster than its runaway threshold. FEED_STALE: the dead-man switch found the
 * feed's heartbeat or the marks older than allowed.
 */
export const BreachKindSchema = z.enum(['DAILY_LOSS', 'DRAWDOWN', 'ORDER_RATE', 'INTENT_RATE', 'FEED_STALE']);
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

const BREACH_ID_MAX = 80;

/**
 * `<kind>.<account>.<suffix>`, at most 80 characters (a Step Functions execution name). Accounts may have
 * 64 characters: a too long id keeps a prefix of the account and appends a hash of all of it, so two long
 * accounts sharing a prefix still get distinct ids.
 */
export const boundedBreachId = (kind: BreachKind, account: string, suffix: string): string => {
  const full = `${kind}.${account}.${suffix}`;
  if (full.length <= BREACH_ID_MAX) return full;
  const hash = createHash('sha256').update(account).digest('hex').slice(0, 8);
  const room = BREACH_ID_MAX - `${kind}..${suffix}`.length - hash.length - 1;
  return `${kind}.${account.slice(0, Math.max(0, room))}-${hash}.${suffix}`.slice(0, BREACH_ID_MAX);
};

/** "2026-11-23T14:30:05.123Z" → "20261123T143005Z" (to the second, UTC). */
/** "2026-11-23T14:30:05.123Z" → "20261123T1430Z" (to the minute, UTC). */
export const compactUtcMinute = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 13)}Z`;

export const compactUtcSecond = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;

/** One id per kind, account and session: "DAILY_LOSS.acct-1.20261123T1430Z". */
export const breachIdFor = (kind: BreachKind, account: string, sessionStartMs: number): string =>
  boundedBreachId(kind, account, compactUtcMinute(sessionStartMs));
