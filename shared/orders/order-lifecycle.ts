// The order lifecycle as a pure step: what a broker view (an order snapshot and/or fills, from the submit
// response, the update stream, a query or reconciliation) does to a stored order. Fills are applied exactly
// once and in cumulative order (the watermark is the order's filledQuantity); the status follows the broker
// along ORDER_TRANSITIONS, older snapshots never move it back, and a move the table does not allow is
// reported, not applied. Exact arithmetic throughout.
import type { BrokerFill, BrokerOrder, BrokerOrderStatus } from '../broker/broker-order';
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';
import { isoToEpochMs } from '../time/iso-time';
import { canTransition, isOpenStatus, type OrderRecord, type OrderStatus } from './order-record';

export const STATUS_FROM_BROKER: Record<BrokerOrderStatus, OrderStatus> = {
  accepted: 'ACCEPTED',
  partially_filled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  pending_cancel: 'PENDING_CANCEL',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
  rejected: 'REJECTED',
};

export interface BrokerView {
  order?: BrokerOrder;
  fills?: readonly BrokerFill[];
}

export type LifecycleAnomaly =
  | { kind: 'INVALID_TRANSITION'; from: OrderStatus; to: OrderStatus }
  | { kind: 'OVERFILL'; filled: string; ordered: string }
  | { kind: 'FILL_GAP'; watermark: string; nextStart: string }
  | { kind: 'FILL_MISMATCH'; executionId: string; why: string }
  | { kind: 'BROKER_ORDER_ID_CHANGED'; stored: string; reported: string };

export interface LifecycleStep {
  status: OrderStatus;
  statusChanged: boolean;
  /** Fills to book, in cumulative order; each continues exactly where the previous one ended. */
  fills: BrokerFill[];
  filledQuantity: string;
  filledNotional: string;
  brokerOrderId: string | undefined;
  brokerFilledQuantity: string;
  brokerUpdatedAt: string | undefined;
  /** The order's in-flight contribution to the book after this step, and the change to ADD. */
  inFlight: string;
  inFlightDelta: string;
  /** -1 when the order stops counting as open, +1 when it starts again, else 0. */
  openOrdersDelta: -1 | 0 | 1;
  /** The snapshot was older than the one already applied: its status was ignored. */
  stale: boolean;
  /** Broker-reported fills beyond the watermark that this view did not contain: fetch them. */
  missingFills: boolean;
  anomalies: LifecycleAnomaly[];
}

const ZERO = fx.fixedFromInt(0);
const text = fx.toDecimalString;
const parse = (value: string | undefined): Fixed => (value === undefined ? ZERO : fx.parseFixed(value));

/** The size the order was sent with: what risk approved, or for an adopted external order its own size. */
export const orderedQuantity = (order: OrderRecord): string => order.approvedQuantity ?? order.intent.quantity;

/**
 * In-flight exposure an order adds to the book: while it can still fill, everything approved but not yet
 * booked; once final, only what the broker filled and the ledger has not booked yet (never less than zero).
 */
export const inFlightOf = (status: OrderStatus, ordered: Fixed, watermark: Fixed, brokerFilled: Fixed): Fixed => {
  const ceiling = isOpenStatus(status) ? fx.max(ordered, brokerFilled) : brokerFilled;
  return fx.max(fx.sub(ceiling, watermark), ZERO);
};

