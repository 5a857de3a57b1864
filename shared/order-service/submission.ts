// Submission: turns an approved order into exactly one broker order. The claim that makes one worker the
// submitter is the kill gate: it commits only while the account can trade (checked in the same write), so no
// order starts towards the broker once HALTED or KILLED is durable; the call is idempotent by client order id (= intent id). An ambiguous answer (timeout, 5xx, reset, 429) leaves the
// order IN_FLIGHT until a query by client order id settles it; only a definite answer rejects it. An approval
// older than the configured age (a message redriven from the dead-letter queue days later, a long backlog) is
// blocked APPROVAL_EXPIRED before its first broker call: the market it was judged on is gone. Reconciliation
// settles what a dead or failed worker left: IN_FLIGHT orders, and SUBMITTED ones whose lease ran out.
import { BrokerCallError } from '../broker/broker-call-error';
import type { BrokerOrder } from '../broker/broker-order';
import { ConcurrentUpdateError, InvalidInputError, RetryLaterError } from '../errors/errors';
import { DETAIL_TYPES, domainEvent } from '../events/catalog';
import * as fx from '../money/fixed';
import { isSettledForSubmission, type OrderRecord } from '../orders/order-record';
import type { ApprovedOrderMessage } from '../ports/order-queue';
import type { ClaimResult } from '../ports/order-store';
import type { DenialReason } from '../reasons/denial-reasons';
import { reducesExposure } from '../risk/portfolio';
import { METRICS } from '../telemetry/metrics';
import { isoToEpochMs } from '../time/iso-time';
import { utcNow } from '../time/utc';
import { tradingStateDenial, type TradingState } from '../trading-state/trading-state';
import { applyBrokerView, recordLocalMove } from './broker-view';
import { contextOf, metaFor, queryBroker, type OrderContext, type OrderServiceDeps } from './context';

export type SubmissionOutcome = 'submitted' | 'duplicate' | 'blocked' | 'rejected' | 'settled';

const DEFAULT_IN_FLIGHT_GRACE_MS = 30_000;
export const DEFAULT_MAX_APPROVAL_AGE_MS = 60_000;

/** Whether the approval (the risk decision that created the order) is older than the order function accepts. */
const approvalExpired = (deps: OrderServiceDeps, order: OrderRecord): boolean =>
  !(deps.clock.now() - isoToEpochMs(order.createdAt) <= (deps.maxApprovalAgeMs ?? DEFAULT_MAX_APPROVAL_AGE_MS));
const ZERO_FIXED = fx.fixedFromInt(0);

/**
 * REDUCING's rule on top of the gate, on strongly consistent reads: the order still shrinks the position even
 * if every other in-flight order on its side fills first (the book's in-flight size already includes this order).
 */
const reducingDenial = async (deps: OrderServiceDeps, account: string, order: OrderRecord): Promise<DenialReason | null> => {
  const { intent } = order;
  const entry = await deps.orderStore.getBookEntry(account, intent.symbol);
  const own = fx.parseFixed(order.inFlight ?? order.approvedQuantity ?? intent.quantity);
  const quantity = fx.parseFixed(entry.quantity);
  const long = fx.sub(fx.add(quantity, fx.parseFixed(entry.inFlightBuy)), intent.side === 'buy' ? own : ZERO_FIXED);
  const short = fx.add(fx.sub(quantity, fx.parseFixed(entry.inFlightSell)), intent.side === 'sell' ? own : ZERO_FIXED);
  return reducesExposure(intent.side, own, { quantity, long, short }) ? null : 'TRADING_REDUCING';
};

const block = async (deps: OrderServiceDeps, ctx: OrderContext, order: OrderRecord, reason: DenialReason, options = { claimed: true }) => {
  const nowIso = utcNow(deps.clock.now());
  await recordLocalMove(deps, ctx, order, 'BLOCKED', { reason }, options);
  deps.telemetry.count(METRICS.orderBlocked, { reason });
  await deps.bus.publish([
    domainEvent(DETAIL_TYPES.OrderDenied, {
      meta: metaFor(ctx, order.intent.intentId, DETAIL_TYPES.OrderDenied, nowIso),
      data: {
        intent: order.intent,
        stage: 'pre-submit',
        reason,
        failedChecks: [reason],
        message:
          reason === 'APPROVAL_EXPIRED'
            ? `approved at ${order.createdAt}: too old to send`
            : reason === 'STRATEGY_DISABLED'
              ? `strategy ${order.strategy} is disabled: checked at the submission gate`
              : `trading state checked at the submission gate: ${reason}`,
      },
    }),
  ]);
};

