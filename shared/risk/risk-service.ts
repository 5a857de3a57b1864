// The risk service: counts each intent for the flood limit on arrival, then one decider per account (the
// holder of the account's lease) decides its intents in batches: one snapshot, the intents in arrival order,
// one conditional transaction with their audit entries, then the approvals queued and the outcomes published.
// Intents arriving while the lease is held are parked for its holder. It never approves on error: a failure
// before a decision is recorded leaves nothing queued, and the intent parked or delivered again. The count is
// its own atomic write, done before the decision (a crash cannot skip it) and never undone: a redelivered
// intent counts again, which errs towards stopping a flood.
import { boundedBreachId, breachIdFor } from '../events/risk-events';
import { DETAIL_TYPES, domainEvent, type DetailOf, type DomainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import type { RiskLimits } from './limits';
import { ConcurrentUpdateError } from '../errors/errors';
import { jitteredBackoff } from '../retry/backoff';
import type { OrderRecord } from '../orders/order-record';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import { approvedOrderMessage, type OrderQueue } from '../ports/order-queue';
import { utcNow } from '../time/utc';
import type { Telemetry } from '../ports/telemetry';
import type { Log } from '../ports/log';
import type { DecisionSnapshot, RiskStore } from '../ports/risk-store';
import type { DecisionIntake, ParkedIntent } from '../ports/decision-intake';
import { METRICS } from '../telemetry/metrics';
import type { RiskDecision } from './evaluate';
import { decideBatch, decisionDetail, type BatchEntry } from './decision-batch';
import { throttleTripEvents } from './throttle-trip-event';
import { assessIntentFloodOf, intentBucketStart, type IntentCountReading } from './intent-flood';
import { resolveCompiledLimits } from './limits';
import { accountGauges } from './account-gauges';
import { isoToEpochMs } from '../time/iso-time';

export interface RiskServiceDeps {
  riskStore: RiskStore;
  decisionIntake: DecisionIntake;
  queue: OrderQueue;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  defaults: RiskLimits;
  /** Told of every decision this invocation takes, its own and parked ones, with the time since its intent arrived. */
  onDecided?: (outcome: IntentOutcome, latencyMs: number) => void;
  /** One structured line per decision (its intent id as the correlation id, its reasons), for an incident's reader. */
  logger?: Pick<Log, 'info'>;
}

export type IntentOutcome =
  | { outcome: 'approved'; intentId: string; replayed: boolean }
  | { outcome: 'denied'; intentId: string; reason: string; replayed: boolean }
  /** Parked for the invocation deciding the account's intents now, which decides, queues and publishes it. */
  | { outcome: 'queued'; intentId: string; replayed: false };

type IntendedDetail = DetailOf<'OrderIntended.v1'>;

const MAX_ATTEMPTS = 8;

/** Risk's events carry the intent id as correlation and the intent event as cause. */
const riskMeta = (intended: IntendedDetail, detailType: string, occurredAt: string) =>
  buildMeta({
    detailType,
    occurredAt,
    correlationId: intended.data.intentId,
    causationId: intended.meta.eventId,
    account: intended.meta.account,
    strategy: intended.meta.strategy,
    producer: 'risk',
  });

const approvedDetail = (intended: IntendedDetail, order: OrderRecord): DetailOf<'OrderApproved.v1'> => ({
  meta: riskMeta(intended, DETAIL_TYPES.OrderApproved, order.createdAt),
  data: {
    intent: intended.data,
    approvedAt: order.createdAt,
    approvedQuantity: order.approvedQuantity ?? intended.data.quantity,
    notional: order.notional ?? '0',
  },
});

const outcomeEvent = (intended: IntendedDetail, order: OrderRecord): DomainEvent => {
  if (order.status !== 'DENIED') return domainEvent(DETAIL_TYPES.OrderApproved, approvedDetail(intended, order));
  return domainEvent(DETAIL_TYPES.OrderDenied, {
    meta: riskMeta(intended, DETAIL_TYPES.OrderDenied, order.createdAt),
    data: {
      intent: intended.data,
      stage: 'pre-trade',
      reason: order.reason ?? 'EVALUATION_FAILED',
      failedChecks: order.failedChecks ?? [order.reason ?? 'EVALUATION_FAILED'],
      message: order.message ?? '',
    },
  });
};

/** One RiskBreach event per breaker-level finding; ids are stable per kind, account and session (or episode). */
const breachEvents = (intended: IntendedDetail, breaches: RiskDecision['effects']['breaches'], sessionStartMs: number, nowIso: string): DomainEvent[] =>
  breaches.map((breach) =>
    domainEvent(DETAIL_TYPES.RiskBreach, {
      meta: riskMeta(intended, DETAIL_TYPES.RiskBreach, nowIso),
      data: {
        breachId: breach.idSuffix !== undefined ? boundedBreachId(breach.kind, intended.meta.account, breach.idSuffix) : breachIdFor(breach.kind, intended.meta.account, sessionStartMs),
        kind: breach.kind,
        account: intended.meta.account,
        observed: breach.observed,
        threshold: breach.threshold,
        sessionStart: utcNow(sessionStartMs),
        detectedAt: nowIso,
        ...(breach.reason !== undefined ? { reason: breach.reason.slice(0, 500) } : {}),
      },
    }),
  );

/**
 * The delivery whose count first passes the environment's flood threshold (for its strategy or its account)
 * raises the breach itself, at once: under a flood the decider is what falls behind, and the halt must not
 * wait behind the intents that make the flood. It reads the account's state and limits for that, once per
 * bucket. The decider raises the same breach (the same id, so the breaker starts once) when it decides the
 * intent, which also covers an account whose own threshold differs. Never throws: the decider is the backstop.
 */
const raiseFloodAtOnce = async (deps: RiskServiceDeps, intended: IntendedDetail, count: IntentCountReading): Promise<void> => {
  const threshold = deps.defaults.intentFlood;
  if (!count.ok || (count.strategy !== threshold.maxPerStrategyPerSecond + 1 && count.account !== threshold.maxPerAccountPerSecond + 1)) return;
  try {
    const { account, strategy } = intended.meta;
    const snapshot = await deps.riskStore.loadDecisionSnapshot(account, [strategy], []);
    const nowMs = deps.clock.now();
    const limits = resolveCompiledLimits(deps.defaults, snapshot.limitsOverride, snapshot.limitsVersion)?.raw;
    const { breach } = assessIntentFloodOf(
      { strategy, tradingState: snapshot.tradingState, tradingStateSince: snapshot.tradingStateSince, nowMs, intentCount: count, defaults: deps.defaults },
      limits,
    );
    if (!breach) return;
    await deps.bus.publish(breachEvents(intended, [breach], snapshot.session?.sessionStartMs ?? 0, utcNow(nowMs)));
    deps.telemetry.count(METRICS.riskBreach, { kind: breach.kind });
  } catch {
    // The decider denies this intent INTENT_FLOOD and raises the breach with its decision.
  }
};

/**
 * Adds the intent to its second's counts for the flood limit, denied or not; a failed count is a reading that
 * denies (INTENT_COUNT_UNAVAILABLE), never an approval without one.
 */
const countIntent = async (deps: RiskServiceDeps, intended: IntendedDetail): Promise<IntentCountReading> => {
  try {
    const bucketStartMs = intentBucketStart(isoToEpochMs(intended.data.createdAt), deps.clock.now());
    return { ok: true, ...(await deps.riskStore.countIntent(intended.meta.account, intended.meta.strategy, bucketStartMs)) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
};

/** How long a decider lease lasts: longer than the risk function may run, so only a dead decider loses it. */
export const DECIDER_LEASE_MS = 12_000;
/**
 * How long one invocation keeps deciding others' intents before it hands the lease on (well within its
 * timeout): the next delivery, or the one-minute sweep, takes what is still parked.
 */
export const DECIDER_BUDGET_MS = 4_000;
/** Parked intents read per batch; the batch takes as many as fit in one transaction. */
const PARKED_PER_BATCH = 60;
const MAX_TRANSACTION_ITEMS = 100;

const outcomeOf = (order: OrderRecord, replayed: boolean): IntentOutcome =>
  order.status === 'DENIED'
    ? { outcome: 'denied', intentId: order.intent.intentId, reason: order.reason ?? 'EVALUATION_FAILED', replayed }
    : { outcome: 'approved', intentId: order.intent.intentId, replayed };

/**
 * Decides a batch of one account's intents on one snapshot and writes them together, again on fresh state when
 * the write lost a race; then queues the approvals, publishes the outcomes and unparks what it decided. Returns
 * the intents it decided (the batch's tail that did not fit stays parked).
 */
const decideAndRecord = async (
  deps: RiskServiceDeps,
  account: string,
  intents: readonly ParkedIntent[],
  parkedIds: ReadonlySet<string>,
  prefetched: Promise<DecisionSnapshot> | undefined,
): Promise<IntentOutcome[]> => {
  const strategies = [...new Set(intents.map((p) => p.intended.meta.strategy))];
  const intentIds = intents.map((p) => p.intended.data.intentId);
  for (let attempt = 1; ; attempt++) {
    const snapshot = await ((attempt === 1 ? prefetched : undefined) ?? deps.riskStore.loadDecisionSnapshot(account, strategies, intentIds));
    const batch = decideBatch({ snapshot, intents, defaults: deps.defaults, now: () => deps.clock.now(), maxItems: MAX_TRANSACTION_ITEMS });
    if (batch.record) {
      let recorded: 'recorded' | 'duplicate';
      try {
        recorded = await deps.riskStore.recordDecisions(batch.record);
      } catch (error) {
        // Another writer moved the rate window, the session or an item of the write first: decide again on fresh state.
        if (error instanceof ConcurrentUpdateError && attempt < MAX_ATTEMPTS) {
          await jitteredBackoff(attempt);
          continue;
        }
        throw error;
      }
      // An intent of the batch was decided meanwhile (a second delivery): read again, it is a replay now.
      if (recorded === 'duplicate') {
        if (attempt >= MAX_ATTEMPTS) throw new ConcurrentUpdateError(`could not record decisions for ${intentIds[0]} after ${MAX_ATTEMPTS} attempts`);
        continue;
      }
    }
    await afterRecorded(deps, batch.entries);
    publishGauges(deps, account, snapshot, batch.entries);
    const parkedDone = batch.entries.filter((e) => parkedIds.has(e.parked.intended.data.intentId)).map((e) => e.parked);
    if (parkedDone.length > 0) await deps.decisionIntake.unpark(account, parkedDone);
    return batch.entries.map((e) => outcomeOf(e.order, e.kind === 'replay'));
  }
};

/** The account's levels, once per batch, as its decisions found them; a gauge that cannot be computed is skipped. */
const publishGauges = (deps: RiskServiceDeps, account: string, snapshot: DecisionSnapshot, entries: readonly BatchEntry[]): void => {
  try {
    const sessionStartMs = entries.map((e) => (e.kind === 'replay' ? undefined : e.decision.effects.sessionStartMs)).find((ms) => ms !== undefined);
    const gauges = accountGauges(account, snapshot, sessionStartMs);
    const dimensions = { account };
    const emit = (metric: string, value: number | undefined) => value !== undefined && deps.telemetry.gauge(metric, value, dimensions);
    emit(METRICS.accountTradingState, gauges.tradingState);
    emit(METRICS.accountGrossExposure, gauges.grossExposure);
    emit(METRICS.accountNetExposure, gauges.netExposure);
    emit(METRICS.accountDailyPnl, gauges.dailyPnl);
    emit(METRICS.accountDrawdownBps, gauges.drawdownBps);
  } catch {
    // A level for the dashboard never fails a decision that is recorded already.
  }
};

/** The decision's log line: its audit detail, the breaches it raised and how long it took from arrival. */
const decisionLine = (intended: IntendedDetail, decision: RiskDecision, latencyMs: number): Record<string, unknown> => ({
  correlationId: intended.data.intentId,
  account: intended.meta.account,
  ...decisionDetail(intended, decision),
  breaches: decision.effects.breaches.map((b) => b.kind),
  latencyMs,
});

/** What follows a recorded batch: approvals queued, outcomes and breaches published, each decision measured. */
const afterRecorded = async (deps: RiskServiceDeps, entries: readonly BatchEntry[]): Promise<void> => {
  const approvals = entries.filter((e) => e.order.status === 'PENDING').map((e) => approvedOrderMessage(approvedDetail(e.parked.intended, e.order)));
  const events: DomainEvent[] = [];
  const nowMs = deps.clock.now();
  for (const entry of entries) {
    events.push(outcomeEvent(entry.parked.intended, entry.order));
    if (entry.kind === 'replay') {
      deps.onDecided?.(outcomeOf(entry.order, true), nowMs - entry.parked.receivedAtMs);
      continue;
    }
    const { decision, nowIso } = entry;
    // Breaches go out with every decision that sees them: the stable id makes repeats harmless downstream.
    events.push(...breachEvents(entry.parked.intended, decision.effects.breaches, decision.effects.sessionStartMs ?? 0, nowIso), ...throttleTripEvents(entry.parked.intended, decision.effects.throttleTrip, nowIso));
    const latencyMs = nowMs - entry.parked.receivedAtMs;
    deps.telemetry.durationMs(METRICS.decisionLatency, latencyMs);
    deps.telemetry.count(METRICS.decision, { outcome: decision.outcome, reason: decision.outcome === 'denied' ? decision.reason : 'NONE' });
    for (const breach of decision.effects.breaches) deps.telemetry.count(METRICS.riskBreach, { kind: breach.kind });
    deps.onDecided?.(outcomeOf(entry.order, false), latencyMs);
    deps.logger?.info('risk decision', decisionLine(entry.parked.intended, decision, latencyMs));
  }
  if (approvals.length > 0) await deps.queue.enqueue(approvals);
  await deps.bus.publish(events);
};

/**
 * What one turn as the decider did: the outcome of the intent it was looking for, whether it ran out of
 * budget, and whether an intent was parked for it while it held the lease.
 */
interface Turn {
  ownOutcome: IntentOutcome | undefined;
  budgetSpent: boolean;
  notified: boolean;
}

/**
 * Holds the account's lease and decides: the caller's own intent first when it has not parked it, then the
 * parked intents in arrival order, batch after batch while there were any, or until the budget is spent; then
 * hands the lease back.
 */
const lead = async (deps: RiskServiceDeps, account: string, owner: string, own: ParkedIntent | undefined, ownId: string, started: number): Promise<Turn> => {
  let ownOutcome: IntentOutcome | undefined;
  let budgetSpent = false;
  let first = own;
  try {
    for (;;) {
      // The own intent's snapshot is read beside the look at the parked ones: with none parked it is the batch's.
      const ownSnapshot = first ? deps.riskStore.loadDecisionSnapshot(account, [first.intended.meta.strategy], [first.intended.data.intentId]) : undefined;
      ownSnapshot?.catch(() => undefined);
      const parked = await deps.decisionIntake.parked(account, PARKED_PER_BATCH);
      const parkedIds = new Set(parked.map((p) => p.intended.data.intentId));
      const batch = first ? [first, ...parked] : parked;
      first = undefined;
      if (batch.length === 0) break;
      const outcomes = await decideAndRecord(deps, account, batch, parkedIds, parked.length === 0 ? ownSnapshot : undefined);
      ownOutcome ??= outcomes.find((o) => o.intentId === ownId);
      if (parked.length === 0) break;
      if (deps.clock.now() - started >= DECIDER_BUDGET_MS) {
        budgetSpent = true;
        break;
      }
    }
  } catch (error) {
    await deps.decisionIntake.release(account, owner).catch(() => undefined);
    throw error;
  }
  const { notified } = await deps.decisionIntake.release(account, owner);
  return { ownOutcome, budgetSpent, notified };
};

/**
 * Decides as the account's decider while intents are parked: when its release says an intent was parked for it
 * meanwhile, it looks once more and leads again if one is there and the lease is still free. A delivery parks
 * and then notifies the holder, and a notification lands before the release that reports it, so an intent
 * parked while the lease was held is seen by its own delivery (no live holder) or by the holder. `own` is the
 * caller's unparked intent when it took the lease on arrival; otherwise the caller holds nothing yet, and the
 * lease is tried first.
 */
const decideWhileParked = async (deps: RiskServiceDeps, account: string, owner: string, ownId: string, own?: ParkedIntent): Promise<IntentOutcome | undefined> => {
  const started = deps.clock.now();
  let ownOutcome: IntentOutcome | undefined;
  let first = own;
  if (!first && !(await deps.decisionIntake.acquire(account, owner, started, DECIDER_LEASE_MS))) return undefined;
  for (;;) {
    const turn = await lead(deps, account, owner, first, ownId, started);
    first = undefined;
    ownOutcome ??= turn.ownOutcome;
    if (turn.budgetSpent || !turn.notified) return ownOutcome;
    const waiting = await deps.decisionIntake.parked(account, 1);
    if (waiting.length === 0) return ownOutcome;
    if (!(await deps.decisionIntake.acquire(account, owner, deps.clock.now(), DECIDER_LEASE_MS))) return ownOutcome;
  }
};

/**
 * Takes one OrderIntended delivery: counts it for the flood limit, then decides it, and every intent parked for
 * the account, when it gets the account's decider lease; else parks it for the lease holder and returns
 * 'queued' at once. Whoever decides it records, queues and publishes its outcome; a failure before its
 * decision is recorded leaves it parked (or, unparked, fails this delivery so it is delivered again).
 */
export const decideIntent = async (deps: RiskServiceDeps, intended: IntendedDetail): Promise<IntentOutcome> => {
  const { account } = intended.meta;
  const { intentId } = intended.data;
  const receivedAtMs = deps.clock.now();
  // One owner per delivery: a redelivered intent is a different invocation.
  const owner = `${intentId}@${receivedAtMs}`;
  // Counted once per delivery, beside the lease attempt (so it costs no round trip of its own) and before
  // anything is decided.
  const counting = countIntent(deps, intended);
  const acquiring = deps.decisionIntake.acquire(account, owner, receivedAtMs, DECIDER_LEASE_MS);
  acquiring.catch(() => undefined);
  const count = await counting;
  const alarm = raiseFloodAtOnce(deps, intended, count);
  try {
    const mine: ParkedIntent = { intended, count, receivedAtMs };
    if (await acquiring) return (await decideWhileParked(deps, account, owner, intentId, mine)) ?? queued(intentId);
    await deps.decisionIntake.park(account, mine);
    // The holder may have handed the lease back between the attempt and the park, or died: then this delivery decides.
    if (await deps.decisionIntake.notifyHolder(account, deps.clock.now())) return queued(intentId);
    return (await decideWhileParked(deps, account, owner, intentId)) ?? queued(intentId);
  } finally {
    await alarm;
  }
};

/**
 * Decides what is parked for each account when nobody is deciding it: the schedule's sweep after a decider
 * died or spent its budget as its account went quiet, and the local drain. Returns how many it decided.
 */
export const decideParked = async (deps: RiskServiceDeps, accounts: readonly string[]): Promise<number> => {
  let decided = 0;
  const counting: RiskServiceDeps = { ...deps, onDecided: (outcome, latencyMs) => { decided++; deps.onDecided?.(outcome, latencyMs); } };
  for (const account of accounts) {
    if ((await deps.decisionIntake.parked(account, 1)).length === 0) continue;
    await decideWhileParked(counting, account, `sweep@${deps.clock.now()}`, '');
  }
  return decided;
};

const queued = (intentId: string): IntentOutcome => ({ outcome: 'queued', intentId, replayed: false });
