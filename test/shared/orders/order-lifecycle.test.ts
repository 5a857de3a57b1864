// The order lifecycle step against a model of the broker: whatever order, duplication or loss the views
// arrive in, the booked fills equal the broker's fills exactly once the broker is queried, and the status
// only ever moves along the transition table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../../shared/money/decimal';
import type { BrokerFill, BrokerOrder, BrokerOrderStatus } from '../../../shared/broker/broker-order';
import { reduceBrokerView, type BrokerView } from '../../../shared/orders/order-lifecycle';
import { canTransition, ORDER_STATUSES, type OrderRecord } from '../../../shared/orders/order-record';
import { intentFor } from '../../support/fixtures';

const T0 = Date.parse('2026-11-23T15:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const pending = (quantity = '10'): OrderRecord => ({
  account: 'acct-1',
  strategy: 'strat',
  intent: intentFor('o-1', { quantity }),
  status: 'SUBMITTED',
  approvedQuantity: quantity,
  inFlight: quantity,
  filledQuantity: '0',
  createdAt: iso(T0),
  updatedAt: iso(T0),
  version: 2,
});

const brokerOrder = (status: BrokerOrderStatus, filled: string, atMs: number, quantity = '10'): BrokerOrder => ({
  brokerOrderId: 'b-1',
  clientOrderId: 'o-1',
  symbol: 'AAPL',
  side: 'buy',
  quantity,
  orderType: 'market',
  timeInForce: 'day',
  status,
  filledQuantity: filled,
  submittedAt: iso(T0),
  updatedAt: iso(atMs),
});

const fill = (n: number, quantity: string, cumulative: string, price = '100.5'): BrokerFill => ({
  executionId: `e-${n}`,
  brokerOrderId: 'b-1',
  symbol: 'AAPL',
  side: 'buy',
  quantity,
  price,
  cumulativeQuantity: cumulative,
  at: iso(T0 + n),
});

/** Applies a step's result to the record, as the store would. */
const apply = (order: OrderRecord, view: BrokerView): OrderRecord => {
  const step = reduceBrokerView(order, view);
  return {
    ...order,
    status: step.status,
    filledQuantity: step.filledQuantity,
    filledNotional: step.filledNotional,
    brokerFilledQuantity: step.brokerFilledQuantity,
    inFlight: step.inFlight,
    ...(step.brokerOrderId ? { brokerOrderId: step.brokerOrderId } : {}),
    ...(step.brokerUpdatedAt ? { brokerUpdatedAt: step.brokerUpdatedAt } : {}),
  };
};

