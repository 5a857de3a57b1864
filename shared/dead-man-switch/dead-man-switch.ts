// The dead-man switch: when the feed's heartbeat or the marks are older than allowed, every open order of
// each account concerned is cancelled and a FEED_STALE RiskBreach starts the breaker. Pure over ports. Invariants: a
// check that cannot read what it needs counts as stale (fail closed, never "fine"); one stale episode has
// one breach id, so a feed that stays dead trips the breaker once, not once per check.
import { calendarCoverageDays, compileMarket, isAlwaysOpen, isMarketOpen, latestSession } from '../calendar/trading-calendar';
import { DETAIL_TYPES, domainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { boundedBreachId } from '../events/risk-events';
import { dec } from '../money/decimal';
import { isOpenStatus, ORDER_STATUSES } from '../orders/order-record';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { MarketDataStore } from '../ports/market-data-store';
import type { OrderStore } from '../ports/order-store';
import type { ReconciliationStore } from '../ports/reconciliation-store';
import type { TradingStateStore } from '../ports/trading-state-store';
import type { RiskLimits } from '../risk/limits';
import type { FeedHeartbeat, Mark } from '../market/marks';
import { utcNow, compactUtcSecond } from '../time/utc';
import type { Telemetry } from '../ports/telemetry';
import type { CancelAllResult } from '../order-service/cancellation';
import { METRICS } from '../telemetry/metrics';
import { isoToEpochMs } from '../time/iso-time';
import { isTradable, type TradingState } from '../trading-state/trading-state';
import type { DeadManSwitchConfig } from './dead-man-switch-config';

/** The actor of the cancel-all and the strategy field of the breach event. */
export const DEAD_MAN_SWITCH_ACTOR = 'dead-man-switch';

export interface DeadManSwitchDeps {
  marketDataStore: Pick<MarketDataStore, 'getFeedHeartbeat' | 'getMarks'>;
  /** What the account holds (the book) and has open: the symbols whose marks must be fresh. */
  reconciliationStore: Pick<ReconciliationStore, 'getBook'>;
  orderStore: Pick<OrderStore, 'listOrders'>;
  tradingStateStore: Pick<TradingStateStore, 'getTradingState'>;
  bus: EventBus;
  /** The order service's cancel-all (cancelAllFrom(..., 'dead-man-switch', ...) in production). */
  cancelAll: (account: string, requestedBy: string, requestId: string, reason?: string) => Promise<CancelAllResult>;
  clock: Clock;
  accounts: readonly string[];
  config: DeadManSwitchConfig;
  /**
   * The environment's default limits: their `sessions` say which market each symbol trades on, so the marks
   * of a closed market (a night, a weekend) do not count as stale. Per-account overrides are not read.
   */
  riskLimits: Pick<RiskLimits, 'sessions'>;
  telemetry: Telemetry;
}

export type StaleCode =
  /** No feed ever wrote a heartbeat, or its time is unreadable. */
  | 'HEARTBEAT_MISSING'
  | 'HEARTBEAT_STALE'
  /** No mark at all. */
  | 'NO_MARKS'
  /** Even the newest mark of an open market is too old: prices are frozen. */
  | 'NEWEST_MARK_STALE'
  /** A symbol the account holds or has an open order in has no mark (its market is open). */
  | 'MARK_MISSING'
  | 'MARK_STALE'
  /** The check could not read something it needs: counts as stale. */
  | 'CHECK_FAILED';

export interface StaleFinding {
  code: StaleCode;
  message: string;
  symbol?: string;
  /** How old, in seconds; absent when unknown (missing, unreadable). */
  ageSeconds?: number;
  limitSeconds?: number;
  /** Epoch ms the age is measured from (the last sign of life): names the stale episode. */
  sinceMs?: number;
}

export interface AccountOutcome {
  account: string;
  stale: boolean;
  /** The feed-wide findings and this account's own (its symbols' marks, its reads). */
  reasons: StaleFinding[];
  /** As read; 'UNREADABLE' counts as able to trade (fail closed: the breach is raised). */
  tradingState?: TradingState | 'NONE' | 'UNREADABLE';
  breachId?: string;
  /** 'not-needed': the account cannot trade anyway (HALTED, KILLED or no state). */
  breach: 'published' | 'not-needed' | 'failed' | 'none';
  cancel: 'done' | 'skipped' | 'failed' | 'none';
  canceled?: CancelAllResult;
  errors: string[];
}

export interface DeadManSwitchResult {
  checkedAt: string;
  /** Stale for at least one account. */
  stale: boolean;
  /** The feed-wide findings (heartbeat, newest mark, the reads every account shares). */
  reasons: StaleFinding[];
  accounts: AccountOutcome[];
}

/**
 * What an in-process switch remembers between checks (checkFeedLiveness without it always cancels): the last
 * cancel per account and episode, so a halted account is not sent a cancel-all every second.
 */
export type DeadManSwitchMemory = Map<string, { breachId: string; canceledAtMs: number }>;

const OPEN_STATUSES = ORDER_STATUSES.filter(isOpenStatus);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const seconds = (ms: number): number => ms / 1000;

/**
 * How long a symbol's mark has been stale; 'closed' when its market is closed (no ticks are due). An
 * exchange's mark is measured from the later of the mark and the session open, so yesterday's close is not
 * stale in the first seconds after the open; an always-open market's from the mark alone.
 */
const markAge = (deps: DeadManSwitchDeps, symbol: string, mark: Mark | undefined, nowMs: number): { ageMs: number; sinceMs: number } | 'closed' | 'missing' => {
  const calendar = compileMarket(deps.riskLimits.sessions.bySymbol[symbol] ?? deps.riskLimits.sessions.defaultMarket);
  if (!isMarketOpen(calendar, nowMs)) return 'closed';
  if (!mark) return 'missing';
  const markMs = isoToEpochMs(mark.at);
  // An unreadable time is as good as no mark: NaN ages compare false, so make it explicit.
  if (Number.isNaN(markMs)) return 'missing';
  const sinceMs = isAlwaysOpen(calendar) ? markMs : Math.max(markMs, latestSession(calendar, nowMs).openMs);
  return { ageMs: nowMs - sinceMs, sinceMs };
};

/**
 * How many days each market's calendar still covers, every check: an alarm pages well before a calendar runs
 * out (past its end the market is closed and nothing trades). Always-open markets have nothing to run out.
 */
const reportCalendarCoverage = (deps: DeadManSwitchDeps, nowMs: number): void => {
  const { defaultMarket, bySymbol } = deps.riskLimits.sessions;
  for (const market of new Set([defaultMarket, ...Object.values(bySymbol)])) {
    const days = calendarCoverageDays(compileMarket(market), nowMs);
    if (days !== undefined) deps.telemetry.count(METRICS.calendarCoverageDays, { market }, days);
  }
};

/** The heartbeat: the same for every account. */
const heartbeatFindings = (deps: DeadManSwitchDeps, heartbeat: FeedHeartbeat | undefined, nowMs: number): StaleFinding[] => {
  const found: StaleFinding[] = [];
  const hbLimitMs = deps.config.maxHeartbeatAgeSeconds * 1000;
  const hbMs = heartbeat ? isoToEpochMs(heartbeat.at) : Number.NaN;
  if (Number.isNaN(hbMs)) {
    found.push({ code: 'HEARTBEAT_MISSING', message: heartbeat ? `heartbeat time ${heartbeat.at} is unreadable` : 'no feed heartbeat was ever written', limitSeconds: deps.config.maxHeartbeatAgeSeconds });
  } else if (nowMs - hbMs > hbLimitMs) {
    // Exactly at the limit is still fresh: only older is stale.
    found.push({
      code: 'HEARTBEAT_STALE',
      message: `feed heartbeat (${heartbeat?.feedId}) is ${seconds(nowMs - hbMs)}s old, limit ${deps.config.maxHeartbeatAgeSeconds}s`,
      ageSeconds: seconds(nowMs - hbMs),
      limitSeconds: deps.config.maxHeartbeatAgeSeconds,
      sinceMs: hbMs,
    });
  }
  return found;
};

/** The newest mark: the same for every account. */
const newestMarkFindings = (deps: DeadManSwitchDeps, marks: Readonly<Record<string, Mark>>, nowMs: number): StaleFinding[] => {
  const found: StaleFinding[] = [];
  const symbols = Object.keys(marks);
  if (symbols.length === 0) {
    found.push({ code: 'NO_MARKS', message: 'no marks at all', limitSeconds: deps.config.maxMarkAgeSeconds });
    return found;
  }
  let newest: { symbol: string; ageMs: number; sinceMs: number } | undefined;
  for (const symbol of symbols) {
    const age = markAge(deps, symbol, marks[symbol], nowMs);
    if (typeof age === 'string') continue;
    if (!newest || age.ageMs < newest.ageMs) newest = { symbol, ...age };
  }
  // No market open with a mark to judge: nothing is due (a night, a weekend); the heartbeat still is.
  if (newest && newest.ageMs > deps.config.maxMarkAgeSeconds * 1000) {
    found.push({
      code: 'NEWEST_MARK_STALE',
      message: `the newest mark (${newest.symbol}) is ${seconds(newest.ageMs)}s old, limit ${deps.config.maxMarkAgeSeconds}s`,
      symbol: newest.symbol,
      ageSeconds: seconds(newest.ageMs),
      limitSeconds: deps.config.maxMarkAgeSeconds,
      sinceMs: newest.sinceMs,
    });
  }
  return found;
};

/** The marks of the symbols this account holds or has an open order in. */
const accountFindings = async (deps: DeadManSwitchDeps, account: string, marks: Readonly<Record<string, Mark>> | undefined, nowMs: number): Promise<StaleFinding[]> => {
  let symbols: Set<string>;
  try {
    const [book, open] = await Promise.all([deps.reconciliationStore.getBook(account), deps.orderStore.listOrders(account, OPEN_STATUSES)]);
    symbols = new Set([
      ...Object.entries(book.positions)
        .filter(([, entry]) => !dec(entry.quantity).isZero())
        .map(([symbol]) => symbol),
      ...open.map((order) => order.intent.symbol),
    ]);
  } catch (error) {
    deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'account' });
    return [{ code: 'CHECK_FAILED', message: `could not read the positions and open orders of ${account}: ${messageOf(error)}` }];
  }
  // The marks could not be read: already a feed-wide CHECK_FAILED.
  if (!marks) return [];
  const found: StaleFinding[] = [];
  const limitMs = deps.config.maxMarkAgeSeconds * 1000;
  for (const symbol of [...symbols].sort()) {
    const age = markAge(deps, symbol, marks[symbol], nowMs);
    if (age === 'closed') continue;
    if (age === 'missing') {
      found.push({ code: 'MARK_MISSING', message: `no mark for ${symbol}, which ${account} holds or has an open order in`, symbol, limitSeconds: deps.config.maxMarkAgeSeconds });
    } else if (age.ageMs > limitMs) {
      found.push({
        code: 'MARK_STALE',
        message: `the mark of ${symbol} is ${seconds(age.ageMs)}s old, limit ${deps.config.maxMarkAgeSeconds}s`,
        symbol,
        ageSeconds: seconds(age.ageMs),
        limitSeconds: deps.config.maxMarkAgeSeconds,
        sinceMs: age.sinceMs,
      });
    }
  }
  return found;
};

