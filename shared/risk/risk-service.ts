// The risk service: loads one snapshot, decides, records the decision with its audit entry in one
// conditional transaction, then queues approvals and publishes the outcome. It never approves on error: a
// failure before the decision is recorded leaves nothing queued, and the caller retries.
import { auditEntry } from '../audit/audit-entry';
import { DETAIL_TYPES, domainEvent, type DetailOf, type DomainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { utcNow } from '../events/ids';
import type { RiskLimits } from './limits';
import { ConcurrentUpdateError } from '../errors/errors';
import { jitteredBackoff } from '../retry/backoff';
import type { OrderRecord } from '../orders/order-record';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { OrderQueue } from '../ports/order-queue';
import type { TradingStore } from '../ports/trading-store';
import { METRICS, type Telemetry } from '../telemetry/telemetry';
import { approvalsInWindow, evaluateIntent, type RiskDecision } from './evaluate';

export interface RiskServiceDeps {
  store: TradingStore;
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
  status: decision.outcome === 'approved' ? 'APPROVED' : 'DENIED',
  ...(decision.outcome === 'approved'
    ? { notional: decision.notional, approvedQuantity: decision.approvedQuantity }
    : { reason: decision.reason, failedChecks: decision.failedChecks, message: decision.message }),
  filledQuantity: '0',
  createdAt: nowIso,
  updatedAt: nowIso,
});

/** A redelivered intent: the first decision stands; an approval not yet consumed is queued again (deduped). */
const replay = async (deps: RiskServiceDeps, intended: IntendedDetail, existing: OrderRecord): Promise<IntentOutcome> => {
  if (existing.status === 'APPROVED') {
    await deps.queue.enqueue([approvedDetail(intended, existing)]);
  }
  await deps.bus.publish([outcomeEvent(intended, existing)]);
  return existing.status === 'DENIED'
    ? { outcome: 'denied', intentId: intended.data.intentId, reason: existing.reason ?? 'EVALUATION_FAILED', replayed: true }
    : { outcome: 'approved', intentId: intended.data.intentId, replayed: true };
};

export const decideIntent = async (deps: RiskServiceDeps, intended: IntendedDetail): Promise<IntentOutcome> => {
  const { account, strategy } = intended.meta;
  const { intentId, symbol } = intended.data;

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const started = deps.clock.now();
    const snapshot = await deps.store.loadRiskSnapshot(account, symbol, intentId);
    if (snapshot.existingOrder) return replay(deps, intended, snapshot.existingOrder);

    const nowMs = deps.clock.now();
    const decision = evaluateIntent({
      intent: intended.data,
      tradingState: snapshot.tradingState,
      defaults: deps.defaults,
      limitsOverride: snapshot.limitsOverride,
      mark: snapshot.mark,
      position: snapshot.position,
      recentApprovals: snapshot.orderRate.approvals,
      openOrders: snapshot.openOrders,
      nowMs,
    });
    const nowIso = utcNow(nowMs);
    const order = orderFromDecision(intended, decision, nowIso);

    let recorded: 'recorded' | 'duplicate';
    try {
      recorded = await deps.store.recordDecision({
        order,
        ...(decision.outcome === 'approved'
          ? {
              orderRate: {
                approvals: [
                  ...approvalsInWindow(snapshot.orderRate.approvals, nowMs, decision.approvalsHorizonMs),
                  { at: nowMs, symbol, side: intended.data.side, quantity: intended.data.quantity },
                ],
                expectedVersion: snapshot.orderRate.version,
              },
              inflight: { symbol, side: intended.data.side, quantity: decision.approvedQuantity },
            }
          : {}),
        audit: auditEntry({
          account,
          occurredAt: nowIso,
          kind: 'RISK_DECISION',
          actor: 'risk',
          correlationId: intentId,
          causationId: intended.meta.eventId,
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
      });
    } catch (error) {
      // Another approval moved the rate window first: decide again against the new window.
      if (error instanceof ConcurrentUpdateError && attempt < MAX_ATTEMPTS) {
        await jitteredBackoff(attempt);
        continue;
      }
      throw error;
    }
    if (recorded === 'duplicate') {
      const existing = await deps.store.getOrder(account, intentId);
      if (!existing) throw new Error(`order ${intentId} reported as duplicate but not found`);
      return replay(deps, intended, existing);
    }

    deps.telemetry.durationMs(METRICS.decisionLatency, deps.clock.now() - started);
    deps.telemetry.count(METRICS.decision, {
      outcome: decision.outcome,
      reason: decision.outcome === 'denied' ? decision.reason : 'NONE',
    });
    if (decision.outcome === 'approved') {
      await deps.queue.enqueue([approvedDetail(intended, order)]);
      await deps.bus.publish([outcomeEvent(intended, order)]);
      return { outcome: 'approved', intentId, replayed: false };
    }
    await deps.bus.publish([outcomeEvent(intended, order)]);
    return { outcome: 'denied', intentId, reason: decision.reason, replayed: false };
  }
  throw new ConcurrentUpdateError(`could not record a decision for ${intentId} after ${MAX_ATTEMPTS} attempts`);
};
