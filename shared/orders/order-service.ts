// The order service: turns an approved order into exactly one broker order and keeps the stored order in
// step with the broker. A lease on the order makes one worker the submitter; the broker call is idempotent
// by client order id (= intent id). An ambiguous answer (timeout, 5xx, reset, 429) leaves the order
// IN_FLIGHT until a query by client order id settles it; only a definite answer rejects it. Every broker
// view (submit response, stream update, query) goes through reduceBrokerView and one conditional write, so
// fills are booked exactly once whatever order or how often the views arrive.
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { utcNow } from '../events/ids';
import { ConcurrentUpdateError, InfrastructureError, RetryLaterError } from '../errors/errors';
import { jitteredBackoff } from '../retry/backoff';
import { applyFill, type Position } from '../ledger/position';
import { dec, toDecimalString, ZERO } from '../money/decimal';
import * as fx from '../money/fixed';
import { BrokerCallError, type Broker, type BrokerOrder, type BrokerUpdate } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { OrderQueueMessage } from '../events/order-queue-messages';
import type { ApprovedOrderMessage } from '../ports/order-queue';
import type { BookedFill, TradingStore } from '../ports/trading-store';
import { EXECUTION_BUCKET_MS } from '../risk/limits';
import { reducesExposure } from '../risk/evaluate';
import type { DenialReason } from '../risk/reasons';
import { METRICS, type Telemetry } from '../telemetry/telemetry';
import { tradingStateDenial } from '../trading-state/trading-state';
import { isoToEpochMs } from '../time/iso-time';
import { reduceBrokerView, type BrokerView, type LifecycleStep } from './order-lifecycle';
import { isBrokerLive, isSettledForSubmission, type OrderRecord, type OrderStatus } from './order-record';

export interface OrderServiceDeps {
  store: TradingStore;
  broker: Broker;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  /** Identifies this worker in the order's lease (e.g. the Lambda request id). */
  workerId: string;
  /** How long a claim stays exclusive; must exceed the broker call's timeout. */
  leaseMs: number;
  /**
   * How long after an ambiguous submission a "no such order" answer is still not trusted (the request may
   * be in transit). After it, the order is sent again under the same client order id, or blocked.
   */
  inFlightGraceMs?: number;
}

export type SubmissionOutcome = 'submitted' | 'duplicate' | 'blocked' | 'rejected' | 'settled';

const MAX_WRITE_ATTEMPTS = 8;
const DEFAULT_IN_FLIGHT_GRACE_MS = 30_000;
const ZERO_FIXED = fx.fixedFromInt(0);

interface Context {
  account: string;
  strategy: string;
  /** The event this work answers (message id, update id). */
  causationId: string;
  actor: string;
}

const contextOf = (message: ApprovedOrderMessage): Context => ({
  account: message.meta.account,
  strategy: message.meta.strategy,
  causationId: message.meta.eventId,
  actor: 'order',
});

const metaFor = (ctx: Context, intentId: string, detailType: string, occurredAt: string, discriminator?: string) =>
  buildMeta({
    detailType,
    occurredAt,
    correlationId: intentId,
    causationId: ctx.causationId,
    account: ctx.account,
    strategy: ctx.strategy,
    producer: 'order',
    ...(discriminator ? { discriminator } : {}),
  });

const audit = (ctx: Context, intentId: string, occurredAt: string, kind: AuditEntry['kind'], detail: Record<string, unknown>, discriminator?: string) =>
  auditEntry({ account: ctx.account, occurredAt, kind, actor: ctx.actor, correlationId: intentId, causationId: ctx.causationId, detail, ...(discriminator ? { discriminator } : {}) });

/** Retries a read-reduce-write cycle that lost a race on the order or the position. */
const withRetries = async <T>(what: string, attempt: () => Promise<T>): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && i < MAX_WRITE_ATTEMPTS) {
        await jitteredBackoff(i);
        continue;
      }
      if (error instanceof ConcurrentUpdateError) throw new ConcurrentUpdateError(`${what} kept moving`, { cause: error });
      throw error;
    }
  }
};

const signedRelease = (order: OrderRecord, delta: string) => ({ symbol: order.intent.symbol, side: order.intent.side, quantity: delta });

