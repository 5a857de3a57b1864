// Adoption of a broker order that has no intent of ours (placed by hand, by another tool, or lost before its
// record was written): the pure construction of its order record. Invariants: the record's intent id is a
// valid IntentId and the same for the same broker order on every run (so a second run finds it known); the
// record starts with nothing booked (watermark 0) and its in-flight size follows inFlightOf like any order,
// so applying the broker's view afterwards books its fills exactly once and releases exactly what it books.
import { OrderIntentSchema, type OrderIntent } from '../events/order-events';
import type { BrokerOrder } from '../broker/broker-order';
import { utcNow } from '../time/utc';
import { deterministicId, IntentIdSchema } from '../events/ids';
import * as fx from '../money/fixed';
import { inFlightOf, STATUS_FROM_BROKER } from '../orders/order-lifecycle';
import type { OrderRecord } from '../orders/order-record';
import { isoToEpochMs } from '../time/iso-time';

export const EXTERNAL_STRATEGY = 'external';

/**
 * The intent id an external order is stored under: its client order id when that is a valid intent id,
 * else `ext-<brokerOrderId>`, or a digest of the broker order id when that would not be valid (too long,
 * other characters) - never a truncation, which could make two broker orders one.
 */
export const externalIntentId = (order: Pick<BrokerOrder, 'clientOrderId' | 'brokerOrderId'>): string => {
  if (IntentIdSchema.safeParse(order.clientOrderId).success) return order.clientOrderId;
  const readable = `ext-${order.brokerOrderId}`;
  return IntentIdSchema.safeParse(readable).success ? readable : deterministicId('ext', order.brokerOrderId);
};

/** A broker timestamp in the canonical form the intent schema takes; `fallback` when it names no instant. */
const canonicalTime = (text: string, fallback: string): string => {
  const ms = isoToEpochMs(text);
  return Number.isFinite(ms) ? utcNow(ms) : fallback;
};

export type ExternalOrder = { ok: true; order: OrderRecord } | { ok: false; why: string };

/**
 * The order record for an external broker order, as of `at`. Its creation time is the broker's submission
 * time: fills are fetched from shortly before the record's creation, so a later time would miss them.
 */
export const externalOrderRecord = (account: string, order: BrokerOrder, at: string): ExternalOrder => {
  const createdAt = canonicalTime(order.submittedAt, at);
  const candidate: OrderIntent = {
    intentId: externalIntentId(order),
    symbol: order.symbol,
    side: order.side,
    quantity: order.quantity,
    orderType: order.orderType,
    ...(order.orderType === 'limit' && order.limitPrice !== undefined ? { limitPrice: order.limitPrice } : {}),
    timeInForce: order.timeInForce,
    createdAt,
  };
  const parsed = OrderIntentSchema.safeParse(candidate);
  if (!parsed.success) {
    return { ok: false, why: parsed.error.issues.map((i) => `${i.path.join('.') || 'order'}: ${i.message}`).join('; ') };
  }
  const status = STATUS_FROM_BROKER[order.status];
  const inFlight = inFlightOf(status, fx.parseFixed(parsed.data.quantity), fx.fixedFromInt(0), fx.fixedFromInt(0));
  return {
    ok: true,
    order: {
      account,
      strategy: EXTERNAL_STRATEGY,
      intent: parsed.data,
      status,
      brokerOrderId: order.brokerOrderId,
      filledQuantity: '0',
      filledNotional: '0',
      inFlight: fx.toDecimalString(inFlight),
      origin: 'external',
      createdAt,
      updatedAt: at,
      version: 1,
    },
  };
};
