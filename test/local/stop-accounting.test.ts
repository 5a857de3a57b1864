// What a local run proves about its stops: an order whose broker call started while stopped counts as started
// after the stop unless its gate pass is from before the stop was durable; an order past the gate before the
// stop and not yet at the venue is in transit.
import { describe, expect, it } from 'vitest';
import { ordersInTransitAt, ordersStartedAfterStop, type GatedOrder } from '../../local/stop-accounting';

const stop = { issued: 1_000, from: 1_010, to: 2_000 };
const orders = (list: GatedOrder[]) => new Map(list.map((o) => [o.intentId, o]));

describe('stop accounting', () => {
  it('counts an order whose claim was sent once the stop was durable and whose broker call started while stopped', () => {
    const gated = orders([{ intentId: 'late', gatePassedAt: 1_010, blocked: false }]);
    expect(ordersStartedAfterStop([stop], [{ clientOrderId: 'late', startedMs: 1_011 }], gated)).toEqual(['late']);
  });

  it('does not count an order past the gate just before the stop was durable (in transit), nor calls outside the stop', () => {
    const gated = orders([
      { intentId: 'transit', gatePassedAt: 1_009, blocked: false },
      { intentId: 'after-resume', gatePassedAt: 2_000, blocked: false },
    ]);
    const calls = [
      { clientOrderId: 'transit', startedMs: 1_020 },
      { clientOrderId: 'after-resume', startedMs: 2_000 },
    ];
    expect(ordersStartedAfterStop([stop], calls, gated)).toEqual([]);
  });

  it('counts a broker call while stopped for an order that never passed a gate (a path around the claim)', () => {
    expect(ordersStartedAfterStop([stop], [{ clientOrderId: 'ungated', startedMs: 1_500 }], orders([{ intentId: 'ungated', blocked: false }]))).toEqual(['ungated']);
    expect(ordersStartedAfterStop([{ issued: 1_000, from: 1_010 }], [{ clientOrderId: 'x', startedMs: 9_999 }], new Map())).toEqual(['x']);
  });

  it('lists as in transit the orders past the gate in the trading period before the stop that the venue had not received by then', () => {
    const gated = [
      { intentId: 'arrived-before', gatePassedAt: 900, blocked: false },
      { intentId: 'arrived-after', gatePassedAt: 950, blocked: false },
      { intentId: 'never-arrived', gatePassedAt: 960, blocked: false },
      { intentId: 'blocked-later', gatePassedAt: 970, blocked: true },
      { intentId: 'earlier-period', gatePassedAt: 100, blocked: false },
      { intentId: 'after-stop', gatePassedAt: 1_010, blocked: false },
    ];
    const arrivals: Record<string, number> = { 'arrived-before': 1_005, 'arrived-after': 1_011, 'earlier-period': 5_000 };
    expect(ordersInTransitAt(1_010, 500, gated, (id) => arrivals[id])).toEqual(['arrived-after', 'never-arrived']);
  });
});
