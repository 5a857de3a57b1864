// The cost model on a measured run in round numbers: the scaling is explicit (per intent, per symbol, per month
// of operation), fixed costs stay fixed, every price has its provenance, and the totals add up.
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../shared/money/decimal';
import { estimateCost, REMEDIES } from '../../../bench/cost/model';
import { loadPriceTable } from '../../../bench/cost/prices';
import type { CostLine } from '../../../bench/cost/cost-line';
import { modelInput } from './fixtures';

const byItem = (lines: readonly CostLine[]) => new Map(lines.map((l) => [`${l.service}|${l.item}`, l]));
const quantityOf = (lines: readonly CostLine[], item: string): number => {
  const line = lines.find((l) => l.item === item);
  if (!line) throw new Error(`no line "${item}"`);
  return line.quantity;
};

/** Lines whose quantity follows the intents of the day (the order path). */
const PER_INTENT_ITEMS = [
  'risk/queue requests',
  'risk/queue duration',
  'order/queue requests',
  'risk/queue writes',
  'order/queue reads',
  'intent queue: sends (EventBridge delivers each event with a SendMessage)',
  'order queue: sends',
  'trading.feed events',
  'trading.risk events',
];
/** Lines that do not depend on the intents at all. */
const FIXED_ITEMS = ['feed task: vCPU', 'feed task: public IPv4 address', 'alarms (standard resolution)', 'dashboards', 'secrets', 'feed marks writes', 'reconciliation/schedule requests', 'kill-switch provisioned concurrency'];