/**
 * One id per account and stale episode, at most 80 characters:
 * - `FEED_STALE.<account>.HB<last heartbeat, to the second>` when the heartbeat is stale;
 * - `FEED_STALE.<account>.MK<the oldest stale mark's reference time>` when marks are (and the heartbeat is not);
 * - `FEED_STALE.<account>.NOHB<UTC hour>` (no heartbeat), `.NOMK<UTC hour>` (a mark missing) or
 *   `.ERR<UTC hour>` (a failed read) when no time is known.
 * The episode's time changes only when the feed shows life again, so a feed that stays dead keeps its id
 * and trips the breaker once (the breaker escalates to KILLED after 3 trips in 60 minutes: an id per check
 * would kill within three checks). Without a time the UTC hour stands in, as for reconciliation breaks: one
 * trip per hour at most, and only while the account can still trade.
 */
export const feedStaleBreachId = (account: string, reasons: readonly StaleFinding[], nowMs: number): string => {
  const id = (suffix: string) => boundedBreachId('FEED_STALE', account, suffix);
  // The most stable evidence names the episode: a time that moves only when the feed shows life again.
  const heartbeat = reasons.find((r) => r.code === 'HEARTBEAT_STALE')?.sinceMs;
  if (heartbeat !== undefined) return id(`HB${compactUtcSecond(heartbeat)}`);
  const oldestMark = Math.min(...reasons.map((r) => r.sinceMs ?? Number.POSITIVE_INFINITY));
  if (Number.isFinite(oldestMark)) return id(`MK${compactUtcSecond(oldestMark)}`);
  const hour = compactUtcSecond(nowMs).slice(0, 11);
  if (reasons.some((r) => r.code === 'HEARTBEAT_MISSING')) return id(`NOHB${hour}`);
  if (reasons.some((r) => r.code === 'NO_MARKS' || r.code === 'MARK_MISSING')) return id(`NOMK${hour}`);
  return id(`ERR${hour}`);
};

