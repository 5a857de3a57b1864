// Cancellation: one order or all of an account's. Never refused by risk or the trading state (a cancel only
// lowers exposure); every cancel sent to the broker joins the account's message-rate window with its audit
// entry, and every cancel-all command is audited with who asked and why. A cancel-all with a deadline stops
// starting new per-order cancels at it and names the orders it did not reach, so a caller with a time limit
// (the kill-switch API) can answer in time and say what is left.
import { InvalidInputError } from '../errors/errors';
import { auditEntry } from '../audit/audit-entry';
import { isBrokerLive, isSettledForSubmission, type OrderRecord } from '../orders/order-record';
import { METRICS } from '../telemetry/metrics';
import { utcNow } from '../time/utc';
import { applyBrokerView, recordLocalMove } from './broker-view';
import { audit, queryBroker, withRetries, type OrderContext, type OrderServiceDeps } from './context';

export interface CancelRequest {
  account: string;
  /** The person or component asking, for the audit trail. */
  requestedBy: string;
  requestId: string;
  reason?: string;
}

export interface CancelAllOptions {
  /** Epoch ms by the deps' clock: no per-order cancel starts at or after it (the broker's cancel-all always runs). */
  deadlineMs?: number;
}

export type CancelOutcome = 'canceled' | 'requested' | 'final' | 'retry';

/**
 * A cancel sent to the broker is a message to the market: it joins the account's rate window (orders and
 * cancels alike count against the message rate) together with its audit entry (who asked, why). Recording it
 * never stops the cancel, which only lowers exposure; a failure is counted and alarmed instead.
 */
const recordCancelRequest = async (deps: OrderServiceDeps, ctx: OrderContext, order: OrderRecord, reason: string | undefined): Promise<void> => {
  const at = deps.clock.now();
  try {
    await deps.orderStore.recordCancelMessage(
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
  const order = await deps.orderStore.getOrder(request.account, request.intentId);
  // The table is read consistently: an order it does not hold is a wrong message, not an outage to wait out.
  if (!order) throw new InvalidInputError([{ path: 'detail.data.intentId', rule: `must name an order of ${request.account}; ${request.intentId} is none` }]);
  const ctx: OrderContext = { account: request.account, strategy: order.strategy, causationId: request.requestId, actor: request.requestedBy };
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

/** The statuses of an order that can still fill: what a cancel-all (or a strategy's cancels) goes through. */
const OPEN_FOR_CANCEL = ['PENDING', 'SUBMITTED', 'IN_FLIGHT', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'] as const;

export interface CancelAllResult {
  /** Orders the broker's cancel-all accepted a cancel request for. */
  requested: number;
  /** Orders not yet sent, canceled here. */
  canceledLocally: number;
  /** Orders whose broker id is not known yet (SUBMITTED, IN_FLIGHT): the command must run again. */
  waiting: number;
  /** The intent ids of those orders: past the submission gate, at the broker or on their way there. */
  waitingIds?: string[];
  /** Open orders the deadline left unattempted (intent ids): the command must run again. */
  notReached?: string[];
}

/**
 * Cancels every open order of the account: the broker's cancel-all first (it also reaches orders this
 * table does not know), then each local order that can still fill, including those still being submitted.
 */
export const cancelAllOrders = async (deps: OrderServiceDeps, request: CancelRequest, options: CancelAllOptions = {}): Promise<CancelAllResult> => {
  const nowIso = utcNow(deps.clock.now());
  try {
    await deps.orderStore.recordAudit([
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
  const each = await cancelEach(deps, request, await deps.orderStore.listOrders(request.account, OPEN_FOR_CANCEL), options);
  return { requested: ids.length, canceledLocally: each.canceledLocally, waiting: each.waitingIds.length, waitingIds: each.waitingIds, notReached: each.notReached };
};

/** Cancels each order in turn until the deadline; tallies what became of them. */
const cancelEach = async (deps: OrderServiceDeps, request: CancelRequest, orders: readonly OrderRecord[], options: CancelAllOptions) => {
  const tally = { canceledLocally: 0, requested: 0, waitingIds: [] as string[], notReached: [] as string[] };
  for (const order of orders) {
    const { intentId } = order.intent;
    if (options.deadlineMs !== undefined && deps.clock.now() >= options.deadlineMs) {
      tally.notReached.push(intentId);
      continue;
    }
    const outcome = await withRetries(`cancel ${intentId}`, () => cancelOrder(deps, { ...request, intentId }));
    if (outcome === 'canceled') tally.canceledLocally++;
    if (outcome === 'requested') tally.requested++;
    if (outcome === 'retry') tally.waitingIds.push(intentId);
  }
  return tally;
};

/**
 * Cancels the open orders of one strategy of the account, one by one (the broker's cancel-all would take every
 * strategy's): what the per-strategy switch does once the strategy is disabled. Orders of other strategies are
 * never touched. The switch's own audit entry says who asked; each cancel sent is audited as it goes.
 */
export const cancelStrategyOrders = async (deps: OrderServiceDeps, request: CancelRequest & { strategy: string }, options: CancelAllOptions = {}): Promise<CancelAllResult> => {
  const { strategy, ...cancel } = request;
  const open = (await deps.orderStore.listOrders(request.account, OPEN_FOR_CANCEL)).filter((order) => order.strategy === strategy);
  const each = await cancelEach(deps, cancel, open, options);
  return { ...each, waiting: each.waitingIds.length };
};

/**
 * Cancel-all as the breaker and the kill switch call it (they run outside the order queue, whose consumer the
 * kill switch stops): each request gets its own worker id for the leases it takes.
 */
export const cancelAllFrom =
  (deps: Omit<OrderServiceDeps, 'workerId'>, component: string, defaultReason?: string) =>
  (account: string, requestedBy: string, requestId: string, reason?: string, options?: CancelAllOptions): Promise<CancelAllResult> => {
    const why = reason ?? defaultReason;
    return cancelAllOrders({ ...deps, workerId: `${component}/${requestId}` }, { account, requestedBy, requestId, ...(why ? { reason: why } : {}) }, options);
  };

/** The strategy's cancels as the kill-switch API calls them (outside the order queue): a worker id per request. */
export const cancelStrategyFrom =
  (deps: Omit<OrderServiceDeps, 'workerId'>, component: string) =>
  (request: { account: string; strategy: string; requestedBy: string; requestId: string; reason: string }, options?: CancelAllOptions): Promise<CancelAllResult> =>
    cancelStrategyOrders({ ...deps, workerId: `${component}/${request.requestId}` }, request, options);
