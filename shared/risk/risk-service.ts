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
import { decideBatch, decisionDetail, isIntentTooOld, type BatchEntry } from './decision-batch';
import { throttleTripEvents } from './throttle-trip-event';
import { ACCOUNT_SCOPE } from './scopes';
import { assessIntentFloodOf, countPlaces, intentBucketStart, type IntentCountReading } from './intent-flood';
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
 * The intent whose count first passes the environment's flood threshold (for its strategy or its account)
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
 * Adds a delivery's intents of one account to their seconds' counts for the flood limit, denied or not: one
 * atomic ADD per strategy and second, each intent given its own place in the count (so exactly one intent of
 * all deliveries is the one that crosses a threshold). A failed count is a reading that denies
 * (INTENT_COUNT_UNAVAILABLE), never an approval without one. An intent too old to be decided is not counted.
 */
const countIntents = async (deps: RiskServiceDeps, account: string, intendeds: readonly IntendedDetail[]): Promise<IntentCountReading[]> => {
  const nowMs = deps.clock.now();
  const groups = new Map<string, { strategy: string; bucketStartMs: number; indexes: number[] }>();
  const readings: IntentCountReading[] = intendeds.map(() => ({ ok: false, error: 'not counted' }));
  intendeds.forEach((intended, index) => {
    // Too old to be decided (a replay from the archive, a backlog upstream): denied INTENT_EXPIRED whatever its
    // count, so it is not counted, and a replayed window cannot trip the flood limit of today's trading.
    if (isIntentTooOld(intended.data.createdAt, nowMs)) {
      readings[index] = { ok: false, error: 'created too long ago to be decided' };
      return;
    }
    const bucketStartMs = intentBucketStart(isoToEpochMs(intended.data.createdAt), nowMs);
    const key = `${intended.meta.strategy}\u0000${bucketStartMs}`;
    const group = groups.get(key) ?? { strategy: intended.meta.strategy, bucketStartMs, indexes: [] };
    group.indexes.push(index);
    groups.set(key, group);
  });
  await Promise.all(
    [...groups.values()].map(async ({ strategy, bucketStartMs, indexes }) => {
      try {
        const total = await deps.riskStore.countIntent(account, strategy, bucketStartMs, indexes.length);
        countPlaces(total, indexes.length).forEach((place, k) => (readings[indexes[k] ?? -1] = { ok: true, ...place }));
      } catch (error) {
        for (const index of indexes) readings[index] = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  return readings;
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
    const trip = decision.effects.throttleTrip;
    if (trip) deps.telemetry.count(METRICS.executionThrottleTripped, { scope: trip.strategy === ACCOUNT_SCOPE ? 'account' : 'strategy' });
    deps.onDecided?.(outcomeOf(entry.order, false), latencyMs);
    deps.logger?.info('risk decision', decisionLine(entry.parked.intended, decision, latencyMs));
  }
  if (approvals.length > 0) await deps.queue.enqueue(approvals);
  await deps.bus.publish(events);
};

/** What one turn as the decider did: whether it ran out of budget, and whether an intent was parked for it meanwhile. */
interface Turn {
  budgetSpent: boolean;
  notified: boolean;
}

/** The intents a delivery looks for, and the outcomes found for them so far, by intent id. */
type Wanted = Map<string, IntentOutcome | undefined>;

/**
 * Holds the account's lease and decides: the caller's own intents first when it has not parked them, then the
 * parked intents in arrival order, batch after batch while there were any, or until the budget is spent; then
 * hands the lease back.
 */
const lead = async (deps: RiskServiceDeps, account: string, owner: string, own: readonly ParkedIntent[], wanted: Wanted, started: number): Promise<Turn> => {
  let budgetSpent = false;
  let first = own;
  try {
    for (;;) {
      // The own intents' snapshot is read beside the look at the parked ones: with none parked it is the batch's.
      const ownSnapshot =
        first.length > 0
          ? deps.riskStore.loadDecisionSnapshot(account, [...new Set(first.map((p) => p.intended.meta.strategy))], first.map((p) => p.intended.data.intentId))
          : undefined;
      ownSnapshot?.catch(() => undefined);
      const parked = await deps.decisionIntake.parked(account, PARKED_PER_BATCH);
      const parkedIds = new Set(parked.map((p) => p.intended.data.intentId));
      const batch = [...first, ...parked];
      first = [];
      if (batch.length === 0) break;
      const outcomes = await decideAndRecord(deps, account, batch, parkedIds, parked.length === 0 ? ownSnapshot : undefined);
      for (const outcome of outcomes) if (wanted.has(outcome.intentId) && wanted.get(outcome.intentId) === undefined) wanted.set(outcome.intentId, outcome);
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
  return { budgetSpent, notified };
};

/**
 * Decides as the account's decider while intents are parked: when its release says an intent was parked for it
 * meanwhile, it looks once more and leads again if one is there and the lease is still free. A delivery parks
 * and then notifies the holder, and a notification lands before the release that reports it, so an intent
 * parked while the lease was held is seen by its own delivery (no live holder) or by the holder. `own` are the
 * caller's unparked intents when it took the lease on arrival; otherwise the caller holds nothing yet, and the
 * lease is tried first.
 */
const decideWhileParked = async (deps: RiskServiceDeps, account: string, owner: string, wanted: Wanted, own: readonly ParkedIntent[] = []): Promise<void> => {
  const started = deps.clock.now();
  let first = own;
  if (first.length === 0 && !(await deps.decisionIntake.acquire(account, owner, started, DECIDER_LEASE_MS))) return;
  for (;;) {
    const turn = await lead(deps, account, owner, first, wanted, started);
    first = [];
    if (turn.budgetSpent || !turn.notified) return;
    const waiting = await deps.decisionIntake.parked(account, 1);
    if (waiting.length === 0) return;
    if (!(await deps.decisionIntake.acquire(account, owner, deps.clock.now(), DECIDER_LEASE_MS))) return;
  }
};

/**
 * Takes one delivery's intents of one account: counts them for the flood limit, then decides them, and every
 * intent parked for the account, when it gets the account's decider lease; else parks them for the lease
 * holder and returns them 'queued' at once. Whoever decides an intent records, queues and publishes its
 * outcome; a failure before its decision is recorded leaves it parked (or, unparked, fails this delivery so it
 * is delivered again). Outcomes in the order given.
 */
export const decideAccountIntents = async (deps: RiskServiceDeps, account: string, items: readonly IntakeItem[]): Promise<IntentOutcome[]> => {
  const receivedAtMs = deps.clock.now();
  const intendeds = items.map((item) => item.intended);
  const [head] = intendeds;
  if (!head) return [];
  // One owner per delivery: a redelivered intent is a different invocation.
  const owner = `${head.data.intentId}@${receivedAtMs}`;
  const wanted: Wanted = new Map(intendeds.map((i) => [i.data.intentId, undefined]));
  // Counted once per delivery, beside the lease attempt (so it costs no round trip of its own) and before
  // anything is decided.
  const counting = countIntents(deps, account, intendeds);
  const acquiring = deps.decisionIntake.acquire(account, owner, receivedAtMs, DECIDER_LEASE_MS);
  acquiring.catch(() => undefined);
  const counts = await counting;
  const alarms = Promise.all(intendeds.map((intended, i) => raiseFloodAtOnce(deps, intended, counts[i] ?? { ok: false, error: 'not counted' })));
  try {
    const mine: ParkedIntent[] = items.map(({ intended, arrivedAtMs }, i) => ({
      intended,
      count: counts[i] ?? { ok: false, error: 'not counted' },
      receivedAtMs: arrivalOf(arrivedAtMs, receivedAtMs),
    }));
    if (await acquiring) {
      await decideWhileParked(deps, account, owner, wanted, mine);
    } else {
      await deps.decisionIntake.park(account, mine);
      // The holder may have handed the lease back between the attempt and the park, or died: then this delivery decides.
      if (!(await deps.decisionIntake.notifyHolder(account, deps.clock.now()))) await decideWhileParked(deps, account, owner, wanted);
    }
    return intendeds.map((i) => wanted.get(i.data.intentId) ?? queued(i.data.intentId));
  } finally {
    await alarms;
  }
};

/** Takes one OrderIntended delivery (see decideAccountIntents). */
export const decideIntent = async (deps: RiskServiceDeps, intended: IntendedDetail): Promise<IntentOutcome> => {
  const [outcome] = await decideAccountIntents(deps, intended.meta.account, [{ intended }]);
  return outcome ?? queued(intended.data.intentId);
};

/**
 * An intent as the intake hands it over: the event, and when it entered the intake (the queue's sent time) if
 * it waited on the way. Its wait to be decided counts from then, so an intent that sat in the queue (a backlog,
 * a batch delivered again) is denied INTENT_EXPIRED rather than decided late.
 */
export interface IntakeItem {
  intended: IntendedDetail;
  arrivedAtMs?: number;
}

/** The intake queue keeps a message an hour at most: a sent time outside that (or ahead of the clock) is not believed. */
const MAX_INTAKE_WAIT_MS = 3_600_000;
const arrivalOf = (arrivedAtMs: number | undefined, nowMs: number): number =>
  arrivedAtMs !== undefined && Number.isFinite(arrivedAtMs) && arrivedAtMs <= nowMs && nowMs - arrivedAtMs <= MAX_INTAKE_WAIT_MS ? arrivedAtMs : nowMs;

/** What became of one intent of a batch: its outcome, or the failure that leaves it to be delivered again. */
export type BatchIntentResult = { intentId: string; outcome: IntentOutcome } | { intentId: string; error: unknown };

/**
 * Takes a batch of intents from the intake queue: each account's intents together (one count per strategy and
 * second, one park, one notification), the accounts side by side. An account whose intents could not be
 * taken fails only its own (to be delivered again); the others stand. Results in the order given.
 */
export const decideIntentBatch = async (deps: RiskServiceDeps, items: readonly IntakeItem[]): Promise<BatchIntentResult[]> => {
  const byAccount = new Map<string, IntakeItem[]>();
  for (const item of items) {
    const group = byAccount.get(item.intended.meta.account);
    if (group) group.push(item);
    else byAccount.set(item.intended.meta.account, [item]);
  }
  const results = new Map<IntakeItem, BatchIntentResult>();
  await Promise.all(
    [...byAccount].map(async ([account, group]) => {
      try {
        const outcomes = await decideAccountIntents(deps, account, group);
        group.forEach((item, i) => results.set(item, { intentId: item.intended.data.intentId, outcome: outcomes[i] ?? queued(item.intended.data.intentId) }));
      } catch (error) {
        for (const item of group) results.set(item, { intentId: item.intended.data.intentId, error });
      }
    }),
  );
  return items.map((item) => results.get(item) ?? { intentId: item.intended.data.intentId, error: new Error('not taken') });
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
    await decideWhileParked(counting, account, `sweep@${deps.clock.now()}`, new Map());
  }
  return decided;
};

const queued = (intentId: string): IntentOutcome => ({ outcome: 'queued', intentId, replayed: false });
