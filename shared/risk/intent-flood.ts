// The intent-flood control, the risk function's own stop for a flood of intents whatever the strategy host did:
// every intent is counted per account and per strategy in one-second buckets of its creation time, denied ones
// included, before anything is decided; one more than the maximum in a second denies INTENT_FLOOD and, while
// the account can trade, raises an INTENT_FLOOD breach. Pure. Invariant: one breach id per episode (per
// period the account was tradable), and a count that could not be taken denies.
import { compactUtcMinute, compactUtcSecond } from '../time/utc';
import { isTradable, type TradingState } from '../trading-state/trading-state';
import type { DenialReason } from '../reasons/denial-reasons';
import type { IntentCount } from '../ports/risk-store';
import type { RiskLimits } from './limits';

/** Intents are counted in one-second buckets of their creation time. */
export const INTENT_BUCKET_MS = 1_000;
/**
 * An intent stamped further in the past than this, or more than a bucket in the future, is counted in the
 * second it reached the risk function: a wrong clock at the source cannot spread a flood thin.
 */
export const INTENT_TIME_TOLERANCE_MS = 60_000;

/** What the count gave: the totals, or why none could be taken (the intent is then denied). */
export type IntentCountReading = ({ ok: true } & IntentCount) | { ok: false; error: string };

export interface IntentFloodBreach {
  kind: 'INTENT_FLOOD';
  observed: string;
  threshold: string;
  idSuffix: string;
  reason: string;
}

export interface IntentFloodAssessment {
  failure?: { reason: Extract<DenialReason, 'INTENT_FLOOD' | 'INTENT_COUNT_UNAVAILABLE'>; message: string };
  breach?: IntentFloodBreach;
}

/** The bucket an intent is counted in: its creation second when plausible, else the second it arrived. */
export const intentBucketStart = (createdAtMs: number, nowMs: number): number => {
  const plausible = Number.isFinite(createdAtMs) && createdAtMs >= nowMs - INTENT_TIME_TOLERANCE_MS && createdAtMs <= nowMs + INTENT_BUCKET_MS;
  const at = plausible ? createdAtMs : nowMs;
  return Math.floor(at / INTENT_BUCKET_MS) * INTENT_BUCKET_MS;
};

/**
 * The places of `n` intents counted together in one atomic add that left the counts at `total`: the last
 * intent holds the total, each earlier one a place before it, as if they had been counted one by one.
 */
export const countPlaces = (total: IntentCount, n: number): IntentCount[] =>
  Array.from({ length: n }, (_, i) => ({ bucketStartMs: total.bucketStartMs, account: total.account - (n - 1 - i), strategy: total.strategy - (n - 1 - i) }));

/**
 * The episode the breach belongs to: the moment the account last became tradable (the state item's
 * updatedAt), so every flooded intent until the halt names the same breach, and a flood after a person
 * brought the account back is a new one. Without that moment, the UTC minute.
 */
const episodeSuffix = (tradingStateSince: string | undefined, nowMs: number): string => {
  const since = tradingStateSince === undefined ? Number.NaN : Date.parse(tradingStateSince);
  return Number.isFinite(since) ? `S${compactUtcSecond(since)}` : compactUtcMinute(nowMs);
};

export interface IntentFloodContext {
  strategy: string;
  tradingState: TradingState | undefined;
  tradingStateSince: string | undefined;
  nowMs: number;
}

export const assessIntentFlood = (limits: RiskLimits['intentFlood'], reading: IntentCountReading, ctx: IntentFloodContext): IntentFloodAssessment => {
  if (!reading.ok) {
    return { failure: { reason: 'INTENT_COUNT_UNAVAILABLE', message: `the intent could not be counted for the flood limit: ${reading.error}` } };
  }
  const over =
    reading.strategy > limits.maxPerStrategyPerSecond
      ? { observed: reading.strategy, threshold: limits.maxPerStrategyPerSecond, scope: `strategy ${ctx.strategy}` }
      : reading.account > limits.maxPerAccountPerSecond
        ? { observed: reading.account, threshold: limits.maxPerAccountPerSecond, scope: 'the account' }
        : undefined;
  if (!over) return {};
  const message = `${over.observed} intents of ${over.scope} created in the second from ${new Date(reading.bucketStartMs).toISOString()}, above the maximum ${over.threshold}`;
  const failure = { reason: 'INTENT_FLOOD' as const, message };
  // A halted or killed account is stopped already: a breach now would only trip the breaker again.
  if (!isTradable(ctx.tradingState)) return { failure };
  return {
    failure,
    breach: { kind: 'INTENT_FLOOD', observed: String(over.observed), threshold: String(over.threshold), idSuffix: episodeSuffix(ctx.tradingStateSince, ctx.nowMs), reason: message },
  };
};

/** What the flood assessment reads of a decision's inputs. */
export interface IntentFloodInputs extends Omit<IntentFloodContext, 'tradingStateSince'> {
  tradingStateSince?: string | undefined;
  intentCount: IntentCountReading;
  defaults: RiskLimits;
}

/**
 * The flood finding of a decision, apart from every other check: it needs only the count and the resolved
 * limits (the defaults' when the override is invalid), so a flood is denied and its breach raised even when the rest of
 * the evaluation fails. Never throws.
 */
export const assessIntentFloodOf = (inputs: IntentFloodInputs, resolved: RiskLimits | undefined): IntentFloodAssessment => {
  try {
    const limits = resolved ?? inputs.defaults;
    return assessIntentFlood(limits.intentFlood, inputs.intentCount, {
      strategy: inputs.strategy,
      tradingState: inputs.tradingState,
      tradingStateSince: inputs.tradingStateSince,
      nowMs: inputs.nowMs,
    });
  } catch (error) {
    return { failure: { reason: 'INTENT_COUNT_UNAVAILABLE', message: `the flood limit could not be assessed: ${error instanceof Error ? error.message : String(error)}` } };
  }
};