describe('cost model', () => {
  it('doubles every per-intent line when the intents double, and leaves the fixed and around-the-clock lines alone', () => {
    const one = byItem(estimateCost(modelInput({ orders: 1000 })).lines);
    const two = byItem(estimateCost(modelInput({ orders: 2000 })).lines);
    for (const item of PER_INTENT_ITEMS) {
      const key = [...one.keys()].find((k) => k.endsWith(`|${item}`)) ?? item;
      expect({ item, ratio: (two.get(key)?.quantity ?? 0) / (one.get(key)?.quantity ?? 1) }).toEqual({ item, ratio: 2 });
    }
    for (const item of FIXED_ITEMS) {
      const key = [...one.keys()].find((k) => k.endsWith(`|${item}`)) ?? item;
      expect({ item, quantity: two.get(key)?.quantity }).toEqual({ item, quantity: one.get(key)?.quantity });
    }
  });

  it('scales a per-intent line from the measured run: 50 risk invocations for 100 intents are 500 for 1,000', () => {
    const lines = estimateCost(modelInput({ orders: 1000 })).lines;
    expect(quantityOf(lines, 'risk/queue requests')).toBe(500);
    // 100 ms measured per invocation, 0.5 GB: 500 × 0.1 × 0.5.
    expect(quantityOf(lines, 'risk/queue duration')).toBeCloseTo(25, 10);
    // Each intent event reaches the intent queue with a SendMessage of its own.
    expect(quantityOf(lines, 'intent queue: sends (EventBridge delivers each event with a SendMessage)')).toBe(1000);
  });

  it('prices the marks writes by the item the symbols make: one unit a write at 5 symbols, seven at 100', () => {
    const at5 = quantityOf(estimateCost(modelInput({ symbols: 5 })).lines, 'feed marks writes');
    const at100 = quantityOf(estimateCost(modelInput({ symbols: 100 })).lines, 'feed marks writes');
    // One write a second (10 in 10 s) over a 23,400 s session.
    expect(at5).toBe(23_400);
    expect(at100).toBe(7 * 23_400);
  });

  it('adds the re-sized container accesses to the measured units: the risk reads of the marks item grow with the symbols', () => {
    const at5 = quantityOf(estimateCost(modelInput({ symbols: 5 })).lines, 'risk/queue reads');
    const at100 = quantityOf(estimateCost(modelInput({ symbols: 100 })).lines, 'risk/queue reads');
    // 50 consistent reads of the marks item for 100 intents: 1 unit each at 400 B, 2 at 7,050 B; × 10 for 1,000 intents.
    expect(at100 - at5).toBe(50 * (2 - 1) * 10);
  });

  it('bills the failed conditional writes the emulator reports without capacity', () => {
    // 1,000 measured write units, 10 failed conditions at one unit each, 50 transactional book writes unchanged at 5 symbols.
    expect(quantityOf(estimateCost(modelInput({ orders: 100 })).lines, 'risk/queue writes')).toBe(1010);
  });

  it("prices a caller's order-history queries by the orders held, growing month by month", () => {
    const month1 = quantityOf(estimateCost(modelInput({ month: 1 })).lines, 'reconciliation/schedule order-history queries');
    const month12 = quantityOf(estimateCost(modelInput({ month: 12 })).lines, 'reconciliation/schedule order-history queries');
    // 3 queries a run × 1,440 runs; 1,000 orders × 21 days × 0.5 months × 500 B ÷ 4 KB = 1,282 units each.
    expect(month1).toBe(3 * 1440 * 1282);
    expect(month12).toBeGreaterThan(20 * month1);
  });

  it('never counts what only the local runtime did (seeding, the drain, the report)', () => {
    expect(estimateCost(modelInput()).lines.some((l) => l.item.startsWith('local'))).toBe(false);
  });

  it('adds up: the services make the month, the bases make the month, and a trading day is the month over 21 sessions', () => {
    const estimate = estimateCost(modelInput());
    const services = Object.values(estimate.byService).reduce((sum, s) => sum.add(s.perMonthUsd), new Decimal(0));
    const bases = Object.values(estimate.perMonthByBasisUsd).reduce((sum, v) => sum.add(v), new Decimal(0));
    const lines = estimate.lines.reduce((sum, l) => sum.add(l.usdPerMonth), new Decimal(0));
    // Exact to 30 decimals: sums of 60-digit decimals in another order round differently in the last digits.
    const same = (a: Decimal, b: Decimal) => a.sub(b).abs().lt('1e-30');
    expect(same(services, estimate.perMonthUsd)).toBe(true);
    expect(same(bases, estimate.perMonthUsd)).toBe(true);
    expect(same(lines, estimate.perMonthUsd)).toBe(true);
    expect(same(estimate.perTradingDayUsd, estimate.perMonthUsd.div(21))).toBe(true);
    for (const service of Object.values(estimate.byService)) expect(same(service.perTradingDayUsd, service.perMonthUsd.div(21))).toBe(true);
  });

  it('prices a line as quantity × unit price × periods a month: a fixed dashboard is $3.00, a feed task hour on every calendar day', () => {
    const estimate = estimateCost(modelInput());
    const dashboard = estimate.lines.find((l) => l.item === 'dashboards');
    expect(dashboard?.usdPerMonth.toString()).toBe('3');
    const ipv4 = estimate.lines.find((l) => l.item === 'feed task: public IPv4 address');
    // $0.005 an hour × 24 h × 365/12 days: $3.65 (exact to the 40th decimal; 365/12 does not terminate).
    expect(ipv4?.usdPerMonth.toDecimalPlaces(40).toString()).toBe('3.65');
  });

  it('names what keeps a day above its target, largest first, each with what would lower it, and nothing within it', () => {
    const above = estimateCost(modelInput(), '0.01');
    expect(above.target.met).toBe(false);
    expect(above.target.blockers.length).toBeGreaterThan(0);
    const usd = above.target.blockers.map((b) => b.perTradingDayUsd.toNumber());
    expect(usd).toEqual([...usd].sort((a, b) => b - a));
    const left = above.perTradingDayUsd.sub(above.target.blockers.reduce((sum, b) => sum.add(b.perTradingDayUsd), new Decimal(0)));
    expect(left.lte('0.01')).toBe(true);
    for (const b of above.target.blockers.slice(0, 3)) expect(REMEDIES[b.id]).toBeDefined();
    const within = estimateCost(modelInput(), '100000');
    expect(within.target).toMatchObject({ met: true, blockers: [] });
  });

  it('uses only prices that name their AWS source page and when they were last published, for us-east-1 on 2026-12-04', () => {
    const table = loadPriceTable();
    expect({ region: table.region, date: table.date }).toEqual({ region: 'us-east-1', date: '2026-12-04' });
    const used = new Set(estimateCost(modelInput()).lines.map((l) => l.price));
    for (const id of used) {
      const price = table.prices[id];
      expect(price?.source, id).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price?.asOf, id).toMatch(/^\d{4}-\d{2}/);
    }
    // Written offline: no price claims to have been checked against the live page.
    expect(Object.values(table.prices).every((p) => p.verified === false)).toBe(true);
  });
});