/**
 * Applies one broker view to the stored order: fills beyond the watermark are booked (fetched from the
 * broker when the view reports more filled than it carries), the status follows the broker, anomalies are
 * audited and counted (the metric alarms). Returns the step that was written, or undefined when nothing
 * changed.
 */
export const applyBrokerView = async (
  deps: Omit<OrderServiceDeps, 'workerId' | 'leaseMs'> & { workerId?: string },
  ctx: Context,
  intentId: string,
  view: BrokerView,
  options: { leaseOwner?: string } = {},
): Promise<{ order: OrderRecord; step: LifecycleStep | undefined }> =>
  withRetries(`order ${intentId}`, async () => {
    const order = await deps.store.getOrder(ctx.account, intentId);
    if (!order) throw new InfrastructureError(`no order record for ${intentId}`, 'store');
    let step = reduceBrokerView(order, view);
    if (step.missingFills && step.brokerOrderId) {
      // The broker reports fills this view does not carry (a lost update, an immediate fill): fetch them.
      const brokerOrderId = step.brokerOrderId;
      const after = new Date(isoToEpochMs(order.createdAt) - 60_000).toISOString();
      const fetched = await deps.broker.listFills({ after, brokerOrderId });
      step = reduceBrokerView(order, { ...view, fills: [...(view.fills ?? []), ...fetched] });
    }
    const nowIso = utcNow(deps.clock.now());
    const holdsLease = options.leaseOwner !== undefined && order.leaseOwner === options.leaseOwner;
    const leavesSubmission = holdsLease && step.status !== 'SUBMITTED';
    const changed =
      step.statusChanged ||
      step.fills.length > 0 ||
      step.brokerOrderId !== order.brokerOrderId ||
      step.brokerUpdatedAt !== order.brokerUpdatedAt ||
      step.brokerFilledQuantity !== (order.brokerFilledQuantity ?? '0') ||
      leavesSubmission;
    for (const anomaly of step.anomalies) deps.telemetry.count(METRICS.orderAnomaly, { kind: anomaly.kind });
    if (!changed) {
      if (step.stale) deps.telemetry.count(METRICS.staleBrokerUpdate);
      return { order, step: undefined };
    }

    // The ledger: each fill moves the position and cash exactly once.
    const before = step.fills.length ? await deps.store.getPosition(ctx.account, order.intent.symbol) : undefined;
    let position: Position | undefined = before;
    let cash = ZERO;
    const entries: AuditEntry[] = [];
    const events: DomainEvent[] = [];
    const booked: BookedFill[] = [];
    for (const fill of step.fills) {
      if (!position) break;
      const effect = applyFill(position, { side: order.intent.side, quantity: fill.quantity, price: fill.price });
      position = effect.position;
      cash = cash.plus(dec(effect.cashDelta));
      const key = `${fill.brokerOrderId}#${fill.cumulativeQuantity}`;
      booked.push({ executionId: fill.executionId, brokerOrderId: fill.brokerOrderId, cumulativeQuantity: fill.cumulativeQuantity, quantity: fill.quantity, price: fill.price, at: fill.at });
      entries.push(
        audit(ctx, intentId, nowIso, 'FILL_APPLIED', {
          executionId: fill.executionId,
          brokerOrderId: fill.brokerOrderId,
          cumulativeQuantity: fill.cumulativeQuantity,
          quantity: fill.quantity,
          price: fill.price,
          positionQuantity: position.quantity,
        }, key),
      );
      events.push(
        domainEvent(DETAIL_TYPES.FillApplied, {
          meta: metaFor(ctx, intentId, DETAIL_TYPES.FillApplied, nowIso, key),
          data: {
            intentId,
            tradeId: fill.executionId,
            symbol: order.intent.symbol,
            side: order.intent.side,
            quantity: fill.quantity,
            price: fill.price,
            positionQuantity: position.quantity,
            cashDelta: effect.cashDelta,
          },
        }),
      );
    }
    if (step.statusChanged) {
      entries.push(audit(ctx, intentId, nowIso, 'ORDER_TRANSITION', { from: order.status, to: step.status, brokerOrderId: step.brokerOrderId }, `${order.version ?? 0}`));
    }
    for (const anomaly of step.anomalies) {
      entries.push(audit(ctx, intentId, nowIso, 'ORDER_ANOMALY', { ...anomaly }, `${order.version ?? 0}:${anomaly.kind}`));
    }
    if (step.brokerOrderId && !order.brokerOrderId) {
      events.push(
        domainEvent(DETAIL_TYPES.OrderSubmitted, {
          meta: metaFor(ctx, intentId, DETAIL_TYPES.OrderSubmitted, nowIso),
          data: {
            intentId,
            clientOrderId: intentId,
            brokerOrderId: step.brokerOrderId,
            symbol: order.intent.symbol,
            side: order.intent.side,
            quantity: order.approvedQuantity ?? order.intent.quantity,
            brokerStatus: view.order?.status ?? step.status.toLowerCase(),
          },
        }),
      );
    }

    await deps.store.recordOrderUpdate({
      account: ctx.account,
      intentId,
      expectedVersion: order.version ?? 0,
      set: {
        status: step.status,
        ...(step.brokerOrderId ? { brokerOrderId: step.brokerOrderId } : {}),
        filledQuantity: step.filledQuantity,
        filledNotional: step.filledNotional,
        brokerFilledQuantity: step.brokerFilledQuantity,
        ...(step.brokerUpdatedAt ? { brokerUpdatedAt: step.brokerUpdatedAt } : {}),
        inflight: step.inflight,
        ...(view.order?.rejectReason && step.status === 'REJECTED' ? { rejectReason: view.order.rejectReason } : {}),
        updatedAt: nowIso,
      },
      releaseLease: leavesSubmission,
      fills: booked,
      ...(before && position ? { position: { before, after: position } } : {}),
      cashDelta: toDecimalString(cash),
      inflight: signedRelease(order, step.inflightDelta),
      openOrdersDelta: step.openOrdersDelta,
      ...(booked.length ? { throttle: { strategy: order.strategy, bucketStartMs: Math.floor(deps.clock.now() / EXECUTION_BUCKET_MS) * EXECUTION_BUCKET_MS } } : {}),
      audit: entries,
    });
    deps.telemetry.count(METRICS.fillApplied, {}, booked.length);
    if (step.statusChanged) deps.telemetry.count(METRICS.orderTransition, { to: step.status });
    await deps.bus.publish(events);
    return { order, step };
  });

