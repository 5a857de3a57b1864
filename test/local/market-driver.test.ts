// The local market driver: a flash crash's bad quotes must each be refused for the reason its kind stands for,
// whatever the price, or the scenario would prove a different rejection than it claims.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketDriver, type DrivenServer } from '../../local/market-driver';
import { SimulatedMarket } from '../../local/market';
import type { PublishedQuote } from '../../local/websocket-market-server';
import { DEFAULT_FEED_CONFIG } from '../../shared/feed/feed-config';
import { TickValidator } from '../../shared/market/tick-validator';

class CollectingServer implements DrivenServer {
  readonly published: PublishedQuote[][] = [];
  publishQuotes(quotes: readonly PublishedQuote[]): void {
    this.published.push([...quotes]);
  }
  goSilent(): void {}
  drop(): void {}
}

const STEP_MS = 200;

/** Drives `steps` steps with bad ticks throughout and judges everything the primary received, in order. */
const drive = (seed: number, start: string, steps: number) => {
  const market = new SimulatedMarket({ seed, symbols: [{ symbol: 'AAPL', start }] });
  const primary = new CollectingServer();
  const t0 = Date.parse('2026-12-03T15:00:00Z');
  const driver = new MarketDriver({ market, primary, faults: { badTicks: { symbol: 'AAPL', fromMs: t0, toMs: t0 + steps * STEP_MS } } });
  const validator = new TickValidator(DEFAULT_FEED_CONFIG.validation, ['AAPL']);
  for (let i = 0; i < steps; i++) {
    const nowMs = t0 + i * STEP_MS;
    driver.step(nowMs);
    for (const quote of primary.published.at(-1) ?? []) {
      validator.judge({ kind: 'quote', source: 'alpaca-iex', ...quote, at: quote.at ?? new Date(nowMs).toISOString(), receivedAtMs: nowMs }, nowMs);
    }
  }
  return { badTicks: driver.stats.badTicks, counts: validator.counts() };
};

describe('the market driver', () => {
  it('refuses each kind of bad quote for its own reason, at any price on the grid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 200, max: 100_000 }), (seed, cents) => {
        const { badTicks, counts } = drive(seed, (cents / 100).toFixed(2), 24);
        expect(badTicks).toEqual({ 'zero-bid': 2, crossed: 2, spike: 2, stale: 2 });
        // A spike is held until the next good quote contradicts it; the spike goes first in each turn, so a later
        // quote always reaches it.
        expect(counts.rejected.PRICE_JUMP).toBe(badTicks.spike);
        expect(counts.held).toBe(0);
        expect(counts.rejected.PRICE_INVALID).toBe(badTicks['zero-bid']);
        expect(counts.rejected.QUOTE_CROSSED).toBe(badTicks.crossed);
        expect(counts.rejected.TIMESTAMP_TOO_OLD).toBe(badTicks.stale);
        expect(counts.rejected.QUOTE_LOCKED).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the bad-tick turn', () => {
  it('sends the spike first, so a window with a single bad tick still sees it refused', () => {
    const { badTicks, counts } = drive(7, '100.00', 4);
    expect(badTicks).toEqual({ spike: 1 });
    expect(counts.rejected.PRICE_JUMP).toBe(1);
    expect(counts.held).toBe(0);
  });
});
