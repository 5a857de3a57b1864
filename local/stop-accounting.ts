// What a local run proves about its stops, from three records kept apart from the gate's own decision: when
// each stop was durable (the HaltObserver), when each broker call for a new order started (the session's
// wrapper of the broker port), and the gate pass stamped on each order (gatePassedAt: the worker's clock when
// it sent the claim, so never later than the claim's commit). Pure.
import type { HaltPeriod } from './halt-observer';

/** A new-order call to the broker, timed when it started (epoch ms). */
export interface SubmitCall {
  clientOrderId: string;
  startedMs: number;
}

/** What the accounting needs of an order: its last gate pass and whether it ended blocked before the broker. */
export interface GatedOrder {
  intentId: string;
  gatePassedAt?: number;
  blocked: boolean;
}

const within = (ms: number, period: HaltPeriod): boolean => ms > period.from && (period.to === undefined || ms < period.to);

/**
 * Orders that started towards the broker after a stop was durable: a broker call for the order started while
 * trading was stopped (after the stop's write had returned, before the resuming write was sent), and the
 * order's gate pass is not from before that stop (its claim was sent after the stop was durable, so it
 * committed after it), or it has none at all. An order whose claim committed before the stop is in transit,
 * not counted here: its call may start after the stop.
 */
export const ordersStartedAfterStop = (periods: readonly HaltPeriod[], calls: readonly SubmitCall[], orders: ReadonlyMap<string, GatedOrder>): string[] => {
  const started = new Set<string>();
  for (const call of calls) {
    const period = periods.find((p) => within(call.startedMs, p));
    if (!period) continue;
    const gate = orders.get(call.clientOrderId)?.gatePassedAt;
    if (gate === undefined || gate >= period.from) started.add(call.clientOrderId);
  }
  return [...started];
};

/**
 * Orders in transit when a stop landed: past the gate before the stop was durable (and after `since`, the
 * start of the trading period it ended), not blocked afterwards, and not at the venue by then (it received
 * them later, or never).
 */
export const ordersInTransitAt = (
  durableMs: number,
  sinceMs: number,
  orders: Iterable<GatedOrder>,
  arrivedAt: (intentId: string) => number | undefined,
): string[] => {
  const inTransit: string[] = [];
  for (const order of orders) {
    if (order.blocked || order.gatePassedAt === undefined || order.gatePassedAt < sinceMs || order.gatePassedAt >= durableMs) continue;
    const arrival = arrivedAt(order.intentId);
    if (arrival === undefined || arrival > durableMs) inTransit.push(order.intentId);
  }
  return inTransit;
};
