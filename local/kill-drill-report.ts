// The report's stop figures: orders that started towards the broker while trading was stopped (every stop of
// the run) and the kill drills' own figures, from the records kept apart from the gate (local/stop-accounting.ts).
import type { OrderRecord } from '../shared/orders/order-record';
import type { KillDrillRecord } from './kill-drill';
import type { LocalReport } from './report';
import type { SessionWiring } from './session-wiring';
import { ordersInTransitAt, ordersStartedAfterStop, type GatedOrder } from './stop-accounting';

const SHOWN_IDS = 5;

const gatedOrders = (orders: readonly OrderRecord[]): Map<string, GatedOrder> =>
  new Map(
    orders.map((o) => [
      o.intent.intentId,
      { intentId: o.intent.intentId, blocked: o.status === 'BLOCKED', ...(o.gatePassedAt !== undefined ? { gatePassedAt: o.gatePassedAt } : {}) },
    ]),
  );

/** Orders whose broker call started while trading was stopped though their gate pass is not from before the stop. */
export const startedWhileStopped = (w: SessionWiring, orders: readonly OrderRecord[]): string[] =>
  ordersStartedAfterStop(w.haltObserver.haltPeriods, w.submitCalls.calls, gatedOrders(orders));

const approvedPerSecond = (orders: readonly OrderRecord[], fromMs: number, toMs: number): number => {
  const approved = orders.filter((o) => o.status !== 'DENIED' && o.origin !== 'external' && Date.parse(o.createdAt) >= fromMs && Date.parse(o.createdAt) < toMs).length;
  return toMs > fromMs ? approved / ((toMs - fromMs) / 1000) : 0;
};

export const killDrillFigures = (
  w: SessionWiring,
  orders: readonly OrderRecord[],
  drills: { planned: number; records: readonly KillDrillRecord[] } | undefined,
): LocalReport['killDrills'] => {
  if (!drills) return null;
  const gated = gatedOrders(orders);
  const arrivals = new Map(w.broker.orders().map((o) => [o.clientOrderId, Date.parse(o.submittedAt)]));
  const started = new Set(startedWhileStopped(w, orders));
  const rows = drills.records.map((d) => {
    const inTransit = d.stopDurableAt === null ? [] : ordersInTransitAt(d.stopDurableAt, d.activeSince, gated.values(), (id) => arrivals.get(id));
    const period = w.haltObserver.haltPeriods.find((p) => p.issued >= d.pressedAt);
    const startedHere = [...started].filter((id) => {
      const call = w.submitCalls.calls.find((c) => c.clientOrderId === id);
      return period !== undefined && call !== undefined && call.startedMs > period.from && (period.to === undefined || call.startedMs < period.to);
    });
    return {
      drill: d.drill,
      pressedAt: new Date(d.pressedAt).toISOString(),
      killStatus: d.killStatus,
      presses: d.presses,
      durableMs: d.stopDurableAt === null ? null : d.stopDurableAt - d.pressedAt,
      stopMs: d.settledAt === null ? null : d.settledAt - d.pressedAt,
      inTransit: inTransit.length,
      inTransitIds: inTransit.slice(0, SHOWN_IDS),
      startedAfterStop: startedHere.length,
      approvedPerSecond: approvedPerSecond(orders, d.tradedFrom, d.pressedAt),
      roundMs: d.activeAgainAt === null ? null : d.activeAgainAt - d.pressedAt,
      ...(d.failure ? { failure: d.failure } : {}),
    };
  });
  const rates = rows.map((r) => r.approvedPerSecond);
  return {
    planned: drills.planned,
    count: drills.records.filter((d) => !d.failure && d.activeAgainAt !== null).length,
    ordersStartedAfterStop: started.size,
    ordersInTransitAtStop: rows.reduce((sum, r) => sum + r.inTransit, 0),
    maxStopMs: Math.max(0, ...rows.map((r) => r.stopMs ?? 0)),
    approvedPerSecond: { min: rates.length ? Math.min(...rates) : 0, mean: rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : 0 },
    drills: rows,
  };
};