type Claimed = Extract<ClaimResult, { claimed: true }>;

/** Sends a claimed order: a definite answer is applied, an ambiguous one leaves it IN_FLIGHT and retries later. */
const send = async (deps: OrderServiceDeps, ctx: OrderContext, { order, gateState }: Claimed): Promise<SubmissionOutcome> => {
  const denial = gateState === 'REDUCING' ? await reducingDenial(deps, ctx.account, order) : null;
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

/**
 * The gate refused an order it could otherwise have claimed: trading (or the order's strategy) is stopped, so it is not sent. A
 * predecessor that passed the gate earlier (an expired lease, an order in flight) may have reached the
 * broker: what the broker holds is booked; anything else is blocked with the state's reason. Nobody holds
 * the lease, so the order's version alone guards these writes.
 */
const stopAtGate = async (
  deps: OrderServiceDeps,
  ctx: OrderContext,
  order: OrderRecord,
  stopped: { state: TradingState | undefined; strategyDisabled?: boolean },
): Promise<SubmissionOutcome> => {
  const { intentId } = order.intent;
  if (order.status !== 'PENDING') {
    const found = await queryBroker(deps, intentId);
    if (found) {
      await applyBrokerView(deps, ctx, intentId, { order: found });
      return 'settled';
    }
  }
  const reason = stopped.strategyDisabled ? 'STRATEGY_DISABLED' : (tradingStateDenial(stopped.state) ?? 'TRADING_STATE_MISSING');
  await block(deps, ctx, order, reason, { claimed: false });
  return 'blocked';
};

/** An IN_FLIGHT order: the broker's answer to a query settles it; "none" is trusted only after the grace period. */
const settleInFlight = async (deps: OrderServiceDeps, ctx: OrderContext, order: OrderRecord): Promise<SubmissionOutcome> => {
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
  const claim = await deps.orderStore.claimForSubmission(ctx.account, intentId, deps.workerId, deps.clock.now(), deps.leaseMs, ['IN_FLIGHT']);
  if (!claim.claimed && claim.tradingStopped) return stopAtGate(deps, ctx, claim.order, claim.tradingStopped);
  if (!claim.claimed) throw new RetryLaterError(`order ${intentId} changed while settling it`);
  return send(deps, ctx, claim);
};

export const processApprovedOrder = async (deps: OrderServiceDeps, message: ApprovedOrderMessage): Promise<SubmissionOutcome> => {
  const ctx = contextOf(message);
  const { intentId } = message.data.intent;
  const claim = await deps.orderStore.claimForSubmission(ctx.account, intentId, deps.workerId, deps.clock.now(), deps.leaseMs);
  if (!claim.claimed) {
    // The risk function writes the order before it queues the approval: a message without one was not sent by it.
    if (!claim.order) throw new InvalidInputError([{ path: 'detail.data.intent.intentId', rule: `must name an order the risk function approved for ${ctx.account}; ${intentId} is none` }]);
    if (claim.tradingStopped) return stopAtGate(deps, ctx, claim.order, claim.tradingStopped);
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
  // Never sent (or, after a takeover, not at the broker): an old approval is blocked, not sent.
  if (approvalExpired(deps, claim.order)) {
    await block(deps, ctx, claim.order, 'APPROVAL_EXPIRED');
    return 'blocked';
  }
  return send(deps, ctx, claim);
};

/**
 * A SUBMITTED order without a broker id whose submitter died: its lease ended and no answer was recorded, and
 * its message may be gone (handed over after a failed query). It is settled the way a worker taking over the
 * lease would, once "no such order" can be trusted (`inFlightGraceMs` after the lease ended, since the dead
 * worker could send until then): the broker's order, if it has one, is booked; otherwise an approval past its
 * age is blocked APPROVAL_EXPIRED (it was never confirmed sent, and the market it was judged on is gone),
 * releasing its in-flight size, and a younger one is sent (possible only with a lease shorter than that age).
 * The query and the block need no lease: the block is conditional on the version read, so a worker that
 * claims the order meanwhile wins.
 */
const settleAbandoned = async (deps: OrderServiceDeps, ctx: OrderContext, order: OrderRecord): Promise<SubmissionOutcome | 'waiting'> => {
  const { intentId } = order.intent;
  const now = deps.clock.now();
  const grace = deps.inFlightGraceMs ?? DEFAULT_IN_FLIGHT_GRACE_MS;
  if (order.brokerOrderId || order.leaseUntil === undefined || !(now - order.leaseUntil >= grace)) return 'waiting';
  const found = await queryBroker(deps, intentId);
  if (found) {
    await applyBrokerView(deps, ctx, intentId, { order: found });
    return 'settled';
  }
  if (approvalExpired(deps, order)) {
    try {
      await block(deps, ctx, order, 'APPROVAL_EXPIRED', { claimed: false });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) throw new RetryLaterError(`order ${intentId} changed while settling it`, { cause: error });
      throw error;
    }
    return 'blocked';
  }
  const claim = await deps.orderStore.claimForSubmission(ctx.account, intentId, deps.workerId, now, deps.leaseMs);
  if (!claim.claimed && claim.order && claim.tradingStopped) return stopAtGate(deps, ctx, claim.order, claim.tradingStopped);
  if (!claim.claimed) throw new RetryLaterError(`order ${intentId} changed while settling it`);
  return send(deps, ctx, claim);
};

/**
 * Settles every IN_FLIGHT order of the account, and every SUBMITTED one whose submitter died without a broker
 * id (reconciliation runs this). Returns how many it settled.
 */
export const settleInFlightOrders = async (deps: OrderServiceDeps, account: string, runId: string): Promise<number> => {
  const unsettled = await deps.orderStore.listOrders(account, ['IN_FLIGHT', 'SUBMITTED']);
  let settled = 0;
  for (const order of unsettled) {
    const ctx: OrderContext = { account, strategy: order.strategy, causationId: runId, actor: 'reconciliation' };
    try {
      const outcome = order.status === 'IN_FLIGHT' ? await settleInFlight(deps, ctx, order) : await settleAbandoned(deps, ctx, order);
      if (outcome !== 'waiting') settled++;
    } catch (error) {
      if (!(error instanceof RetryLaterError)) throw error;
    }
  }
  return settled;
};

/**
 * After a whole-process restart (the local run's --resume): every worker that held a lease and every queued
 * approval died with the process, so nothing is waited for. Every unsettled order (PENDING, SUBMITTED,
 * IN_FLIGHT) is looked up at the broker by client order id and, when found, booked as the broker holds it: the
 * broker is the source of truth, even for a PENDING order, whose claim a store that lost its last
 * acknowledged write would have lost while the send went out. Anything not at the broker is blocked
 * APPROVAL_EXPIRED, never sent again: its approval's message is gone with the queue, and a claimed one the
 * broker does not have never reached it (this is only safe where the venue's "not found" is final, as the
 * simulated venue's is once its process is dead). Its in-flight size is released; a strategy that still wants
 * the trade proposes it again and risk decides it afresh. Returns how many were booked and how many blocked, and
 * how many of the booked were PENDING (claims the table lost: a store that keeps what it acknowledged has none).
 */
export const settleAfterRestart = async (deps: OrderServiceDeps, account: string, runId: string): Promise<{ booked: number; blocked: number; lostClaims: number }> => {
  const unsettled = await deps.orderStore.listOrders(account, ['PENDING', 'SUBMITTED', 'IN_FLIGHT']);
  const settled = { booked: 0, blocked: 0, lostClaims: 0 };
  for (const order of unsettled) {
    const { intentId } = order.intent;
    const ctx: OrderContext = { account, strategy: order.strategy, causationId: runId, actor: 'reconciliation' };
    const found = await queryBroker(deps, intentId);
    if (found) {
      // The lost claim is recorded first: SUBMITTED is the only way out of PENDING to the broker's statuses.
      if (order.status === 'PENDING') {
        await recordLocalMove(deps, ctx, order, 'SUBMITTED', {}, { claimed: false });
        settled.lostClaims++;
      }
      await applyBrokerView(deps, ctx, intentId, { order: found });
      settled.booked++;
    } else {
      await block(deps, ctx, order, 'APPROVAL_EXPIRED', { claimed: false });
      settled.blocked++;
    }
  }
  return settled;
};