/** The finding the breach reports as observed/threshold: the heartbeat first, else the stalest measured age. */
const primaryFinding = (reasons: readonly StaleFinding[]): StaleFinding | undefined =>
  reasons.find((r) => r.code === 'HEARTBEAT_STALE' || r.code === 'HEARTBEAT_MISSING') ??
  [...reasons].sort((a, b) => (b.ageSeconds ?? -1) - (a.ageSeconds ?? -1))[0];

const breachEvent = (account: string, breachId: string, reasons: readonly StaleFinding[], nowMs: number) => {
  const nowIso = utcNow(nowMs);
  const primary = primaryFinding(reasons);
  const since = Math.min(...reasons.map((r) => r.sinceMs ?? Number.POSITIVE_INFINITY));
  return domainEvent(DETAIL_TYPES.RiskBreach, {
    meta: buildMeta({
      detailType: DETAIL_TYPES.RiskBreach,
      occurredAt: nowIso,
      correlationId: breachId,
      causationId: breachId,
      account,
      strategy: DEAD_MAN_SWITCH_ACTOR,
      producer: 'dead-man-switch',
    }),
    data: {
      breachId,
      kind: 'FEED_STALE',
      account,
      observed: primary?.ageSeconds !== undefined ? String(primary.ageSeconds) : '-1',
      threshold: String(primary?.limitSeconds ?? 0),
      sessionStart: Number.isFinite(since) ? utcNow(since) : nowIso,
      detectedAt: nowIso,
      reason: `feed stale: ${reasons.map((r) => r.message).join('; ')}`.slice(0, 500),
    },
  });
};

