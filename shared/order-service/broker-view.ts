// Applying the broker's view of an order: every view (submit response, stream update, query) goes through
// reduceBrokerView and one conditional write of the order, its fills, the position, the book and the audit
// entries, so fills are booked exactly once whatever order or how often the views arrive. Moves decided
// here rather than by the broker (blocked, in flight, rejected, canceled before sending) are one such write too.
import type { AuditEntry } from '../audit/audit-entry';
import type { BrokerFill, BrokerUpdate } from '../broker/broker-order';
import { InfrastructureError, RetryLaterError } from '../errors/errors';
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../events/catalog';
import { applyFill, type Position } from '../ledger/position';
import { dec, toDecimalString, ZERO, type Decimal } from '../money/decimal';
import { reduceBrokerView, type BrokerView, type LifecycleStep } from '../orders/order-lifecycle';
import type { OrderRecord, OrderStatus } from '../orders/order-record';
import type { BookedFill, OrderUpdateInput } from '../ports/order-store';
import type { DenialReason } from '../reasons/denial-reasons';
import { EXECUTION_BUCKET_MS } from '../risk/limits';
import { METRICS } from '../telemetry/metrics';
import { isoToEpochMs } from '../time/iso-time';
import { utcNow } from '../time/utc';
import { audit, metaFor, queryBroker, signedRelease, withRetries, type OrderContext, type OrderServiceDeps } from './context';
import { brokerMayLag, contradictionOf, type BrokerRead, type Contradiction } from './update-confirmation';

type ViewDeps = Omit<OrderServiceDeps, 'workerId' | 'leaseMs'> & { workerId?: string };

/** The step a view makes; fills the broker reports but the view does not carry (a lost update, an immediate fill) are fetched. */
const stepFor = async (deps: ViewDeps, order: OrderRecord, view: BrokerView): Promise<LifecycleStep> => {
  const step = reduceBrokerView(order, view);
  if (!step.missingFills || !step.brokerOrderId) return step;
  const after = new Date(isoToEpochMs(order.createdAt) - 60_000).toISOString();
  const fetched = await deps.broker.listFills({ after, brokerOrderId: step.brokerOrderId });
  return reduceBrokerView(order, { ...view, fills: [...(view.fills ?? []), ...fetched] });
};

const changesOrder = (order: OrderRecord, step: LifecycleStep, leavesSubmission: boolean): boolean =>
  step.statusChanged ||
  step.fills.length > 0 ||
  step.brokerOrderId !== order.brokerOrderId ||
  step.brokerUpdatedAt !== order.brokerUpdatedAt ||
  step.brokerFilledQuantity !== (order.brokerFilledQuantity ?? '0') ||
  leavesSubmission;

/** What one step writes besides the order: the booked fills, the position and cash they move, audit entries and events. */
interface StepRecords {
  before: Position | undefined;
  position: Position | undefined;
  cash: Decimal;
  booked: BookedFill[];
  entries: AuditEntry[];
  events: DomainEvent[];
}

