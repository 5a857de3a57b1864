// A deployed account's first day: it has no trading state (every intent is denied TRADING_STATE_MISSING), and
// only a person arms it, through POST /arm, once the feed has been running with fresh marks and a clean
// reconciliation has run since. Invariants: arming creates the first state, ACTIVE, only where none is stored
// (or moves a bring-up's HALTED written by an earlier version); any halt is lifted by the breaker's recovery,
// never by arming. Nothing but the kill-switch function (this) and the breaker writes the state.
import { parseOrThrow } from '../errors/zod-issues';
import { KillSwitchRequestSchema } from '../kill-switch/kill-switch';
import type { Mark } from '../market/marks';
import { FINAL_BREAKER_STAGES, type BreakerStore } from '../ports/breaker-store';
import type { Clock } from '../ports/clock';
import type { MarketDataStore } from '../ports/market-data-store';
import type { Pager } from '../ports/pager';
import type { ReconciliationStore } from '../ports/reconciliation-store';
import type { TradingStateStore } from '../ports/trading-state-store';
import { isoToEpochMs } from '../time/iso-time';
import { utcNow } from '../time/utc';

/**
 * The actor of the HALTED an earlier version wrote for a new account (the reconciliation function brought it up);
 * such an account is armed like one without a state.
 */
export const BRING_UP_ACTOR = 'bring-up';

export const ARM_REFUSALS = [
  'ACCOUNT_UNKNOWN',
  'NOT_AWAITING_ARM',
  'BREAKER_RUNNING',
  'FEED_NOT_RUNNING',
  'MARKS_NOT_FRESH',
  'RECONCILIATION_MISSING',
  'RECONCILIATION_NOT_CLEAN',
  'RECONCILIATION_STALE',
] as const;
export type ArmRefusal = (typeof ARM_REFUSALS)[number];

export type ArmResult =
  | { outcome: 'refused'; account: string; reason: ArmRefusal; message: string }
  | { outcome: 'armed'; account: string; state: 'ACTIVE'; paged: boolean };

export interface ArmDeps {
  tradingStateStore: Pick<TradingStateStore, 'getTradingStateRecord' | 'changeTradingState'>;
  breakerStore: Pick<BreakerStore, 'getBreakerExecution'>;
  reconciliationStore: Pick<ReconciliationStore, 'getReconciliation'>;
  marketDataStore: Pick<MarketDataStore, 'getMarks' | 'getFeedHeartbeat'>;
  pager: Pager;
  clock: Clock;
  /** The environment's accounts: no other can be armed. */
  accounts: readonly string[];
  /** The symbols the feed subscribes to: each needs a mark, fresh while its market is open. */
  symbols: readonly string[];
  isOpen(symbol: string, nowMs: number): boolean;
  maxHeartbeatAgeMs: number;
  maxMarkAgeMs: number;
}

const refuse = (account: string, reason: ArmRefusal, message: string): ArmResult => ({ outcome: 'refused', account, reason, message });

/** The first symbol whose mark is missing, or stale while its market is open; undefined when all are fine. */
const staleMark = (deps: ArmDeps, marks: Readonly<Record<string, Mark>>, nowMs: number): string | undefined => {
  for (const symbol of deps.symbols) {
    const mark = marks[symbol];
    if (!mark) return `no mark for ${symbol}`;
    const age = nowMs - isoToEpochMs(mark.at);
    if (!(age <= deps.maxMarkAgeMs) && deps.isOpen(symbol, nowMs)) return `the mark of ${symbol} is ${Number.isNaN(age) ? 'unreadable' : `${age} ms old`} (limit ${deps.maxMarkAgeMs} ms)`;
  }
  return undefined;
};