const actOnAccount = async (deps: DeadManSwitchDeps, outcome: AccountOutcome, nowMs: number, memory: DeadManSwitchMemory | undefined): Promise<void> => {
  const { account } = outcome;
  const breachId = feedStaleBreachId(account, outcome.reasons, nowMs);
  outcome.breachId = breachId;
  deps.telemetry.count(METRICS.feedStale, { account });
  try {
    const state = await deps.tradingStateStore.getTradingState(account);
    outcome.tradingState = state ?? 'NONE';
  } catch (error) {
    outcome.tradingState = 'UNREADABLE';
    outcome.errors.push(`trading state: ${messageOf(error)}`);
    deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'state' });
  }
  // Only an account that can still place orders needs the breaker started.
  const canTrade = outcome.tradingState === 'UNREADABLE' || isTradable(outcome.tradingState);

  // The breach first: the breaker's first state halts new orders, while a cancel-all may take seconds of
  // broker calls. Published on every check while the account can trade: a duplicate start is refused by
  // the breaker, a lost one is made good by the next check.
  if (canTrade) {
    try {
      await deps.bus.publish([breachEvent(account, breachId, outcome.reasons, nowMs)]);
      outcome.breach = 'published';
    } catch (error) {
      outcome.breach = 'failed';
      outcome.errors.push(`breach: ${messageOf(error)}`);
      deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'breach' });
    }
  } else {
    outcome.breach = 'not-needed';
  }

  // Cancelled while the account can trade on every check. Once it cannot, orders that were in flight at
  // the halt may still surface at the broker, so an in-process switch cancels again every recancelSeconds.
  const last = memory?.get(account);
  if (!canTrade && last?.breachId === breachId && nowMs - last.canceledAtMs < deps.config.recancelSeconds * 1000) {
    outcome.cancel = 'skipped';
    return;
  }
  try {
    outcome.canceled = await deps.cancelAll(account, DEAD_MAN_SWITCH_ACTOR, `${breachId}@${compactUtcSecond(nowMs)}`, `feed stale (${breachId})`);
    outcome.cancel = 'done';
    memory?.set(account, { breachId, canceledAtMs: nowMs });
  } catch (error) {
    outcome.cancel = 'failed';
    outcome.errors.push(`cancel-all: ${messageOf(error)}`);
    deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'cancel' });
  }
};