/**
 * A move decided here, not by the broker (blocked, in flight, rejected, canceled before sending):
 * conditional on the order's version and, for a claimed order, on this worker's lease.
 */
const recordLocalMove = async (
  deps: OrderServiceDeps,
  ctx: Context,
  order: OrderRecord,
  to: OrderStatus,
  detail: { reason?: DenialReason; rejectReason?: string; inFlightSince?: string; requestedBy?: string; cancelReason?: string },
  options: { claimed: boolean } = { claimed: true },
): Promise<void> => {
  const nowIso = utcNow(deps.clock.now());
  const final = to === 'BLOCKED' || to === 'REJECTED' || to === 'CANCELED';
  const release = final ? toDecimalString(dec(order.inflight ?? '0').neg()) : '0';
  await deps.store.recordOrderUpdate({
    account: ctx.account,
    intentId: order.intent.intentId,
    expectedVersion: order.version ?? 0,
    ...(options.claimed ? { leaseOwner: deps.workerId } : {}),
    set: {
      status: to,
      ...(final ? { inflight: '0' } : {}),
      ...(detail.reason ? { reason: detail.reason } : {}),
      ...(detail.rejectReason ? { rejectReason: detail.rejectReason } : {}),
      ...(detail.inFlightSince ? { inFlightSince: detail.inFlightSince } : {}),
      updatedAt: nowIso,
    },
    releaseLease: true,
    fills: [],
    cashDelta: '0',
    inflight: signedRelease(order, release),
    openOrdersDelta: final ? -1 : 0,
    audit: [audit(ctx, order.intent.intentId, nowIso, to === 'BLOCKED' ? 'ORDER_BLOCKED' : 'ORDER_TRANSITION', { from: order.status, to, ...detail, symbol: order.intent.symbol }, `${order.version ?? 0}`)],
  });
};

