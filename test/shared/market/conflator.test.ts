import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Conflator } from '../../../shared/market/conflator';
import { parseFixed, toDecimalString } from '../../../shared/money/fixed';
import { iso, T0 } from './market-fixtures';

const INTERVAL = 1_000;
const offer = (c: Conflator, symbol: string, price: string, atMs = T0, source = 'primary') => c.offer(symbol, parseFixed(price), atMs, source);

describe('conflator', () => {
  it('hands out no mark for a symbol without accepted data', () => {
    expect(new Conflator(INTERVAL).due(T0)).toEqual([]);
  });

  it('hands out the latest price of each symbol with its source and exchange time', () => {
    const c = new Conflator(INTERVAL);
    offer(c, 'AAPL', '100.10', T0 - 20);
    offer(c, 'AAPL', '100.20', T0 - 10, 'backup');
    offer(c, 'MSFT', '300', T0 - 5);
    expect(c.due(T0)).toEqual([
      { symbol: 'AAPL', price: '100.2', at: iso(T0 - 10), source: 'backup' },
      { symbol: 'MSFT', price: '300', at: iso(T0 - 5), source: 'primary' },
    ]);
  });

  it('marks a symbol at most once per interval: due again exactly one interval later, not a millisecond before', () => {
    const c = new Conflator(INTERVAL);
    offer(c, 'AAPL', '100', T0);
    expect(c.due(T0)).toHaveLength(1);
    offer(c, 'AAPL', '101', T0 + 1);
    expect(c.due(T0 + INTERVAL - 1)).toEqual([]);
    expect(c.due(T0 + INTERVAL)).toEqual([{ symbol: 'AAPL', price: '101', at: iso(T0 + 1), source: 'primary' }]);
  });

  it('does not mark a symbol that has not changed since its last mark, and marks fresher data at the same price', () => {
    const c = new Conflator(INTERVAL);
    offer(c, 'AAPL', '100', T0);
    c.due(T0);
    offer(c, 'AAPL', '100.00', T0); // the same data again
    expect(c.due(T0 + INTERVAL)).toEqual([]);
    offer(c, 'AAPL', '100', T0 + 500); // the same price, seen later: the mark's age moves on
    expect(c.due(T0 + 2 * INTERVAL)).toEqual([{ symbol: 'AAPL', price: '100', at: iso(T0 + 500), source: 'primary' }]);
  });

  it('keeps out a price older than the latest one: marks only move forward', () => {
    const c = new Conflator(INTERVAL);
    offer(c, 'AAPL', '100', T0);
    offer(c, 'AAPL', '99', T0 - 1, 'backup');
    expect(c.due(T0)).toEqual([{ symbol: 'AAPL', price: '100', at: iso(T0), source: 'primary' }]);
    expect(c.counts()).toEqual({ offered: 2, older: 1, marks: 1 });
  });

  it('never marks a symbol twice within an interval nor a price that was not offered, and always ends on the latest', () => {
    const symbols = ['AAPL', 'MSFT', 'SPY'];
    const step = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), symbol: fc.constantFrom(...symbols), cents: fc.integer({ min: 1, max: 50_000 }), advanceMs: fc.integer({ min: -50, max: 400 }) }),
      fc.record({ kind: fc.constant('due' as const), advanceMs: fc.integer({ min: 0, max: 1_500 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const c = new Conflator(INTERVAL);
        let nowMs = T0;
        const offered = new Map<string, Set<string>>();
        const newest = new Map<string, { price: string; atMs: number }>();
        const lastMarkMs = new Map<string, number>();
        const lastMark = new Map<string, { price: string; atMs: number }>();
        for (const s of steps) {
          nowMs += Math.max(0, s.advanceMs);
          if (s.kind === 'offer') {
            const price = toDecimalString(parseFixed(`${Math.floor(s.cents / 100)}.${String(s.cents % 100).padStart(2, '0')}`));
            const atMs = nowMs + s.advanceMs; // sometimes older than what came before
            c.offer(s.symbol, parseFixed(price), atMs, 'primary');
            offered.set(`${s.symbol}@${atMs}`, (offered.get(`${s.symbol}@${atMs}`) ?? new Set()).add(price));
            if (atMs >= (newest.get(s.symbol)?.atMs ?? Number.NEGATIVE_INFINITY)) newest.set(s.symbol, { price, atMs });
            continue;
          }
          for (const mark of c.due(nowMs)) {
            expect(nowMs - (lastMarkMs.get(mark.symbol) ?? Number.NEGATIVE_INFINITY)).toBeGreaterThanOrEqual(INTERVAL);
            lastMarkMs.set(mark.symbol, nowMs);
            lastMark.set(mark.symbol, { price: mark.price, atMs: Date.parse(mark.at) });
            expect(offered.get(`${mark.symbol}@${Date.parse(mark.at)}`)?.has(mark.price)).toBe(true);
          }
        }
        // Long after the last offer, every symbol's last mark is its newest price.
        for (const mark of c.due(nowMs + INTERVAL)) lastMark.set(mark.symbol, { price: mark.price, atMs: Date.parse(mark.at) });
        expect(lastMark).toEqual(newest);
      }),
      { numRuns: 300 },
    );
  });
});