/**
 * One check of every configured account. Never throws: every failure is in the result (`errors` per account)
 * and counted; the caller decides (the dead-man-switch function fails the invocation so it is retried and alarmed).
 */
export const checkFeedLiveness = async (deps: DeadManSwitchDeps, nowMs: number, memory?: DeadManSwitchMemory): Promise<DeadManSwitchResult> => {
  reportCalendarCoverage(deps, nowMs);
  const reasons: StaleFinding[] = [];
  let heartbeat: FeedHeartbeat | undefined;
  let marks: Record<string, Mark> | undefined;
  const [hb, mk] = await Promise.allSettled([deps.marketDataStore.getFeedHeartbeat(), deps.marketDataStore.getMarks()]);
  if (hb.status === 'fulfilled') heartbeat = hb.value;
  else reasons.push({ code: 'CHECK_FAILED', message: `could not read the feed heartbeat: ${messageOf(hb.reason)}` });
  if (mk.status === 'fulfilled') marks = mk.value;
  else reasons.push({ code: 'CHECK_FAILED', message: `could not read the marks: ${messageOf(mk.reason)}` });
  if (hb.status === 'rejected' || mk.status === 'rejected') deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'feed' });
  // What could not be read is CHECK_FAILED (stale), never "missing" and never "fine".
  if (hb.status === 'fulfilled') reasons.push(...heartbeatFindings(deps, heartbeat, nowMs));
  if (marks) {
    try {
      reasons.push(...newestMarkFindings(deps, marks, nowMs));
    } catch (error) {
      // A calendar that cannot answer is no reason to call the marks fresh.
      reasons.push({ code: 'CHECK_FAILED', message: `could not judge the marks: ${messageOf(error)}` });
      deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'feed' });
    }
  }

  const accounts: AccountOutcome[] = [];
  for (const account of deps.accounts) {
    const own = await accountFindings(deps, account, marks, nowMs).catch((error: unknown): StaleFinding[] => {
      deps.telemetry.count(METRICS.deadManSwitchFailure, { step: 'account' });
      return [{ code: 'CHECK_FAILED', message: `could not judge the marks of ${account}: ${messageOf(error)}` }];
    });
    const outcome: AccountOutcome = { account, stale: false, reasons: [...reasons, ...own], breach: 'none', cancel: 'none', errors: [] };
    outcome.stale = outcome.reasons.length > 0;
    if (outcome.stale) await actOnAccount(deps, outcome, nowMs, memory);
    else memory?.delete(account);
    accounts.push(outcome);
  }
  return { checkedAt: utcNow(nowMs), stale: accounts.some((a) => a.stale), reasons, accounts };
};

export interface DeadManSwitch {
  /** Runs one check now; a call while the previous check still runs returns that check's result. */
  check(): Promise<DeadManSwitchResult>;
}

/**
 * The in-process switch (the local session, the feed task): call check() every second. It remembers its
 * cancels (see DeadManSwitchMemory) and never runs two checks at once.
 */
export const createDeadManSwitch = (deps: DeadManSwitchDeps): DeadManSwitch => {
  const memory: DeadManSwitchMemory = new Map();
  let running: Promise<DeadManSwitchResult> | undefined;
  return {
    check() {
      running ??= checkFeedLiveness(deps, deps.clock.now(), memory).finally(() => {
        running = undefined;
      });
      return running;
    },
  };
};