export const reduceBrokerView = (order: OrderRecord, view: BrokerView): LifecycleStep => {
  const anomalies: LifecycleAnomaly[] = [];
  const ordered = parse(orderedQuantity(order));
  const startWatermark = parse(order.filledQuantity);
  let watermark = startWatermark;
  let notional = parse(order.filledNotional);
  // The broker order id is set once: a snapshot naming another is a different order (a re-send the venue
  // took twice, a mixed-up account), reported and not applied, never a silent overwrite.
  const stored = order.brokerOrderId;
  const reported = view.order?.brokerOrderId;
  const otherOrder = stored !== undefined && reported !== undefined && reported !== stored ? { stored, reported } : undefined;
  if (otherOrder) anomalies.push({ kind: 'BROKER_ORDER_ID_CHANGED', ...otherOrder });
  const snapshot = otherOrder ? undefined : view.order;
  const brokerOrderId = stored ?? reported;

  // Fills: unique by cumulative quantity, applied only where they continue the watermark exactly.
  const fills: BrokerFill[] = [];
  const candidates = [...(view.fills ?? [])]
    .filter((f) => {
      if (brokerOrderId !== undefined && f.brokerOrderId !== brokerOrderId) {
        anomalies.push({ kind: 'FILL_MISMATCH', executionId: f.executionId, why: `belongs to broker order ${f.brokerOrderId}, not ${brokerOrderId}` });
        return false;
      }
      if (f.symbol !== order.intent.symbol || f.side !== order.intent.side) {
        anomalies.push({ kind: 'FILL_MISMATCH', executionId: f.executionId, why: `${f.side} ${f.symbol} does not match the order's ${order.intent.side} ${order.intent.symbol}` });
        return false;
      }
      return true;
    })
    .sort((a, b) => fx.cmp(parse(a.cumulativeQuantity), parse(b.cumulativeQuantity)));
  let gap = false;
  for (const fill of candidates) {
    const cumulative = parse(fill.cumulativeQuantity);
    if (fx.lte(cumulative, watermark)) continue; // booked already (a duplicate or a replay)
    const start = fx.sub(cumulative, parse(fill.quantity));
    if (!fx.eq(start, watermark)) {
      if (fx.gt(start, watermark)) {
        gap = true;
        anomalies.push({ kind: 'FILL_GAP', watermark: text(watermark), nextStart: text(start) });
      } else {
        anomalies.push({ kind: 'FILL_MISMATCH', executionId: fill.executionId, why: `covers ${text(start)}..${fill.cumulativeQuantity}, overlapping the booked ${text(watermark)}` });
      }
      break;
    }
    fills.push(fill);
    watermark = cumulative;
    notional = fx.add(notional, fx.mul(parse(fill.quantity), parse(fill.price)));
  }
  if (fx.lte(startWatermark, ordered) && fx.gt(watermark, ordered)) {
    anomalies.push({ kind: 'OVERFILL', filled: text(watermark), ordered: text(ordered) });
  }

  // Status: follows the broker's snapshot unless it is older than the one already applied.
  let status = order.status;
  let stale = false;
  let brokerUpdatedAt = order.brokerUpdatedAt;
  let brokerFilled = fx.max(parse(order.brokerFilledQuantity), watermark);
  if (snapshot) {
    stale = order.brokerUpdatedAt !== undefined && isoToEpochMs(snapshot.updatedAt) < isoToEpochMs(order.brokerUpdatedAt);
    if (!stale) {
      brokerUpdatedAt = snapshot.updatedAt;
      brokerFilled = fx.max(brokerFilled, parse(snapshot.filledQuantity));
      const target = STATUS_FROM_BROKER[snapshot.status];
      if (target !== status) {
        if (canTransition(status, target)) status = target;
        else anomalies.push({ kind: 'INVALID_TRANSITION', from: status, to: target });
      }
    }
  }
  // A fill the ledger booked proves at least a partial fill, whatever the snapshots said.
  if (fx.gt(watermark, ZERO) && (status === 'ACCEPTED' || status === 'SUBMITTED' || status === 'IN_FLIGHT')) {
    status = fx.gte(watermark, ordered) ? 'FILLED' : 'PARTIALLY_FILLED';
  }

  const oldInFlight = parse(order.inFlight);
  const inFlight = inFlightOf(status, ordered, watermark, brokerFilled);
  const wasOpen = isOpenStatus(order.status);
  const isOpen = isOpenStatus(status);
  return {
    status,
    statusChanged: status !== order.status,
    fills,
    filledQuantity: text(watermark),
    filledNotional: text(notional),
    brokerOrderId,
    brokerFilledQuantity: text(brokerFilled),
    brokerUpdatedAt,
    inFlight: text(inFlight),
    inFlightDelta: text(fx.sub(inFlight, oldInFlight)),
    openOrdersDelta: wasOpen === isOpen ? 0 : isOpen ? 1 : -1,
    stale,
    missingFills: gap || fx.gt(brokerFilled, watermark),
    anomalies,
  };
};
