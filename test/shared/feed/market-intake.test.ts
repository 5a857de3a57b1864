import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEED_CONFIG } from '../../../shared/feed/feed-config';
import { MarketIntake } from '../../../shared/feed/market-intake';
import type { MarketMessage, TradeMessage } from '../../../shared/market/market-message';
import { toDecimalString } from '../../../shared/money/fixed';
import { iso, LIMITS, T0, trade } from '../market/market-fixtures';

const CONFIG = { ...DEFAULT_FEED_CONFIG, validation: LIMITS };
const { silenceMs } = CONFIG.failover;
const INTERVAL = CONFIG.conflation.markIntervalMs;

/** An intake of AAPL and MSFT on primary and backup, both live from T0, every market open unless told. */
const intake = (isOpen: (symbol: string, nowMs: number) => boolean = () => true) => {
  const i = new MarketIntake({ symbols: ['AAPL', 'MSFT'], sources: ['primary', 'backup'], config: CONFIG, isOpen, nowMs: T0 });
  i.sourceStatus('primary', { kind: 'live', atMs: T0 });
  i.sourceStatus('backup', { kind: 'live', atMs: T0 });
  return i;
};

/** A trade of `source` with its exchange time at `atMs`. */
const at = (source: string, price: string, atMs: number, over: Partial<TradeMessage> = {}) => trade(price, { source, at: iso(atMs), receivedAtMs: atMs, ...over });

const prices = (ticks: readonly { message: MarketMessage }[]) => ticks.map((t) => `${t.message.source}:${t.message.kind === 'trade' ? t.message.price : ''}`);

describe('market intake', () => {
  it('delivers and marks only the active source, and marks no symbol without data', () => {
    const i = intake();
    const batch = i.receive([at('primary', '100', T0), at('backup', '100.5', T0)], T0);
    expect(prices(batch.delivered)).toEqual(['primary:100']);
    expect(i.tick(T0).marks).toEqual([{ symbol: 'AAPL', price: '100', at: iso(T0), source: 'primary' }]);
    expect(i.counters().messages).toMatchObject({ received: 2, accepted: 2 });
  });

  it('lets the other source confirm a jump of the active one', () => {
    const i = intake();
    i.receive([at('primary', '100', T0)], T0);
    const held = i.receive([at('primary', '120', T0 + 10)], T0 + 10);
    expect(held.delivered).toEqual([]);
    const confirmed = i.receive([at('backup', '121', T0 + 20)], T0 + 20);
    expect(prices(confirmed.delivered)).toEqual(['primary:120']);
    expect(i.tick(T0 + 20).marks).toEqual([{ symbol: 'AAPL', price: '120', at: iso(T0 + 10), source: 'primary' }]);
  });

  it('fails over to the backup, marks from it, and writes no marks while no source is healthy', () => {
    const i = intake();
    i.receive([at('primary', '100', T0), at('backup', '100', T0)], T0);
    i.tick(T0);
    const t1 = T0 + silenceMs - 1;
    i.receive([at('backup', '101', t1)], t1);
    expect(i.tick(t1).marks).toEqual([]); // the primary has not failed yet; the backup's data is not used
    const t2 = T0 + silenceMs;
    const failed = i.tick(t2);
    expect(failed.switch).toEqual({ from: 'primary', to: 'backup', reason: 'SOURCE_SILENT', atMs: t2 });
    const batch = i.receive([at('backup', '102', t2)], t2);
    expect(prices(batch.delivered)).toEqual(['backup:102']);
    expect(i.tick(t2 + INTERVAL).marks).toEqual([{ symbol: 'AAPL', price: '102', at: iso(t2), source: 'backup' }]);

    const t3 = t2 + silenceMs;
    i.receive([at('backup', '103', t3 - 1)], t3 - 1); // accepted, conflated, but then the backup drops
    i.sourceStatus('backup', { kind: 'disconnected', atMs: t3 - 1 });
    const none = i.tick(t3 - 1 + silenceMs);
    expect(none.switch).toMatchObject({ from: 'backup', to: undefined });
    expect(none.marks).toEqual([]);
    expect(i.activeSource).toBeUndefined();
    expect(i.counters().failover).toMatchObject({ switches: 2, toNone: 1 });
  });

  it('reports sequence gaps with their size while still judging the message', () => {
    const i = intake();
    const batch = i.receive([at('primary', '100', T0, { sequence: 7 }), at('primary', '100', T0, { sequence: 10 })], T0);
    expect(batch.gaps).toEqual([{ source: 'primary', symbol: 'AAPL', sequence: 10, missing: 2 }]);
    expect(batch.delivered).toHaveLength(2);
    expect(i.counters().sequence).toEqual({ gaps: 1, missing: 2 });
  });

  it('reports a symbol silent when the active source stops sending it while its market is open', () => {
    const i = intake((symbol) => symbol === 'AAPL');
    i.tick(T0);
    for (let t = T0; t <= T0 + LIMITS.silentAfterMs; t += 1_000) i.receive([at('primary', '100', t, { symbol: 'MSFT' }), at('backup', '100', t)], t);
    expect(i.tick(T0 + LIMITS.silentAfterMs).silent).toEqual([{ symbol: 'AAPL', sinceMs: T0 }]);
    expect(i.counters().silentEpisodes).toBe(1);
  });

  it('expires a held jump nobody confirmed when time passes', () => {
    const i = intake();
    i.receive([at('primary', '100', T0), at('primary', '150', T0)], T0);
    i.tick(T0 + LIMITS.maxAgeMs + 1);
    expect(i.counters().messages).toMatchObject({ quarantined: 1, held: 0, rejected: expect.objectContaining({ PRICE_JUMP: 1 }) });
  });

  it('marks only prices the active source delivered, and none without an active source', () => {
    const step = fc.record({
      source: fc.constantFrom('primary', 'backup'),
      symbol: fc.constantFrom('AAPL', 'MSFT'),
      cents: fc.integer({ min: 9_000, max: 12_000 }),
      advanceMs: fc.integer({ min: 0, max: 3_000 }),
      status: fc.option(fc.constantFrom('live' as const, 'disconnected' as const), { freq: 10, nil: undefined }),
      tick: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        const i = intake();
        const delivered = new Set<string>();
        let t = T0;
        for (const s of steps) {
          t += s.advanceMs;
          if (s.status) i.sourceStatus(s.source, { kind: s.status, atMs: t });
          const price = `${Math.floor(s.cents / 100)}.${String(s.cents % 100).padStart(2, '0')}`;
          for (const tick of i.receive([at(s.source, price, t, { symbol: s.symbol })], t).delivered) {
            expect(tick.message.source).toBe(i.activeSource);
            delivered.add(`${tick.message.symbol}|${toDecimalString(tick.price)}|${tick.atMs}|${tick.message.source}`);
          }
          if (!s.tick) continue;
          const { marks } = i.tick(t);
          if (i.activeSource === undefined) expect(marks).toEqual([]);
          for (const mark of marks) expect(delivered.has(`${mark.symbol}|${mark.price}|${Date.parse(mark.at)}|${mark.source}`)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