/**
 * The last gate before the broker, on strongly consistent reads: the trading state, and in REDUCING that the
 * order still shrinks the position even if every other in-flight order on its side fills first (the book's
 * in-flight size already includes this order).
 */
const submissionDenial = async (deps: OrderServiceDeps, account: string, order: OrderRecord): Promise<DenialReason | null> => {
  const state = await deps.store.getTradingState(account);
  const denial = tradingStateDenial(state);
  if (denial || state !== 'REDUCING') return denial;
  const { intent } = order;
  const entry = await deps.store.getBookEntry(account, intent.symbol);
  const own = fx.parseFixed(order.inflight ?? order.approvedQuantity ?? intent.quantity);
  const quantity = fx.parseFixed(entry.quantity);
  const long = fx.sub(fx.add(quantity, fx.parseFixed(entry.inflightBuy)), intent.side === 'buy' ? own : ZERO_FIXED);
  const short = fx.add(fx.sub(quantity, fx.parseFixed(entry.inflightSell)), intent.side === 'sell' ? own : ZERO_FIXED);
  return reducesExposure(intent.side, own, { quantity, long, short }) ? null : 'TRADING_REDUCING';
};

const block = async (deps: OrderServiceDeps, ctx: Context, order: OrderRecord, reason: DenialReason) => {
  const nowIso = utcNow(deps.clock.now());
  await recordLocalMove(deps, ctx, order, 'BLOCKED', { reason });
  deps.telemetry.count(METRICS.orderBlocked, { reason });
  await deps.bus.publish([
    domainEvent(DETAIL_TYPES.OrderDenied, {
      meta: metaFor(ctx, order.intent.intentId, DETAIL_TYPES.OrderDenied, nowIso),
      data: { intent: order.intent, stage: 'pre-submit', reason, failedChecks: [reason], message: `trading state re-checked before submission: ${reason}` },
    }),
  ]);
};

/** Sends a claimed order: a definite answer is applied, an ambiguous one leaves it IN_FLIGHT and retries later. */
const send = async (deps: OrderServiceDeps, ctx: Context, order: OrderRecord): Promise<SubmissionOutcome> => {
  const denial = await submissionDenial(deps, ctx.account, order);
  if (denial) {
    await block(deps, ctx, order, denial);
    return 'blocked';
  }
  const { intent } = order;
  let response: BrokerOrder;
  try {
    response = await deps.broker.submitOrder({
      clientOrderId: intent.intentId,
      symbol: intent.symbol,
      side: intent.side,
      quantity: order.approvedQuantity ?? intent.quantity,
      orderType: intent.orderType,
      ...(intent.limitPrice ? { limitPrice: intent.limitPrice } : {}),
      timeInForce: intent.timeInForce,
    });
  } catch (error) {
    if (error instanceof BrokerCallError && error.outcome === 'refused') {
      await recordLocalMove(deps, ctx, order, 'REJECTED', { rejectReason: `broker refused: ${error.message}` });
      deps.telemetry.count(METRICS.orderSubmitted, { status: 'refused' });
      return 'rejected';
    }
    // The broker may have the order: it stays in flight until a query by client order id settles it.
    await recordLocalMove(deps, ctx, order, 'IN_FLIGHT', { inFlightSince: order.inFlightSince ?? utcNow(deps.clock.now()) });
    deps.telemetry.count(METRICS.orderInFlight);
    throw new RetryLaterError(`submission of ${intent.intentId} is ambiguous; it stays in flight until the broker is queried`, { cause: error });
  }
  await applyBrokerView(deps, ctx, intent.intentId, { order: response }, { leaseOwner: deps.workerId });
  deps.telemetry.count(METRICS.orderSubmitted, { status: response.status });
  return 'submitted';
};

const queryBroker = async (deps: OrderServiceDeps, intentId: string): Promise<BrokerOrder | undefined> => {
  try {
    return await deps.broker.getOrderByClientOrderId(intentId);
  } catch (error) {
    throw new RetryLaterError(`broker query for ${intentId} failed; the order stays as it is`, { cause: error });
  }
};

