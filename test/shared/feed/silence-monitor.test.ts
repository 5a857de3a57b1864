import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SilenceMonitor } from '../../../shared/feed/silence-monitor';

const T0 = Date.parse('2026-12-03T15:00:00.000Z');
const SILENT_AFTER = 30_000;

/** A monitor of AAPL and MSFT whose markets are open unless `closed` says otherwise. */
const monitor = (closed: (symbol: string, nowMs: number) => boolean = () => false) =>
  new SilenceMonitor(['AAPL', 'MSFT'], SILENT_AFTER, (symbol, nowMs) => !closed(symbol, nowMs));

describe('silence monitor', () => {
  it('reports a symbol silent exactly when nothing was accepted for the silence while open, not a millisecond before', () => {
    const m = monitor();
    m.check(T0);
    m.accepted('AAPL', T0);
    m.accepted('MSFT', T0 + 1);
    expect(m.check(T0 + SILENT_AFTER - 1)).toEqual([]);
    expect(m.check(T0 + SILENT_AFTER)).toEqual([{ symbol: 'AAPL', sinceMs: T0 }]);
    expect(m.silentSymbols()).toEqual(['AAPL']);
  });

  it('reports each episode once, and again after data came back and stopped again', () => {
    const m = monitor();
    m.check(T0);
    expect(m.check(T0 + SILENT_AFTER).map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(m.check(T0 + 2 * SILENT_AFTER)).toEqual([]);
    m.accepted('AAPL', T0 + 100_000);
    expect(m.silentSymbols()).toEqual(['MSFT']);
    expect(m.check(T0 + 100_000 + SILENT_AFTER)).toEqual([{ symbol: 'AAPL', sinceMs: T0 + 100_000 }]);
    expect(m.silentEpisodes()).toBe(3);
  });

  it('counts only time its market is open: never silent while closed, and the clock starts at the open', () => {
    const openAt = T0 + 60_000;
    const m = new SilenceMonitor(['AAPL'], SILENT_AFTER, (_, nowMs) => nowMs >= openAt);
    for (let t = T0; t < openAt; t += 10_000) expect(m.check(t)).toEqual([]);
    expect(m.check(openAt)).toEqual([]);
    expect(m.check(openAt + SILENT_AFTER - 1)).toEqual([]);
    expect(m.check(openAt + SILENT_AFTER)).toEqual([{ symbol: 'AAPL', sinceMs: openAt }]);
  });

  it('ends an episode when the market closes and starts a new one in the next session', () => {
    let closed = false;
    const m = monitor((symbol) => symbol === 'AAPL' && closed);
    m.accepted('MSFT', T0 + 10_000_000);
    m.check(T0);
    expect(m.check(T0 + SILENT_AFTER)).toHaveLength(1);
    closed = true;
    expect(m.check(T0 + 40_000)).toEqual([]);
    expect(m.silentSymbols()).toEqual([]);
    closed = false;
    expect(m.check(T0 + 50_000)).toEqual([]);
    expect(m.check(T0 + 50_000 + SILENT_AFTER)).toEqual([{ symbol: 'AAPL', sinceMs: T0 + 50_000 }]);
    expect(m.silentEpisodes()).toBe(2);
  });

  it('ignores a symbol it does not watch', () => {
    const m = monitor();
    m.accepted('TSLA', T0);
    m.check(T0);
    expect(m.check(T0 + SILENT_AFTER).map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
  });
});

describe('silence monitor properties', () => {
  it('never reports a symbol while its market is closed, nor twice in one episode, nor before the silence', () => {
    const step = fc.record({
      advanceMs: fc.integer({ min: 0, max: 20_000 }),
      accepted: fc.subarray(['AAPL', 'MSFT']),
      open: fc.record({ AAPL: fc.boolean(), MSFT: fc.boolean() }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let open: Record<string, boolean> = { AAPL: true, MSFT: true };
        const m = new SilenceMonitor(['AAPL', 'MSFT'], SILENT_AFTER, (symbol) => open[symbol] ?? false);
        const reported = new Set<string>();
        const lastSign = new Map<string, number>(); // accepted data or the first open check after a closure
        let t = T0;
        for (const s of steps) {
          t += s.advanceMs;
          open = s.open;
          for (const symbol of s.accepted) {
            m.accepted(symbol, t);
            reported.delete(symbol);
            lastSign.set(symbol, t);
          }
          for (const symbol of ['AAPL', 'MSFT']) {
            if (!open[symbol]) {
              reported.delete(symbol);
              lastSign.delete(symbol);
            } else if (!lastSign.has(symbol)) lastSign.set(symbol, t);
          }
          for (const silent of m.check(t)) {
            expect(open[silent.symbol]).toBe(true);
            expect(reported.has(silent.symbol)).toBe(false);
            expect(t - (lastSign.get(silent.symbol) ?? t)).toBeGreaterThanOrEqual(SILENT_AFTER);
            reported.add(silent.symbol);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
