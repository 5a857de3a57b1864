// The risk service: counts the intent for the flood limit, loads one snapshot, decides, records the decision
// with its audit entry in one conditional transaction, then queues approvals and publishes the outcome. It
// never approves on error: a failure before the decision is recorded leaves nothing queued, and the caller
// retries. The count is its own atomic write, done before the decision (a crash cannot skip it) and never
// undone: a redelivered intent counts again, which errs towards stopping a flood.
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
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
import type { RiskStore } from '../ports/risk-store';
import { METRICS } from '../telemetry/metrics';
import { approvalsInWindow, evaluateIntent, type RiskDecision } from './evaluate';
import { throttleTripEvents } from './throttle-trip-event';
import { intentBucketStart, type IntentCountReading } from './intent-flood';
import { isoToEpochMs } from '../time/iso-time';

export interface RiskServiceDeps {
  riskStore: RiskStore;
  queue: OrderQueue;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  defaults: RiskLimits;
}

export type IntentOutcome =
  | { outcome: 'approved'; intentId: string; replayed: boolean }
  | { outcome: 'denied'; intentId: string; reason: string; replayed: boolean };

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

const orderFromDecision = (intended: IntendedDetail, decision: RiskDecision, nowIso: string): OrderRecord => ({
  account: intended.meta.account,
  strategy: intended.meta.strategy,
  intent: intended.data,
  status: decision.outcome === 'approved' ? 'PENDING' : 'DENIED',
  ...(decision.outcome === 'approved'
    ? // The approved size is in flight on the book from this write on (recordDecision adds it).
      { notional: decision.notional, approvedQuantity: decision.approvedQuantity, inFlight: decision.approvedQuantity }
    : { reason: decision.reason, failedChecks: decision.failedChecks, message: decision.message }),
  filledQuantity: '0',
  origin: 'strategy',
  createdAt: nowIso,
  updatedAt: nowIso,
  version: 1,
});

/** A redelivered intent: the first decision stands; an approval not yet consumed is queued again (deduped). */
const replay = async (deps: RiskServiceDeps, intended: IntendedDetail, existing: OrderRecord): Promise<IntentOutcome> => {
  if (existing.status === 'PENDING') {
    await deps.queue.enqueue([approvedOrderMessage(approvedDetail(intended, existing))]);
  }
  await deps.bus.publish([outcomeEvent(intended, existing)]);
  return existing.status === 'DENIED'
    ? { outcome: 'denied', intentId: intended.data.intentId, reason: existing.reason ?? 'EVALUATION_FAILED', replayed: true }
    : { outcome: 'approved', intentId: intended.data.intentId, replayed: true };
};

/** One RiskBreach event per breaker-level finding; ids are stable per kind, account and session. */
const breachEvents = (intended: IntendedDetail, decision: RiskDecision, nowIso: string): DomainEvent[] =>
  decision.effects.breaches.map((breach) =>
    domainEvent(DETAIL_TYPES.RiskBreach, {
      meta: riskMeta(intended, DETAIL_TYPES.RiskBreach, nowIso),
      data: {
        breachId:
          breach.idSuffix !== undefined
            ? boundedBreachId(breach.kind, intended.meta.account, breach.idSuffix)
            : breachIdFor(breach.kind, intended.meta.account, decision.effects.sessionStartMs ?? 0),
        kind: breach.kind,
        account: intended.meta.account,
        observed: breach.observed,
        threshold: breach.threshold,
        sessionStart: utcNow(decision.effects.sessionStartMs ?? 0),
        detectedAt: nowIso,
        ...(breach.reason !== undefined ? { reason: breach.reason.slice(0, 500) } : {}),
      },
    }),
  );