/** An IN_FLIGHT order: the broker's answer to a query settles it; "none" is trusted only after the grace period. */
const settleInFlight = async (deps: OrderServiceDeps, ctx: Context, order: OrderRecord): Promise<SubmissionOutcome> => {
  const { intentId } = order.intent;
  const found = await queryBroker(deps, intentId);
  if (found) {
    await applyBrokerView(deps, ctx, intentId, { order: found });
    return 'settled';
  }
  const since = isoToEpochMs(order.inFlightSince ?? order.updatedAt);
  const grace = deps.inFlightGraceMs ?? DEFAULT_IN_FLIGHT_GRACE_MS;
  if (!(deps.clock.now() - since >= grace)) {
    throw new RetryLaterError(`order ${intentId} is in flight and the broker does not show it yet`);
  }
  // The broker never got it: send it again under the same client order id (a late original is refused as a duplicate).
  const claim = await deps.store.claimForSubmission(ctx.account, intentId, deps.workerId, deps.clock.now(), deps.leaseMs, ['IN_FLIGHT']);
  if (!claim.claimed) throw new RetryLaterError(`order ${intentId} changed while settling it`);
  return send(deps, ctx, claim.order);
};

export const processApprovedOrder = async (deps: OrderServiceDeps, message: ApprovedOrderMessage): Promise<SubmissionOutcome> => {
  const ctx = contextOf(message);
  const { intentId } = message.data.intent;
  const claim = await deps.store.claimForSubmission(ctx.account, intentId, deps.workerId, deps.clock.now(), deps.leaseMs);
  if (!claim.claimed) {
    if (!claim.order) throw new InfrastructureError(`no order record for approved intent ${intentId}`, 'store');
    if (claim.order.status === 'IN_FLIGHT') return settleInFlight(deps, ctx, claim.order);
    if (isSettledForSubmission(claim.order.status)) {
      deps.telemetry.count(METRICS.orderDuplicate);
      return 'duplicate';
    }
    throw new RetryLaterError(`order ${intentId} is being submitted by ${claim.order.leaseOwner ?? 'another worker'}`);
  }
  // A dead predecessor may have reached the broker: what the broker holds is then a fact to book, not a
  // decision to make again (blocking it locally would leave an untracked order at the broker).
  if (claim.tookOverExpiredLease) {
    const found = await queryBroker(deps, intentId);
    if (found) {
      await applyBrokerView(deps, ctx, intentId, { order: found }, { leaseOwner: deps.workerId });
      return 'settled';
    }
  }
  return send(deps, ctx, claim.order);
};

/** One message of the broker's update stream; an order we do not know is left to reconciliation to adopt. */
export const processBrokerUpdate = async (
  deps: OrderServiceDeps,
  account: string,
  update: BrokerUpdate,
  causationId: string,
): Promise<'applied' | 'unchanged' | 'unknown'> => {
  const intentId = update.order.clientOrderId;
  const order = await deps.store.getOrder(account, intentId);
  if (!order) {
    deps.telemetry.count(METRICS.orderAnomaly, { kind: 'UNKNOWN_BROKER_ORDER' });
    return 'unknown';
  }
  const ctx: Context = { account, strategy: order.strategy, causationId, actor: 'broker' };
  const { step } = await applyBrokerView(deps, ctx, intentId, { order: update.order, ...(update.fill ? { fills: [update.fill] } : {}) });
  return step ? 'applied' : 'unchanged';
};

export interface CancelRequest {
  account: string;
  /** The person or component asking, for the audit trail. */
  requestedBy: string;
  requestId: string;
  reason?: string;
}

export type CancelOutcome = 'canceled' | 'requested' | 'final' | 'retry';

/**
 * A cancel sent to the broker is a message to the market: it joins the account's rate window (orders and
 * cancels alike count against the message rate) together with its audit entry (who asked, why). Recording it
 * never stops the cancel, which only lowers exposure; a failure is counted and alarmed instead.
 */