describe('order lifecycle', () => {
  it('books each fill once, in cumulative order, whatever the duplicates', () => {
    let order = pending();
    const f1 = fill(1, '4', '4');
    const f2 = fill(2, '6', '10', '101');
    order = apply(order, { order: brokerOrder('partially_filled', '4', T0 + 1), fills: [f1] });
    order = apply(order, { order: brokerOrder('partially_filled', '4', T0 + 1), fills: [f1] });
    const step = reduceBrokerView(order, { order: brokerOrder('filled', '10', T0 + 2), fills: [f2, f1, f2] });
    expect(step.fills.map((f) => f.executionId)).toEqual(['e-2']);
    expect(step).toMatchObject({ status: 'FILLED', filledQuantity: '10', filledNotional: '1008', inFlight: '0', inFlightDelta: '-6', openOrdersDelta: -1 });
  });

  it('waits for the missing fill instead of booking past a gap', () => {
    const step = reduceBrokerView(pending(), { order: brokerOrder('filled', '10', T0 + 2), fills: [fill(2, '6', '10')] });
    expect(step.fills).toEqual([]);
    expect(step.missingFills).toBe(true);
    expect(step.anomalies).toContainEqual({ kind: 'FILL_GAP', watermark: '0', nextStart: '4' });
    // Until the fills are booked, the unbooked filled size still counts as in-flight exposure.
    expect(step).toMatchObject({ status: 'FILLED', inFlight: '10', inFlightDelta: '0' });
  });

  it('ignores an older snapshot and reports a move the table does not allow', () => {
    const filled = apply(pending(), { order: brokerOrder('filled', '10', T0 + 5), fills: [fill(1, '10', '10')] });
    expect(reduceBrokerView(filled, { order: brokerOrder('accepted', '0', T0 + 1) })).toMatchObject({ status: 'FILLED', stale: true, anomalies: [] });
    const step = reduceBrokerView(filled, { order: brokerOrder('canceled', '10', T0 + 9) });
    expect(step).toMatchObject({ status: 'FILLED', statusChanged: false });
    expect(step.anomalies).toEqual([{ kind: 'INVALID_TRANSITION', from: 'FILLED', to: 'CANCELED' }]);
  });

  it('takes a late fill after the cancel was confirmed to FILLED', () => {
    let order = apply(pending(), { order: brokerOrder('accepted', '0', T0 + 1) });
    order = apply(order, { order: brokerOrder('canceled', '0', T0 + 2) });
    expect(order).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    const step = reduceBrokerView(order, { order: brokerOrder('filled', '10', T0 + 3), fills: [fill(1, '10', '10')] });
    expect(step).toMatchObject({ status: 'FILLED', filledQuantity: '10', openOrdersDelta: 0, anomalies: [] });
  });

  it('never takes another broker order id for a stored order: the view is reported and none of it applied', () => {
    const accepted = apply(pending(), { order: brokerOrder('accepted', '0', T0 + 1) });
    const other = { ...brokerOrder('filled', '10', T0 + 2), brokerOrderId: 'b-2' };
    const step = reduceBrokerView(accepted, { order: other, fills: [{ ...fill(1, '10', '10'), brokerOrderId: 'b-2' }] });
    expect(step).toMatchObject({ status: 'ACCEPTED', statusChanged: false, brokerOrderId: 'b-1', filledQuantity: '0', fills: [], brokerUpdatedAt: iso(T0 + 1), inFlightDelta: '0' });
    expect(step.anomalies[0]).toEqual({ kind: 'BROKER_ORDER_ID_CHANGED', stored: 'b-1', reported: 'b-2' });
    // The first broker id an order gets is simply recorded.
    expect(reduceBrokerView(pending(), { order: other }).anomalies).toEqual([]);
  });

  it('reports an overfill and still books it: the broker holds the position', () => {
    const step = reduceBrokerView(pending('10'), { order: brokerOrder('filled', '12', T0 + 1), fills: [fill(1, '12', '12')] });
    expect(step.filledQuantity).toBe('12');
    expect(step.anomalies).toContainEqual({ kind: 'OVERFILL', filled: '12', ordered: '10' });
  });

  it('converges to the broker for any delivery of its updates: duplicated, reordered or lost', () => {
    // The broker's truth: slices of a 10-share order, then filled, or a cancel part-way.
    const scenario = fc.record({
      slices: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 6 }),
      cancelAfter: fc.option(fc.nat(6), { nil: undefined }),
      deliveries: fc.array(fc.nat(), { maxLength: 30 }),
    });
    fc.assert(
      fc.property(scenario, ({ slices, cancelAfter, deliveries }) => {
        const views: BrokerView[] = [];
        const fills: BrokerFill[] = [];
        let cumulative = 0;
        let at = T0;
        views.push({ order: brokerOrder('accepted', '0', ++at) });
        let final: BrokerOrderStatus = 'accepted';
        for (const [i, slice] of slices.entries()) {
          if (cancelAfter !== undefined && i === cancelAfter) break;
          const q = Math.min(slice, 10 - cumulative);
          if (q <= 0) break;
          cumulative += q;
          const f = fill(i + 1, String(q), String(cumulative), `${100 + i}.25`);
          fills.push(f);
          final = cumulative === 10 ? 'filled' : 'partially_filled';
          views.push({ order: brokerOrder(final, String(cumulative), ++at), fills: [f] });
        }
        if (final !== 'filled' && cancelAfter !== undefined) {
          final = 'canceled';
          views.push({ order: brokerOrder('canceled', String(cumulative), ++at) });
        }
        // Deliver an arbitrary selection (duplicates, any order, some never), then the query that settles it.
        let order = pending();
        const seen = [order.status];
        for (const pick of deliveries) {
          const view = views[pick % views.length];
          if (!view) continue;
          const before = order.status;
          order = apply(order, view);
          if (order.status !== before) expect(canTransition(before, order.status)).toBe(true);
          seen.push(order.status);
        }
        order = apply(order, { order: brokerOrder(final, String(cumulative), at), fills });
        expect(ORDER_STATUSES).toEqual(expect.arrayContaining(seen));
        expect(order.filledQuantity).toBe(String(cumulative));
        const notional = fills.reduce((sum, f) => sum.plus(dec(f.quantity).times(f.price)), dec(0));
        expect(dec(order.filledNotional ?? '0').eq(notional)).toBe(true);
        expect(order.status).toBe({ accepted: 'ACCEPTED', partially_filled: 'PARTIALLY_FILLED', filled: 'FILLED', canceled: 'CANCELED' }[final as string]);
        // Open orders keep their unfilled size in flight; final ones keep nothing.
        expect(order.inFlight).toBe(final === 'filled' || final === 'canceled' ? '0' : String(10 - cumulative));
      }),
      { numRuns: 400 },
    );
  });
});