/** The ledger: each fill moves the position and cash exactly once, with its audit entry and FillApplied event. */
const bookFills = (ctx: OrderContext, order: OrderRecord, step: LifecycleStep, before: Position | undefined, nowIso: string): StepRecords => {
  const intentId = order.intent.intentId;
  const records: StepRecords = { before, position: before, cash: ZERO, booked: [], entries: [], events: [] };
  for (const fill of step.fills) {
    if (!records.position) break;
    const effect = applyFill(records.position, { side: order.intent.side, quantity: fill.quantity, price: fill.price });
    const position = effect.position;
    records.position = position;
    records.cash = records.cash.plus(dec(effect.cashDelta));
    const key = `${fill.brokerOrderId}#${fill.cumulativeQuantity}`;
    records.booked.push({ executionId: fill.executionId, brokerOrderId: fill.brokerOrderId, cumulativeQuantity: fill.cumulativeQuantity, quantity: fill.quantity, price: fill.price, at: fill.at });
    records.entries.push(
      audit(ctx, intentId, nowIso, 'FILL_APPLIED', {
        executionId: fill.executionId,
        brokerOrderId: fill.brokerOrderId,
        cumulativeQuantity: fill.cumulativeQuantity,
        quantity: fill.quantity,
        price: fill.price,
        positionQuantity: position.quantity,
      }, key),
    );
    records.events.push(
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
  return records;
};

const anomalyEntries = (ctx: OrderContext, order: OrderRecord, step: LifecycleStep, nowIso: string): AuditEntry[] =>
  step.anomalies.map((anomaly) => audit(ctx, order.intent.intentId, nowIso, 'ORDER_ANOMALY', { ...anomaly }, `${order.version ?? 0}:${anomaly.kind}`));

/** The step's other records: its transition and anomalies (audited) and, for the first broker id, OrderSubmitted. */
const recordStep = (records: StepRecords, ctx: OrderContext, order: OrderRecord, step: LifecycleStep, view: BrokerView, nowIso: string): void => {
  const intentId = order.intent.intentId;
  if (step.statusChanged) {
    records.entries.push(audit(ctx, intentId, nowIso, 'ORDER_TRANSITION', { from: order.status, to: step.status, brokerOrderId: step.brokerOrderId }, `${order.version ?? 0}`));
  }
  records.entries.push(...anomalyEntries(ctx, order, step, nowIso));
  if (!step.brokerOrderId || order.brokerOrderId) return;
  records.events.push(
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
};

/** The one conditional write of the order and everything the step moves. */
const updateFor = (deps: ViewDeps, ctx: OrderContext, order: OrderRecord, step: LifecycleStep, view: BrokerView, records: StepRecords, leavesSubmission: boolean, nowIso: string): OrderUpdateInput => {
  const { before, position, booked } = records;
  return {
    account: ctx.account,
    intentId: order.intent.intentId,
    expectedVersion: order.version ?? 0,
    set: {
      status: step.status,
      ...(step.brokerOrderId ? { brokerOrderId: step.brokerOrderId } : {}),
      filledQuantity: step.filledQuantity,
      filledNotional: step.filledNotional,
      brokerFilledQuantity: step.brokerFilledQuantity,
      ...(step.brokerUpdatedAt ? { brokerUpdatedAt: step.brokerUpdatedAt } : {}),
      inFlight: step.inFlight,
      ...(view.order?.rejectReason && step.status === 'REJECTED' && view.order.brokerOrderId === step.brokerOrderId ? { rejectReason: view.order.rejectReason } : {}),
      updatedAt: nowIso,
    },
    releaseLease: leavesSubmission,
    fills: booked,
    ...(before && position ? { position: { before, after: position } } : {}),
    cashDelta: toDecimalString(records.cash),
    inFlight: signedRelease(order, step.inFlightDelta),
    openOrdersDelta: step.openOrdersDelta,
    ...(booked.length ? { throttle: { strategy: order.strategy, bucketStartMs: Math.floor(deps.clock.now() / EXECUTION_BUCKET_MS) * EXECUTION_BUCKET_MS } } : {}),
    audit: records.entries,
  };
};

/**
 * Applies one broker view to the stored order: fills beyond the watermark are booked (fetched from the
 * broker when the view reports more filled than it carries), the status follows the broker, anomalies are
 * audited and counted (the metric alarms). Returns the step that was written, or undefined when nothing
 * changed.
 */
export const applyBrokerView = async (
  deps: ViewDeps,
  ctx: OrderContext,
  intentId: string,
  view: BrokerView,
  options: { leaseOwner?: string } = {},
): Promise<{ order: OrderRecord; step: LifecycleStep | undefined }> =>
  withRetries(`order ${intentId}`, async () => {
    const order = await deps.orderStore.getOrder(ctx.account, intentId);
    if (!order) throw new InfrastructureError(`no order record for ${intentId}`, 'store');
    const step = await stepFor(deps, order, view);
    const nowIso = utcNow(deps.clock.now());
    const holdsLease = options.leaseOwner !== undefined && order.leaseOwner === options.leaseOwner;
    const leavesSubmission = holdsLease && step.status !== 'SUBMITTED';
    for (const anomaly of step.anomalies) {
      deps.telemetry.count(METRICS.orderAnomaly, { kind: anomaly.kind });
      if (anomaly.kind === 'BROKER_ORDER_ID_CHANGED') deps.telemetry.count(METRICS.brokerOrderIdChanged);
    }
    if (!changesOrder(order, step, leavesSubmission)) {
      if (step.stale) deps.telemetry.count(METRICS.staleBrokerUpdate);
      // Nothing moves, but a refused view is still on the record (ids are per order version: written once).
      if (step.anomalies.length) await deps.orderStore.recordAudit(anomalyEntries(ctx, order, step, nowIso));
      return { order, step: undefined };
    }
    const before = step.fills.length ? await deps.orderStore.getPosition(ctx.account, order.intent.symbol) : undefined;
    const records = bookFills(ctx, order, step, before, nowIso);
    recordStep(records, ctx, order, step, view, nowIso);
    await deps.orderStore.recordOrderUpdate(updateFor(deps, ctx, order, step, view, records, leavesSubmission, nowIso));
    deps.telemetry.count(METRICS.fillApplied, {}, records.booked.length);
    if (step.statusChanged) deps.telemetry.count(METRICS.orderTransition, { to: step.status });
    await deps.bus.publish(records.events);
    return { order, step };
  });

/**
 * A move decided here, not by the broker (blocked, in flight, rejected, canceled before sending):
 * conditional on the order's version and, for a claimed order, on this worker's lease.
 */
export const recordLocalMove = async (
  deps: OrderServiceDeps,
  ctx: OrderContext,
  order: OrderRecord,
  to: OrderStatus,
  detail: { reason?: DenialReason; rejectReason?: string; inFlightSince?: string; requestedBy?: string; cancelReason?: string },
  options: { claimed: boolean } = { claimed: true },
): Promise<void> => {
  const nowIso = utcNow(deps.clock.now());
  const final = to === 'BLOCKED' || to === 'REJECTED' || to === 'CANCELED';
  const release = final ? toDecimalString(dec(order.inFlight ?? '0').neg()) : '0';
  await deps.orderStore.recordOrderUpdate({
    account: ctx.account,
    intentId: order.intent.intentId,
    expectedVersion: order.version ?? 0,
    ...(options.claimed ? { leaseOwner: deps.workerId } : {}),
    set: {
      status: to,
      ...(final ? { inFlight: '0' } : {}),
      ...(detail.reason ? { reason: detail.reason } : {}),
      ...(detail.rejectReason ? { rejectReason: detail.rejectReason } : {}),
      ...(detail.inFlightSince ? { inFlightSince: detail.inFlightSince } : {}),
      updatedAt: nowIso,
    },
    releaseLease: true,
    fills: [],
    cashDelta: '0',
    inFlight: signedRelease(order, release),
    openOrdersDelta: final ? -1 : 0,
    audit: [audit(ctx, order.intent.intentId, nowIso, to === 'BLOCKED' ? 'ORDER_BLOCKED' : 'ORDER_TRANSITION', { from: order.status, to, ...detail, symbol: order.intent.symbol }, `${order.version ?? 0}`)],
  });
};

/** The broker's answer for the update's order (and its fills when the update carries one), remembered for the batch; a failed read retries later. */
const readBroker = async (deps: OrderServiceDeps, order: OrderRecord, update: BrokerUpdate): Promise<BrokerRead> => {
  const intentId = order.intent.intentId;
  const found = await queryBroker(deps, intentId);
  let fills: BrokerFill[] | undefined;
  if (found && update.fill) {
    const after = new Date(isoToEpochMs(order.createdAt) - 60_000).toISOString();
    try {
      fills = await deps.broker.listFills({ after, brokerOrderId: found.brokerOrderId });
    } catch (error) {
      throw new RetryLaterError(`broker fills of ${intentId} could not be read; the update waits`, { cause: error });
    }
  }
  const read: BrokerRead = { order: found, ...(fills ? { fills } : {}) };
  deps.brokerReads?.remember(intentId, read);
  return read;
};

/** An update the broker does not confirm: counted and audited, nothing else written. */
const rejectUpdate = async (deps: OrderServiceDeps, ctx: OrderContext, update: BrokerUpdate, finding: Contradiction): Promise<void> => {
  deps.telemetry.count(METRICS.brokerUpdateRejected, { reason: finding.reason });
  const { order, fill } = update;
  await deps.orderStore.recordAudit([
    audit(ctx, order.clientOrderId, utcNow(deps.clock.now()), 'BROKER_UPDATE_REJECTED', {
      reason: finding.reason,
      why: finding.why,
      event: update.event,
      brokerOrderId: order.brokerOrderId,
      status: order.status,
      filledQuantity: order.filledQuantity,
      ...(fill ? { fill: { executionId: fill.executionId, cumulativeQuantity: fill.cumulativeQuantity, quantity: fill.quantity, price: fill.price } } : {}),
    }, ctx.causationId),
  ]);
};

/**
 * One message of the broker's update stream, as the queue delivered it: a claim to be confirmed, never booked
 * as sent. The broker is asked for the order (and its fills when the update carries one); an update it
 * contradicts is rejected (counted, audited, nothing booked), one it confirms applies the broker's own answer.
 * A broker that does not answer makes the message wait (fail closed); one whose answer may not show the update
 * yet (older, or its fills listed a moment behind) is asked again on the next delivery, and on the last one
 * (`finalDelivery`) a contradiction is final. An order we do not know is left to reconciliation to adopt.
 */
export const processBrokerUpdate = async (
  deps: OrderServiceDeps,
  account: string,
  update: BrokerUpdate,
  causationId: string,
  options: { finalDelivery?: boolean } = {},
): Promise<'applied' | 'unchanged' | 'unknown' | 'rejected'> => {
  const intentId = update.order.clientOrderId;
  const order = await deps.orderStore.getOrder(account, intentId);
  if (!order) {
    deps.telemetry.count(METRICS.orderAnomaly, { kind: 'UNKNOWN_BROKER_ORDER' });
    return 'unknown';
  }
  const ctx: OrderContext = { account, strategy: order.strategy, causationId, actor: 'broker' };
  const cached = deps.brokerReads?.for(update);
  let read = cached ?? (await readBroker(deps, order, update));
  let finding = contradictionOf(update, read);
  // An answer shared within the batch is never the last word against an update: ask once more.
  if (finding && cached) {
    read = await readBroker(deps, order, update);
    finding = contradictionOf(update, read);
  }
  if (finding) {
    if (brokerMayLag(update, read) && !options.finalDelivery) {
      throw new RetryLaterError(`the broker does not confirm update ${causationId} of ${intentId} yet (${finding.why})`);
    }
    await rejectUpdate(deps, ctx, update, finding);
    return 'rejected';
  }
  const { step } = await applyBrokerView(deps, ctx, intentId, { order: read.order, ...(read.fills ? { fills: read.fills } : {}) });
  return step ? 'applied' : 'unchanged';
};