const recordCancelRequest = async (deps: OrderServiceDeps, ctx: Context, order: OrderRecord, reason: string | undefined): Promise<void> => {
  const at = deps.clock.now();
  try {
    await deps.store.recordCancelMessage(
      order.account,
      { at, kind: 'cancel', symbol: order.intent.symbol, side: order.intent.side, quantity: order.intent.quantity, strategy: order.strategy, price: order.intent.limitPrice ?? '0' },
      audit(ctx, order.intent.intentId, utcNow(at), 'CANCEL_REQUESTED', { brokerOrderId: order.brokerOrderId, status: order.status, ...(reason ? { reason } : {}) }, ctx.causationId),
    );
  } catch {
    deps.telemetry.count(METRICS.cancelNotCounted);
  }
};

/**
 * Cancels one order. Never refused by risk or the trading state: a cancel only lowers exposure. Not yet sent:
 * canceled locally. Live at the broker: the broker is asked, and its answer (now or on the stream) finalises
 * it. SUBMITTED or IN_FLIGHT: the broker's id is not known yet, so the caller retries once the order settles.
 */
export const cancelOrder = async (deps: OrderServiceDeps, request: CancelRequest & { intentId: string }): Promise<CancelOutcome> => {
  const outcome = await cancelOne(deps, request);
  deps.telemetry.count(METRICS.cancelRequested, { outcome });
  return outcome;
};

const cancelOne = async (deps: OrderServiceDeps, request: CancelRequest & { intentId: string }): Promise<CancelOutcome> => {
  const order = await deps.store.getOrder(request.account, request.intentId);
  if (!order) throw new InfrastructureError(`no order ${request.intentId} to cancel`, 'store');
  const ctx: Context = { account: request.account, strategy: order.strategy, causationId: request.requestId, actor: request.requestedBy };
  if (order.status === 'PENDING') {
    // Not sent, so nobody holds a lease: the version alone guards the move.
    await recordLocalMove(deps, ctx, order, 'CANCELED', { requestedBy: request.requestedBy, ...(request.reason ? { cancelReason: request.reason } : {}) }, { claimed: false });
    return 'canceled';
  }
  if (!isBrokerLive(order.status) || !order.brokerOrderId) {
    return isSettledForSubmission(order.status) ? 'final' : 'retry';
  }
  await recordCancelRequest(deps, ctx, order, request.reason);
  const answer = await deps.broker.cancelOrder(order.brokerOrderId);
  // Either way the broker's own view says what happened; apply it now rather than wait for the stream.
  const view = await queryBroker(deps, request.intentId);
  if (view) await applyBrokerView(deps, ctx, request.intentId, { order: view });
  return answer === 'requested' ? 'requested' : 'final';
};

export interface CancelAllResult {
  /** Orders the broker's cancel-all accepted a cancel request for. */
  requested: number;
  /** Orders not yet sent, canceled here. */
  canceledLocally: number;
  /** Orders whose broker id is not known yet (SUBMITTED, IN_FLIGHT): the command must run again. */
  waiting: number;
}

/**
 * Cancels every open order of the account: the broker's cancel-all first (it also reaches orders this
 * table does not know), then each local order that can still fill, including those still being submitted.
 */
