// Properties of the validator over random message streams, checked against decimal.js as an independent
// reference: nothing unsound is ever accepted, every message is counted once, and no unconfirmed jump passes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../shared/money/decimal';
import type { MarketMessage } from '../../../shared/market/market-message';
import { TICK_REJECTIONS } from '../../../shared/market/tick-rejections';
import { TickValidator, type AcceptedTick } from '../../../shared/market/tick-validator';
import { iso, LIMITS, T0 } from './market-fixtures';

const SYMBOLS = ['AAPL', 'MSFT'];
const DECIMAL = /^-?(0|[1-9]\d{0,17})(\.\d{1,12})?$/;
const BAD_TEXT = fc.constantFrom('0', '0.00', '-1', '-100.5', 'abc', '', '1e2', 'NaN');

/** Cents as decimal text: 10050 → "100.50". */
const cents = (n: number): string => `${n < 0 ? '-' : ''}${Math.floor(Math.abs(n) / 100)}.${String(Math.abs(n) % 100).padStart(2, '0')}`;

/** Mostly sound prices around 100, moving by up to a fifth, with bad text mixed in. */
const priceCents = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 8_000, max: 12_500 }) }, { weight: 1, arbitrary: fc.integer({ min: -50, max: 50 }) });
const sizeText = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('1', '100', '0.5') }, { weight: 1, arbitrary: BAD_TEXT });

const envelope = fc.record({
  source: fc.constantFrom('primary', 'backup'),
  symbol: fc.constantFrom(...SYMBOLS, 'TSLA'),
  /** Exchange time relative to the arrival, reaching past both the skew and the age limits. */
  skewMs: fc.integer({ min: -(LIMITS.maxAgeMs + 500), max: LIMITS.maxFutureSkewMs + 500 }),
  gapMs: fc.integer({ min: 0, max: 3_000 }),
});

type Step = { message: MarketMessage; nowMs: number; gapMs: number };

const quoteStep = fc
  .tuple(envelope, priceCents, fc.integer({ min: -3, max: 400 }), sizeText, sizeText, fc.option(BAD_TEXT, { nil: undefined }))
  .map(([e, bid, spread, bidSize, askSize, bad]) => ({ e, m: { kind: 'quote' as const, bidPrice: bad ?? cents(bid), askPrice: cents(bid + spread), bidSize, askSize } }));
const tradeStep = fc
  .tuple(envelope, priceCents, sizeText)
  .map(([e, price, size]) => ({ e, m: { kind: 'trade' as const, price: cents(price), size } }));

/** A stream of messages with arrival times moving forward. */
const stream = fc.array(fc.oneof(quoteStep, tradeStep), { minLength: 1, maxLength: 80 }).map((raw) => {
  let nowMs = T0;
  return raw.map(({ e, m }): Step => {
    nowMs += e.gapMs;
    const message = { ...m, source: e.source, symbol: e.symbol, at: iso(nowMs + e.skewMs), receivedAtMs: nowMs } as MarketMessage;
    return { message, nowMs, gapMs: e.gapMs };
  });
});

const positive = (text: string): boolean => DECIMAL.test(text) && new Decimal(text).gt(0);
const fraction = new Decimal(LIMITS.maxJumpFraction);
const priceOf = (m: MarketMessage): Decimal => (m.kind === 'trade' ? new Decimal(m.price) : new Decimal(m.bidPrice).plus(m.askPrice).div(2));
const isJump = (price: Decimal, reference: Decimal): boolean => price.minus(reference).abs().gt(fraction.times(reference));

/** Runs the stream; every accepted tick in order (a released one just before its confirmation), flagged. */
const run = (steps: readonly Step[]) => {
  const v = new TickValidator(LIMITS, SYMBOLS);
  const accepted: (AcceptedTick & { released: boolean })[] = [];
  let verdicts = 0;
  for (const { message, nowMs } of steps) {
    const verdict = v.judge(message, nowMs);
    verdicts++;
    if (verdict.outcome !== 'accepted') continue;
    if (verdict.released) accepted.push({ ...verdict.released, released: true });
    accepted.push({ message: verdict.message, price: verdict.price, atMs: verdict.atMs, released: false });
  }
  return { v, accepted, verdicts };
};

describe('tick validator properties', () => {
  it('never accepts a crossed, locked, too wide or non-positive quote, nor a trade without a positive price and size', () => {
    fc.assert(
      fc.property(stream, (steps) => {
        for (const { message: m } of run(steps).accepted) {
          expect(SYMBOLS).toContain(m.symbol);
          if (m.kind === 'trade') {
            expect(positive(m.price) && positive(m.size)).toBe(true);
            continue;
          }
          expect([m.bidPrice, m.askPrice, m.bidSize, m.askSize].every(positive)).toBe(true);
          const bid = new Decimal(m.bidPrice);
          const ask = new Decimal(m.askPrice);
          expect(bid.lt(ask)).toBe(true);
          expect(ask.minus(bid).times(10_000).lte(bid.plus(ask).div(2).times(LIMITS.maxSpreadBps))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('stands for the exact mid of a quote and the price of a trade', () => {
    fc.assert(
      fc.property(stream, (steps) => {
        for (const tick of run(steps).accepted) expect(new Decimal(`${tick.price.m}`).div(new Decimal(10).pow(tick.price.s)).eq(priceOf(tick.message))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('counts every message once: received = accepted + rejected + held', () => {
    fc.assert(
      fc.property(stream, (steps) => {
        const { v, accepted, verdicts } = run(steps);
        const counts = v.counts();
        const rejected = TICK_REJECTIONS.reduce((sum, r) => sum + counts.rejected[r], 0);
        expect(counts.received).toBe(verdicts);
        expect(counts.accepted).toBe(accepted.length);
        expect(counts.received).toBe(counts.accepted + rejected + counts.held);
        expect(counts.held).toBeLessThanOrEqual(SYMBOLS.length);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts no move beyond the jump fraction unless a next message near the new level confirmed it', () => {
    fc.assert(
      fc.property(stream, (steps) => {
        const { accepted } = run(steps);
        const last = new Map<string, Decimal>();
        accepted.forEach((tick, i) => {
          const price = priceOf(tick.message);
          const previous = last.get(tick.message.symbol);
          if (previous !== undefined && isJump(price, previous)) {
            const confirmation = accepted[i + 1];
            expect(tick.released).toBe(true);
            expect(confirmation?.message.symbol).toBe(tick.message.symbol);
            expect(isJump(priceOf(confirmation?.message ?? tick.message), price)).toBe(false);
          }
          last.set(tick.message.symbol, price);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts a message older than one already accepted from its source for its symbol', () => {
    fc.assert(
      fc.property(stream, (steps) => {
        const latest = new Map<string, number>();
        for (const tick of run(steps).accepted) {
          const key = `${tick.message.source}/${tick.message.symbol}`;
          if (!tick.released) expect(tick.atMs).toBeGreaterThanOrEqual(latest.get(key) ?? Number.NEGATIVE_INFINITY);
          latest.set(key, Math.max(tick.atMs, latest.get(key) ?? Number.NEGATIVE_INFINITY));
        }
      }),
      { numRuns: 200 },
    );
  });
});
