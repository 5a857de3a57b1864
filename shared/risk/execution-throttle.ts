// The repeated automated execution throttle (MiFID II RTS 6 art. 15(3)): when the fills of a strategy (or of
// the whole account) within the window reach the maximum, trading in that scope is disabled and stays
// disabled, however long ago the fills were, until a named person re-enables it. Fills are counted in
// one-second buckets by the order function; fills in the second a person re-enables are not counted.
import { ACCOUNT_SCOPE } from './scopes';
import type { ExecutionThrottleState } from '../ports/risk-store';
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

/** Buckets no window can reach any more, or none while fewer than PRUNE_BATCH have piled up. */
/** The bucket starts at or before `horizon`, or undefined while fewer than PRUNE_BATCH have piled up. */
const prunable = (state: ExecutionThrottleState, horizon: number, count: number): number[] | undefined =>
  count >= PRUNE_BATCH ? state.fills.filter((b) => b.bucketStartMs <= horizon).map((b) => b.bucketStartMs) : undefined;

const countStale = (state: ExecutionThrottleState, horizon: number): number => {
  let count = 0;
  for (const b of state.fills) if (b.bucketStartMs <= horizon) count++;
  return count;
};

export const assessExecutionThrottle = (
  config: RiskLimits['executionThrottle'],
  strategy: string,
  states: { strategy: ExecutionThrottleState; account: ExecutionThrottleState },
  nowMs: number,
): ThrottleAssessment => {
  const accountScope = config.scope === 'account';
  const scopeKey = accountScope ? ACCOUNT_SCOPE : strategy;
  const state = accountScope ? states.account : states.strategy;
  const other = accountScope ? states.strategy : states.account;
  // In one pass over the governing scope's buckets: those no window can reach any more, and its fills in
  // the window (a bucket counts when any part of its second lies inside the window and it began after the
  // re-enable).
  const horizon = nowMs - EXECUTION_WINDOW_MAX_MS - EXECUTION_BUCKET_MS;
  const since = nowMs - config.windowMs;
  const enabledAt = state.enabledAt ?? Number.NEGATIVE_INFINITY;
  let stale = 0;
  let fills = 0;
  for (const bucket of state.fills) {
    const start = bucket.bucketStartMs;
    if (start <= horizon) stale++;
    if (start + EXECUTION_BUCKET_MS > since && start <= nowMs && start >= enabledAt) fills += bucket.count;
  }
  const prune: ThrottleAssessment['prune'] = [];
  const governingStale = prunable(state, horizon, stale);
  if (governingStale) prune.push({ strategy: scopeKey, bucketStartMs: governingStale });
  const otherStale = prunable(other, horizon, countStale(other, horizon));
  if (otherStale) prune.push({ strategy: accountScope ? strategy : ACCOUNT_SCOPE, bucketStartMs: otherStale });
  const scopeName = accountScope ? 'the account' : `strategy ${strategy}`;

  if (isDisabled(state)) {
    return {
      scopeKey,
      status: 'disabled',
      fillsInWindow: 0,
      message: `execution throttle disabled ${scopeName} at ${new Date(state.disabledAt ?? 0).toISOString()}; a named person must re-enable it`,
      prune,
    };
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
