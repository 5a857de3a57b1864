// Reference data from its sources: ADV is the exact mean of the last N complete sessions' volumes, rounded down
// to whole shares (checked against integer arithmetic over random bars, not against itself); today's bar, still
// forming, never counts; fewer than N complete bars give no ADV; a symbol the document does not name gets no
// sector; the bars asked for cover N sessions with room for holidays.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averageDailyVolume, barsRange, buildReference, lookbackDays } from '../../../shared/feed/reference-data';
import { dec, toDecimalString } from '../../../shared/money/decimal';
import type { DailyBar } from '../../../shared/ports/daily-volume-source';

const DAY_MS = 86_400_000;
/** Monday 2026-11-23, midnight in New York (EST): today's session began after it. */
const TODAY = Date.parse('2026-11-23T05:00:00.000Z');

/** Bars of consecutive days ending the day before `TODAY`, oldest first. */
const barsBefore = (volumes: readonly (string | number | bigint)[]): DailyBar[] =>
  volumes.map((volume, i) => ({ at: new Date(TODAY - (volumes.length - i) * DAY_MS).toISOString(), volume: String(volume) }));

const volume = fc.bigInt({ min: 0n, max: 10n ** 12n });

describe('average daily volume', () => {
  it('is the mean of the last N complete bars, rounded down to whole shares (property, against integer division)', () => {
    fc.assert(
      fc.property(fc.array(volume, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 30 }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (volumes, days, todayVolume) => {
        const bars = [...barsBefore(volumes), { at: new Date(TODAY + 14 * 3_600_000).toISOString(), volume: String(todayVolume) }];
        const adv = averageDailyVolume(bars, days, TODAY);
        if (volumes.length < days) {
          expect(adv).toBeUndefined();
          return;
        }
        const last = volumes.slice(-days);
        const sum = last.reduce((a, b) => a + b, 0n);
        expect(adv).toBe((sum / BigInt(days)).toString());
        // Rounded down, by less than one share: adv × N ≤ Σ < (adv + 1) × N.
        const exact = last.reduce((a, b) => a.plus(dec(b)), dec(0)).div(days);
        expect(dec(adv as string).lte(exact) && dec(adv as string).plus(1).gt(exact)).toBe(true);
      }),
    );
  });

  it('ignores today’s bar, still forming, however large', () => {
    const bars = [...barsBefore(Array(20).fill(1_000)), { at: '2026-11-23T05:00:00.000Z', volume: '999999999' }];
    expect(averageDailyVolume(bars, 20, TODAY)).toBe('1000');
  });

  it('takes the last N bars whatever order they come in', () => {
    const bars = barsBefore([5, 10, 20, 30]).reverse();
    expect(averageDailyVolume(bars, 3, TODAY)).toBe('20');
  });

  it('writes no ADV for a symbol with fewer than 20 complete daily bars', () => {
    expect(averageDailyVolume(barsBefore(Array(19).fill(50_000_000)), 20, TODAY)).toBeUndefined();
    expect(averageDailyVolume([], 20, TODAY)).toBeUndefined();
  });

  it('rounds 10.5, 10.9 and 10.1 shares down to 10', () => {
    expect(averageDailyVolume(barsBefore([10, 11]), 2, TODAY)).toBe('10');
    expect(averageDailyVolume(barsBefore(['10', '10', '10', '10', '10', '10', '10', '10', '10', '19']), 10, TODAY)).toBe('10');
    expect(averageDailyVolume(barsBefore(['10', '10', '10', '10', '10', '10', '10', '10', '10', '11']), 10, TODAY)).toBe('10');
  });

  it('stays exact past the range of a double (sums beyond 2^53)', () => {
    const huge = 2n ** 60n + 1n;
    expect(averageDailyVolume(barsBefore([huge, huge]), 2, TODAY)).toBe(toDecimalString(dec(huge)));
  });

  it('refuses a bar whose volume is not a whole number of shares, or whose time cannot be read, naming the bar', () => {
    expect(() => averageDailyVolume([{ at: '2026-11-20T05:00:00.000Z', volume: '12.5' }], 1, TODAY)).toThrow(/daily bar 0: volume "12.5" must be a non-negative whole number/);
    expect(() => averageDailyVolume([{ at: 'last friday', volume: '12' }], 1, TODAY)).toThrow(/daily bar 0: time "last friday" cannot be read/);
  });
});

describe('building the reference', () => {
  const sectors = { AAPL: 'TECHNOLOGY', SPY: 'INDEX' };

  it('gives every subscribed symbol what could be established, and lists what could not', () => {
    const built = buildReference({
      symbols: ['AAPL', 'SPY', 'ZZZ'],
      bars: { AAPL: barsBefore(Array(20).fill(55_000_000)), SPY: barsBefore(Array(5).fill(60_000_000)), ZZZ: barsBefore(Array(20).fill(7)) },
      sectors,
      advDays: 20,
      todayStartMs: () => TODAY,
    });
    expect(built.reference).toEqual({ AAPL: { adv: '55000000', sector: 'TECHNOLOGY' }, SPY: { sector: 'INDEX' }, ZZZ: { adv: '7' } });
    expect(built.missing).toEqual({ adv: ['SPY'], sector: ['ZZZ'] });
  });

  it('writes no ADV for a symbol the provider has no bars for', () => {
    const built = buildReference({ symbols: ['AAPL'], bars: {}, sectors, advDays: 20, todayStartMs: () => TODAY });
    expect(built.reference).toEqual({ AAPL: { sector: 'TECHNOLOGY' } });
    expect(built.missing.adv).toEqual(['AAPL']);
  });

  it('takes no sector from the document’s prototype (a symbol named "constructor" has none)', () => {
    const built = buildReference({ symbols: ['constructor'], bars: {}, sectors, advDays: 1, todayStartMs: () => TODAY });
    expect(built.missing.sector).toEqual(['constructor']);
  });

  it('names the symbol whose bars cannot be used', () => {
    expect(() => buildReference({ symbols: ['AAPL'], bars: { AAPL: [{ at: '2026-11-20T05:00:00.000Z', volume: '-1' }] }, sectors, advDays: 1, todayStartMs: () => TODAY })).toThrow(
      /^AAPL: daily bar 0: volume "-1"/,
    );
  });
});

describe('the bars asked for', () => {
  it('cover N sessions of five-day weeks and two weeks more, and end just before today', () => {
    expect(lookbackDays(20)).toBe(42);
    expect(barsRange([TODAY], 20)).toEqual({ start: '2026-10-12T05:00:00.000Z', end: '2026-11-23T04:59:59.999Z' });
  });

  it('span every symbol’s market: from the earliest today back, to just before the latest today', () => {
    const utcToday = Date.parse('2026-11-23T00:00:00.000Z');
    expect(barsRange([TODAY, utcToday], 1)).toEqual({ start: new Date(utcToday - 16 * DAY_MS).toISOString(), end: '2026-11-23T04:59:59.999Z' });
  });
});
