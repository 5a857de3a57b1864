// Each scaling rule on small numbers: how a measured quantity becomes a quantity of a trading day.
import { describe, expect, it } from 'vitest';
import {
  accessUnits,
  containerBytesAt,
  containerUnitsDelta,
  metricHoursPerMonth,
  orderHistoryQueryUnits,
  ordersHeldInMonth,
  perIntent,
  perSecond,
  pollerRequestsPerDay,
  scheduledRunsPerDay,
  storageHeldGb,
  tracesRecorded,
} from '../../../bench/cost/scaling';

const item = { bytes: 400, symbols: 5, baseBytes: 50, perSymbolBytes: 70 };

describe('scaling rules', () => {
  it('scales a per-intent quantity in proportion to the intents, and refuses a run that decided none', () => {
    expect(perIntent(30, 10, 100)).toBe(300);
    expect(perIntent(30, 10, 200)).toBe(2 * perIntent(30, 10, 100));
    expect(() => perIntent(30, 0, 100)).toThrow(/no intent/);
  });

  it('scales a per-second quantity to a session or a calendar day', () => {
    expect(perSecond(10, 10, 23_400)).toBe(23_400);
    expect(perSecond(5, 10, 86_400)).toBe(43_200);
    expect(() => perSecond(5, 0, 86_400)).toThrow(/empty/);
  });

  it('runs a one-minute schedule 1,440 times a calendar day and a five-minute one 288 times', () => {
    expect(scheduledRunsPerDay(1)).toBe(1440);
    expect(scheduledRunsPerDay(5)).toBe(288);
  });

  it('grows a container item by its per-symbol bytes, and bills an access in whole 1 KB (write) or 4 KB (read) units', () => {
    expect(containerBytesAt(item, 100)).toBe(7050);
    expect(accessUnits('write', 7050, 1)).toBe(7);
    expect(accessUnits('read', 7050, 1)).toBe(2);
    expect(accessUnits('read', 7050, 0.5)).toBe(1);
    expect(accessUnits('write', 10, 2)).toBe(2);
  });

  it('adds what the container accesses cost beyond the measured size, and nothing at the measured size', () => {
    const accesses = [{ access: 'write' as const, factor: 1, count: 10 }];
    expect(containerUnitsDelta(accesses, item, 5)).toBe(0);
    expect(containerUnitsDelta(accesses, item, 100)).toBe(10 * (7 - 1));
  });

  it('holds half a month of orders on average in the first month and eleven and a half in the twelfth', () => {
    expect(ordersHeldInMonth(1000, 20, 1)).toBe(10_000);
    expect(ordersHeldInMonth(1000, 20, 12)).toBe(230_000);
  });

  it('bills a Query of the order history for the whole history read, however few orders pass its filter', () => {
    expect(orderHistoryQueryUnits(8192, 500, 1)).toBe(1000);
    expect(orderHistoryQueryUnits(2 * 8192, 500, 1)).toBe(2000);
    expect(orderHistoryQueryUnits(8192, 500, 0.5)).toBe(500);
    expect(orderHistoryQueryUnits(0, 500, 1)).toBe(1);
  });

  it('traces every invocation under one a second, and the first each second plus 5 % of the rest above', () => {
    expect(tracesRecorded(1440, 86_400)).toBe(1440);
    expect(tracesRecorded(200, 100)).toBe(100 + 5);
  });

  it("counts Lambda's idle long polls: five pollers, three 20-second waits a minute each, per mapping", () => {
    expect(pollerRequestsPerDay(1, 5, 20)).toBe(21_600);
    expect(pollerRequestsPerDay(2, 5, 20)).toBe(43_200);
  });

  it('bills a metric published around the clock all 730 hours, one published while trading only in the sessions', () => {
    expect(metricHoursPerMonth(true, 21, 7)).toBe(730);
    expect(metricHoursPerMonth(false, 21, 7)).toBe(147);
  });

  it('accumulates storage month by month until its retention caps it', () => {
    expect(storageHeldGb(2, 1, 365, 30)).toBe(1);
    expect(storageHeldGb(2, 12, 0, 30)).toBe(23);
    expect(storageHeldGb(2, 12, 30, 30)).toBe(2);
  });
});