/** Why the feed cannot be relied on yet, or its start time. */
const feedCheck = async (deps: ArmDeps, account: string, nowMs: number): Promise<{ refusal: ArmResult } | { since: string }> => {
  const [heartbeat, marks] = await Promise.all([deps.marketDataStore.getFeedHeartbeat(), deps.marketDataStore.getMarks()]);
  if (!heartbeat) return { refusal: refuse(account, 'FEED_NOT_RUNNING', 'no feed has written a heartbeat') };
  const age = nowMs - isoToEpochMs(heartbeat.at);
  if (!(age <= deps.maxHeartbeatAgeMs)) return { refusal: refuse(account, 'FEED_NOT_RUNNING', `the feed's heartbeat is ${age} ms old (limit ${deps.maxHeartbeatAgeMs} ms)`) };
  if (!heartbeat.since) return { refusal: refuse(account, 'FEED_NOT_RUNNING', 'the feed does not say since when it runs') };
  const stale = staleMark(deps, marks, nowMs);
  if (stale) return { refusal: refuse(account, 'MARKS_NOT_FRESH', stale) };
  return { since: heartbeat.since };
};

/**
 * Arms a new account: refused unless the account is the environment's, has no trading state yet (or the
 * bring-up's HALTED) with no breaker execution running, the feed is running (fresh heartbeat) with fresh marks, and the last
 * reconciliation is clean and completed after the feed started (and after a bring-up). Then ACTIVE, conditional
 * on the state read and audited with the person, and on-call is told.
 */
export const armAccount = async (deps: ArmDeps, input: unknown): Promise<ArmResult> => {
  const { account, principal, reason, requestId } = parseOrThrow(KillSwitchRequestSchema, input);
  const nowMs = deps.clock.now();
  if (!deps.accounts.includes(account)) return refuse(account, 'ACCOUNT_UNKNOWN', `${account} is not an account of this environment (${deps.accounts.join(', ')})`);

  const record = await deps.tradingStateStore.getTradingStateRecord(account);
  const isNew = record.state === undefined;
  const broughtUp = record.state === 'HALTED' && record.updatedBy === BRING_UP_ACTOR && record.updatedAt !== undefined;
  if (!isNew && !broughtUp) {
    return refuse(account, 'NOT_AWAITING_ARM', `trading state is ${record.state}${record.updatedBy ? ` (set by ${record.updatedBy})` : ''}: only a new account (no trading state yet) is armed; a halt is lifted through the breaker's recovery`);
  }
  const execution = await deps.breakerStore.getBreakerExecution(account);
  if (execution && !FINAL_BREAKER_STAGES.includes(execution.stage)) return refuse(account, 'BREAKER_RUNNING', `breaker execution ${execution.breachId} is at ${execution.stage}`);

  const feed = await feedCheck(deps, account, nowMs);
  if ('refusal' in feed) return feed.refusal;

  const reconciliation = await deps.reconciliationStore.getReconciliation(account);
  if (!reconciliation) return refuse(account, 'RECONCILIATION_MISSING', 'no reconciliation has run for the account');
  if (reconciliation.status !== 'clean') {
    return refuse(account, 'RECONCILIATION_NOT_CLEAN', `last reconciliation ${reconciliation.runId} is ${reconciliation.status} (${reconciliation.breaks.length} break(s))`);
  }
  const mustFollow = !record.updatedAt || feed.since > record.updatedAt ? { at: feed.since, what: 'the feed started' } : { at: record.updatedAt, what: 'the account was brought up' };
  if (reconciliation.completedAt < mustFollow.at) {
    return refuse(account, 'RECONCILIATION_STALE', `last clean reconciliation (${reconciliation.completedAt}) predates the moment ${mustFollow.what} (${mustFollow.at})`);
  }

  const change = await deps.tradingStateStore.changeTradingState({
    account,
    ...(isNew ? { from: [], onlyIfMissing: true } : { from: ['HALTED'] }),
    to: 'ACTIVE',
    actor: principal,
    reason,
    correlationId: requestId,
    at: utcNow(nowMs),
  });
  if (change.outcome !== 'changed') return refuse(account, 'NOT_AWAITING_ARM', `trading state moved to ${change.previous ?? 'missing'} meanwhile`);
  const paged = await deps.pager
    .page({ severity: 'warning', account, subject: `${account} armed by ${principal}: trading ACTIVE`, message: `reason: ${reason}\nreconciliation ${reconciliation.runId} clean at ${reconciliation.completedAt}; feed running since ${feed.since}`, correlationId: requestId })
    .then(
      () => true,
      () => false,
    );
  return { outcome: 'armed', account, state: 'ACTIVE', paged };
};