export const cancelAllOrders = async (deps: OrderServiceDeps, request: CancelRequest): Promise<CancelAllResult> => {
  const nowIso = utcNow(deps.clock.now());
  try {
    await deps.store.recordAudit([
      auditEntry({
        account: request.account,
        occurredAt: nowIso,
        kind: 'CANCEL_ALL_REQUESTED',
        actor: request.requestedBy,
        correlationId: request.requestId,
        causationId: request.requestId,
        detail: request.reason ? { reason: request.reason } : {},
      }),
    ]);
  } catch {
    // The cancels go ahead (they only lower exposure); the missing entry is alarmed.
    deps.telemetry.count(METRICS.cancelNotCounted);
  }
  const ids = await deps.broker.cancelAllOrders();
  let canceledLocally = 0;
  let waiting = 0;
  const open = await deps.store.listOrders(request.account, ['PENDING', 'SUBMITTED', 'IN_FLIGHT', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL']);
  for (const order of open) {
    const outcome = await withRetries(`cancel ${order.intent.intentId}`, () => cancelOrder(deps, { ...request, intentId: order.intent.intentId }));
    if (outcome === 'canceled') canceledLocally++;
    if (outcome === 'retry') waiting++;
  }
  return { requested: ids.length, canceledLocally, waiting };
};

/**
 * Cancel-all as the breaker and the kill switch call it (they run outside the order queue, whose consumer the
 * kill switch stops): each request gets its own worker id for the leases it takes.
 */
export const cancelAllFrom =
  (deps: Omit<OrderServiceDeps, 'workerId'>, component: string, defaultReason?: string) =>
  (account: string, requestedBy: string, requestId: string, reason?: string): Promise<CancelAllResult> => {
    const why = reason ?? defaultReason;
    return cancelAllOrders({ ...deps, workerId: `${component}/${requestId}` }, { account, requestedBy, requestId, ...(why ? { reason: why } : {}) });
  };

/** Settles every IN_FLIGHT order of the account (reconciliation runs this). */
export const settleInFlightOrders = async (deps: OrderServiceDeps, account: string, runId: string): Promise<number> => {
  const inFlight = await deps.store.listOrders(account, ['IN_FLIGHT']);
  let settled = 0;
  for (const order of inFlight) {
    const ctx: Context = { account, strategy: order.strategy, causationId: runId, actor: 'reconciliation' };
    try {
      await settleInFlight(deps, ctx, order);
      settled++;
    } catch (error) {
      if (!(error instanceof RetryLaterError)) throw error;
    }
  }
  return settled;
};

export type OrderQueueOutcome = SubmissionOutcome | 'applied' | 'unchanged' | 'unknown' | 'handed-over' | CancelOutcome | CancelAllResult;

/**
 * After this many deliveries, an approved order still in flight or a broker update that could not be
 * applied stops holding its FIFO group: reconciliation owns it from then on (it settles in-flight orders
 * and applies the broker's view of every live order). Waiting longer would push the messages queued behind
 * it in the group towards the dead-letter queue, since each skipped delivery counts as a receive.
 */
export const HAND_OVER_AFTER_RECEIVES = 2;

/**
 * One message of the order queue. Work that must wait (an order still being submitted, a broker that did
 * not answer) throws RetryLaterError, so the queue redelivers it and its group waits meanwhile; cancel
 * commands wait until they are done (nothing else would carry them out), the rest is handed over to
 * reconciliation after HAND_OVER_AFTER_RECEIVES deliveries.
 */
export const handleOrderQueueMessage = async (
  deps: OrderServiceDeps,
  message: OrderQueueMessage,
  delivery: { messageId: string; receiveCount: number },
): Promise<OrderQueueOutcome> => {
  const handOver = async (work: () => Promise<OrderQueueOutcome>): Promise<OrderQueueOutcome> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof RetryLaterError) || delivery.receiveCount < HAND_OVER_AFTER_RECEIVES) throw error;
      deps.telemetry.count(METRICS.handedToReconciliation, { type: message.type });
      return 'handed-over';
    }
  };
  switch (message.type) {
    case 'OrderApproved.v1':
      return handOver(() => processApprovedOrder(deps, message.detail));
    case 'BrokerUpdateReceived.v1':
      return handOver(() => processBrokerUpdate(deps, message.detail.meta.account, message.detail.data.update, message.detail.meta.eventId));
    case 'OrderCancelRequested.v1': {
      const { meta, data } = message.detail;
      const outcome = await cancelOrder(deps, { account: meta.account, intentId: data.intentId, requestedBy: data.requestedBy, requestId: meta.eventId, reason: data.reason });
      if (outcome === 'retry') throw new RetryLaterError(`order ${data.intentId} is still being submitted; its cancel waits (message ${delivery.messageId})`);
      return outcome;
    }
    case 'AllOrdersCancelRequested.v1': {
      const { meta, data } = message.detail;
      const result = await cancelAllOrders(deps, { account: meta.account, requestedBy: data.requestedBy, requestId: meta.eventId, reason: data.reason });
      if (result.waiting > 0) throw new RetryLaterError(`${result.waiting} order(s) still being submitted; cancel-all runs again (message ${delivery.messageId})`);
      return result;
    }
  }
};
