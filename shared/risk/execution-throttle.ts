// The repeated automated execution throttle (MiFID II RTS 6 art. 15(3)): when the fills of a strategy (or of
// the whole account) within the window reach the maximum, trading in that scope is disabled and stays
// disabled, however long ago the fills were, until a named person re-enables it. Fills are counted in
// one-second buckets by the order function; fills in the second a person re-enables are not counted.
import type { ExecutionThrottleState } from '../ports/trading-store';
import { ACCOUNT_SCOPE } from '../storage/table-definition';
import { EXECUTION_BUCKET_MS, EXECUTION_WINDOW_MAX_MS, type RiskLimits } from './limits';

export interface ThrottleAssessment {
  /** The scope key of the throttle item that governs this order ('*' for the account). */
  scopeKey: string;
  status: 'open' | 'disabled' | 'tripped';
  fillsInWindow: number;
  message: string;
  /** Buckets no window can reach any more, per scope key, to remove in the decision's write. */
  prune: { strategy: string; bucketStartMs: number[] }[];
}

/** Stale buckets are removed once this many have piled up, so most decisions write nothing for them. */
const PRUNE_BATCH = 16;

const isDisabled = (state: ExecutionThrottleState): boolean =>
  state.disabledAt !== undefined && (state.enabledAt === undefined || state.enabledAt < state.disabledAt);

const staleBuckets = (state: ExecutionThrottleState, nowMs: number): number[] => {
  const stale = state.fills.filter((b) => b.bucketStartMs + EXECUTION_BUCKET_MS <= nowMs - EXECUTION_WINDOW_MAX_MS).map((b) => b.bucketStartMs);
  return stale.length >= PRUNE_BATCH ? stale : [];
};

export const assessExecutionThrottle = (
  config: RiskLimits['executionThrottle'],
  strategy: string,
  states: { strategy: ExecutionThrottleState; account: ExecutionThrottleState },
  nowMs: number,
): ThrottleAssessment => {
  const scopeKey = config.scope === 'account' ? ACCOUNT_SCOPE : strategy;
  const state = config.scope === 'account' ? states.account : states.strategy;
  const prune = [
    { strategy, bucketStartMs: staleBuckets(states.strategy, nowMs) },
    { strategy: ACCOUNT_SCOPE, bucketStartMs: staleBuckets(states.account, nowMs) },
  ].filter((p) => p.bucketStartMs.length > 0);
  const scopeName = config.scope === 'account' ? 'the account' : `strategy ${strategy}`;

  if (isDisabled(state)) {
    return {
      scopeKey,
      status: 'disabled',
      fillsInWindow: 0,
      message: `execution throttle disabled ${scopeName} at ${new Date(state.disabledAt ?? 0).toISOString()}; a named person must re-enable it`,
      prune,
    };
  }
  // A bucket counts when any part of its second lies inside the window and it began after the re-enable.
  const since = nowMs - config.windowMs;
  let fills = 0;
  for (const bucket of state.fills) {
    if (bucket.bucketStartMs + EXECUTION_BUCKET_MS > since && bucket.bucketStartMs <= nowMs && (state.enabledAt === undefined || bucket.bucketStartMs >= state.enabledAt)) {
      fills += bucket.count;
    }
  }
  if (fills >= config.maxFills) {
    return {
      scopeKey,
      status: 'tripped',
      fillsInWindow: fills,
      message: `${fills} fills of ${scopeName} within ${config.windowMs} ms reach the throttle of ${config.maxFills}; disabled until a named person re-enables it`,
      prune,
    };
  }
  return { scopeKey, status: 'open', fillsInWindow: fills, message: '', prune };
};