/** The decision's audit trail: the decision itself, and the loss warning or throttle trip it caused. */
const decisionAudit = (intended: IntendedDetail, decision: RiskDecision, nowIso: string): AuditEntry[] => {
  const { account, strategy } = intended.meta;
  const { intentId, symbol } = intended.data;
  const base = { account, occurredAt: nowIso, actor: 'risk', correlationId: intentId, causationId: intended.meta.eventId };
  const entries = [
    auditEntry({
      ...base,
      kind: 'RISK_DECISION',
      detail: {
        strategy,
        symbol,
        side: intended.data.side,
        quantity: intended.data.quantity,
        outcome: decision.outcome,
        ...(decision.outcome === 'approved'
          ? { notional: decision.notional, approvedQuantity: decision.approvedQuantity, checks: [...decision.checks] }
          : { reason: decision.reason, failedChecks: decision.failedChecks, message: decision.message }),
      },
    }),
  ];
  const { warning, throttleTrip } = decision.effects;
  if (warning) entries.push(auditEntry({ ...base, kind: 'LOSS_WARNING_REACHED', detail: { ...warning } }));
  if (throttleTrip) entries.push(auditEntry({ ...base, kind: 'EXECUTION_THROTTLE_TRIPPED', detail: { scope: throttleTrip.strategy, fills: throttleTrip.fills } }));
  return entries;
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

export const decideIntent = async (deps: RiskServiceDeps, intended: IntendedDetail): Promise<IntentOutcome> => {
  const { account, strategy } = intended.meta;
  const { intentId, symbol } = intended.data;
  // Counted once per delivery, beside the first read (so it costs no round trip of its own) and before
  // anything is decided; a retry after a lost race decides on the same count.
  const started = deps.clock.now();
  const counting = countIntent(deps, intended);
  let firstSnapshot: ReturnType<RiskStore['loadRiskSnapshot']> | undefined = deps.riskStore.loadRiskSnapshot(account, strategy, intentId);
  // Awaited below; never left rejected and unobserved when the snapshot fails first.
  firstSnapshot.catch(() => undefined);

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const attemptStarted = attempt === 1 ? started : deps.clock.now();
    const snapshot = await (firstSnapshot ?? deps.riskStore.loadRiskSnapshot(account, strategy, intentId));
    firstSnapshot = undefined;
    const intentCount = await counting;
    if (snapshot.existingOrder) return replay(deps, intended, snapshot.existingOrder);

    const nowMs = deps.clock.now();
    const decision = evaluateIntent({
      intent: intended.data,
      account,
      strategy,
      tradingState: snapshot.tradingState,
      tradingStateSince: snapshot.tradingStateSince,
      intentCount,
      defaults: deps.defaults,
      limitsOverride: snapshot.limitsOverride,
      ...(snapshot.limitsVersion !== undefined ? { limitsVersion: snapshot.limitsVersion } : {}),
      marks: snapshot.marks,
      book: snapshot.book,
      reference: snapshot.reference,
      marksRevision: snapshot.marksRevision,
      referenceRevision: snapshot.referenceRevision,
      session: snapshot.session,
      throttle: snapshot.throttle,
      recentApprovals: snapshot.orderRate.approvals,
      openOrders: snapshot.openOrders,
      nowMs,
    });
    const nowIso = utcNow(nowMs);
    const order = orderFromDecision(intended, decision, nowIso);
    const { effects } = decision;

    let recorded: 'recorded' | 'duplicate';
    try {
      recorded = await deps.riskStore.recordDecision({
        order,
        ...(decision.outcome === 'approved'
          ? {
              orderRate: {
                approvals: [
                  ...approvalsInWindow(snapshot.orderRate.approvals, nowMs, decision.approvalsHorizonMs),
                  { at: nowMs, kind: 'order', symbol, side: intended.data.side, quantity: intended.data.quantity, strategy, price: decision.price },
                ],
                expectedVersion: snapshot.orderRate.version,
              },
              inFlight: { symbol, side: intended.data.side, quantity: decision.approvedQuantity },
            }
          : {}),
        ...(effects.session ? { session: { next: effects.session, expectedVersion: snapshot.session?.version ?? 0 } } : {}),
        ...(effects.throttleTrip ? { throttleTrip: { strategy: effects.throttleTrip.strategy, disabledAt: nowMs } } : {}),
        ...(effects.throttlePrune.length > 0 ? { throttlePrune: effects.throttlePrune } : {}),
        audit: decisionAudit(intended, decision, nowIso),
      });
    } catch (error) {
      // Another decision moved the rate window, the session or the state first: decide again on fresh state.
      if (error instanceof ConcurrentUpdateError && attempt < MAX_ATTEMPTS) {
        await jitteredBackoff(attempt);
        continue;
      }
      throw error;
    }
    if (recorded === 'duplicate') {
      const existing = await deps.riskStore.getOrder(account, intentId);
      if (!existing) throw new Error(`order ${intentId} reported as duplicate but not found`);
      return replay(deps, intended, existing);
    }

    deps.telemetry.durationMs(METRICS.decisionLatency, deps.clock.now() - attemptStarted);
    deps.telemetry.count(METRICS.decision, {
      outcome: decision.outcome,
      reason: decision.outcome === 'denied' ? decision.reason : 'NONE',
    });
    for (const breach of effects.breaches) deps.telemetry.count(METRICS.riskBreach, { kind: breach.kind });
    // Breaches go out with every decision that sees them: the stable id makes repeats harmless downstream.
    const breaches = [...breachEvents(intended, decision, nowIso), ...throttleTripEvents(intended, effects.throttleTrip, nowIso)];
    if (decision.outcome === 'approved') {
      await deps.queue.enqueue([approvedOrderMessage(approvedDetail(intended, order))]);
      await deps.bus.publish([outcomeEvent(intended, order), ...breaches]);
      return { outcome: 'approved', intentId, replayed: false };
    }
    await deps.bus.publish([outcomeEvent(intended, order), ...breaches]);
    return { outcome: 'denied', intentId, reason: decision.reason, replayed: false };
  }
  throw new ConcurrentUpdateError(`could not record a decision for ${intentId} after ${MAX_ATTEMPTS} attempts`);
};
