// Confirming a broker update against the broker itself: a queue message is a claim, not a fact (anyone who can
// send to the queue can write one), so what it says is checked against the broker's own answer, and only the
// broker's answer is ever applied. Pure checks, plus the reads of one message batch so several updates of one
// order cost one broker query.
import type { BrokerFill, BrokerOrder, BrokerOrderStatus, BrokerUpdate } from '../broker/broker-order';
import * as fx from '../money/fixed';
import { isoToEpochMs } from '../time/iso-time';

/** Why an update was not confirmed (the `reason` dimension of `BrokerUpdateRejected`). */
export const BROKER_UPDATE_REJECTIONS = [
  /** The broker has no order under the update's client order id. */
  'NOT_AT_BROKER',
  /** The broker holds this client order id under another broker order id. */
  'OTHER_BROKER_ORDER',
  /** Symbol, side or size differ from the broker's order. */
  'ORDER_DETAILS',
  /** A final status (filled, canceled, expired, rejected) the broker does not report. */
  'STATUS',
  /** More filled than the broker reports. */
  'FILLED_QUANTITY',
  /** An execution the broker's fills do not contain (same end point, size and price). */
  'FILL',
] as const;
export type BrokerUpdateRejection = (typeof BROKER_UPDATE_REJECTIONS)[number];

export interface Contradiction {
  reason: BrokerUpdateRejection;
  why: string;
}

/** The broker's answer for one order: its snapshot (undefined: it has none) and, when an update carried a fill, its fills. */
export interface BrokerRead {
  order: BrokerOrder | undefined;
  fills?: BrokerFill[];
}

const FINAL: readonly BrokerOrderStatus[] = ['filled', 'canceled', 'expired', 'rejected'];
const same = (a: string, b: string): boolean => fx.eq(fx.parseFixed(a), fx.parseFixed(b));

/**
 * A final status must be the broker's, except a cancel or expiry the broker has since overtaken with a late
 * fill. A live status may be behind the broker's in any direction (a pending cancel the broker refused goes
 * back to accepted): the quantities below keep those honest.
 */
const statusConfirmed = (claimed: BrokerOrderStatus, broker: BrokerOrderStatus): boolean =>
  !FINAL.includes(claimed) || claimed === broker || ((claimed === 'canceled' || claimed === 'expired') && broker === 'filled');

/** Whether the broker's snapshot is older than the update (its API may lag its stream for a moment). */
export const brokerIsBehind = (update: BrokerUpdate, broker: BrokerOrder | undefined): boolean =>
  broker === undefined || isoToEpochMs(broker.updatedAt) < isoToEpochMs(update.order.updatedAt);

/**
 * Whether the broker's answer may simply not show the update yet, so a contradiction is not final: its
 * snapshot is older than the update, or its snapshot counts the update's fill while its fill listing does not
 * reach that far yet (executions can be listed a moment after the order shows them).
 */
export const brokerMayLag = (update: BrokerUpdate, read: BrokerRead): boolean => {
  if (brokerIsBehind(update, read.order)) return true;
  const fill = update.fill;
  if (!fill || !read.order) return false;
  const end = fx.parseFixed(fill.cumulativeQuantity);
  const listed = (read.fills ?? []).some((f) => fx.gte(fx.parseFixed(f.cumulativeQuantity), end));
  return !listed && fx.gte(fx.parseFixed(read.order.filledQuantity), end);
};

/** What in the update the broker's answer does not confirm, or undefined when it confirms all of it. */
export const contradictionOf = (update: BrokerUpdate, read: BrokerRead): Contradiction | undefined => {
  const claimed = update.order;
  const broker = read.order;
  if (!broker) return { reason: 'NOT_AT_BROKER', why: `the broker has no order with client order id ${claimed.clientOrderId}` };
  if (claimed.brokerOrderId !== broker.brokerOrderId) {
    return { reason: 'OTHER_BROKER_ORDER', why: `the update names broker order ${claimed.brokerOrderId}; the broker holds ${claimed.clientOrderId} as ${broker.brokerOrderId}` };
  }
  if (claimed.symbol !== broker.symbol || claimed.side !== broker.side || !same(claimed.quantity, broker.quantity)) {
    return { reason: 'ORDER_DETAILS', why: `the update says ${claimed.side} ${claimed.quantity} ${claimed.symbol}; the broker's order is ${broker.side} ${broker.quantity} ${broker.symbol}` };
  }
  if (!statusConfirmed(claimed.status, broker.status)) {
    return { reason: 'STATUS', why: `the update says ${claimed.status}; the broker says ${broker.status}` };
  }
  if (fx.gt(fx.parseFixed(claimed.filledQuantity), fx.parseFixed(broker.filledQuantity))) {
    return { reason: 'FILLED_QUANTITY', why: `the update says ${claimed.filledQuantity} filled; the broker says ${broker.filledQuantity}` };
  }
  const fill = update.fill;
  if (fill) {
    const match = (read.fills ?? []).find(
      (f) => f.brokerOrderId === fill.brokerOrderId && same(f.cumulativeQuantity, fill.cumulativeQuantity) && same(f.quantity, fill.quantity) && same(f.price, fill.price),
    );
    if (!match || fill.brokerOrderId !== broker.brokerOrderId || fill.symbol !== broker.symbol || fill.side !== broker.side) {
      return { reason: 'FILL', why: `the broker has no execution of ${fill.quantity} at ${fill.price} ending at ${fill.cumulativeQuantity} for broker order ${fill.brokerOrderId}` };
    }
  }
  return undefined;
};

/**
 * The broker's answers within one message batch, by client order id. A cached answer serves an update only if
 * it is at least as new as the update (and holds fills when the update carries one); otherwise the broker is
 * asked again. Made per batch and dropped with it, so it never outlives the moment it describes by much.
 */
export class BrokerReadCache {
  private readonly reads = new Map<string, BrokerRead>();

  /** A cached answer that can judge this update, if any. */
  for(update: BrokerUpdate): BrokerRead | undefined {
    const read = this.reads.get(update.order.clientOrderId);
    if (!read?.order || brokerIsBehind(update, read.order) || (update.fill && !read.fills)) return undefined;
    return read;
  }

  remember(clientOrderId: string, read: BrokerRead): void {
    this.reads.set(clientOrderId, read);
  }
}
