import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec, type Decimal } from '../../../shared/money/decimal';
import * as fx from '../../../shared/money/fixed';
import { evaluateIntent, type RiskInputs } from '../../../shared/risk/evaluate';
import { clearValuationMemo, valueAccount } from '../../../shared/risk/portfolio';
import { entry, order, riskInputs, XNYS_OPEN_TODAY } from '../../support/risk-inputs';
import type { BookEntry } from '../../../shared/ledger/account-book';

const MARKS: Record<string, string> = { AAPL: '100', MSFT: '300', SPY: '500' };
const SYMBOLS = Object.keys(MARKS);

/** What a valuation says, in comparable form (sectors whose gross is zero are left out). */
const summary = (v: ReturnType<typeof valueAccount>) => ({
  equity: fx.toDecimalString(v.equity),
  gross: fx.toDecimalString(v.gross),
  netHigh: fx.toDecimalString(v.netHigh),
  netLow: fx.toDecimalString(v.netLow),
  sectors: Object.fromEntries([...v.sectorGross].map(([k, g]) => [k, fx.toDecimalString(g.gross)]).filter(([, g]) => g !== '0')),
  unmarked: [...v.unmarked].sort(),
});

describe('risk engine properties', () => {
  it('no sequence of intents, fills and releases takes the account past its gross, net or leverage limit', () => {
    type Step = { kind: 'intent'; symbol: string; side: 'buy' | 'sell'; qty: number } | { kind: 'fill' | 'release'; index: number };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('intent' as const),
        symbol: fc.constantFrom(...SYMBOLS),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        qty: fc.integer({ min: 1, max: 150 }),
      }),
      fc.record({ kind: fc.constantFrom('fill' as const, 'release' as const), index: fc.nat() }),
    );
    const limits = {
      exposure: { maxGrossNotional: '60000', maxNetNotional: '35000', maxLeverage: '3', maxSymbolConcentration: '1', maxSectorConcentration: '1' },
    };
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        let cash = dec('20000');
        const book = new Map<string, { q: Decimal; buy: Decimal; sell: Decimal }>(SYMBOLS.map((s) => [s, { q: dec(0), buy: dec(0), sell: dec(0) }]));
        const open: { symbol: string; side: 'buy' | 'sell'; qty: number }[] = [];
        const snapshot = (): Record<string, BookEntry> =>
          Object.fromEntries([...book].map(([s, e]) => [s, entry(e.q.toFixed(), e.buy.toFixed(), e.sell.toFixed())]));
        for (const step of steps) {
          if (step.kind === 'intent') {
            const decision = evaluateIntent(
              riskInputs({ intent: order({ symbol: step.symbol, side: step.side, quantity: String(step.qty) }), book: { cash: cash.toFixed(), positions: snapshot() } }, limits),
            );
            if (decision.outcome === 'approved') {
              open.push({ symbol: step.symbol, side: step.side, qty: step.qty });
              const e = book.get(step.symbol);
              if (e && step.side === 'buy') e.buy = e.buy.plus(step.qty);
              else if (e) e.sell = e.sell.plus(step.qty);
            }
          } else if (open.length > 0) {
            const [o] = open.splice(step.index % open.length, 1);
            const e = o && book.get(o.symbol);
            if (!o || !e) continue;
            if (o.side === 'buy') e.buy = e.buy.minus(o.qty);
            else e.sell = e.sell.minus(o.qty);
            if (step.kind === 'fill') {
              const signed = o.side === 'buy' ? o.qty : -o.qty;
              e.q = e.q.plus(signed);
              cash = cash.minus(dec(signed).times(MARKS[o.symbol] ?? '0'));
            }
          }
          // Worst case: every open order fills. Fills happen at the mark, so equity stays 20,000.
          let gross = dec(0);
          let netHigh = dec(0);
          let netLow = dec(0);
          for (const [symbol, e] of book) {
            const m = dec(MARKS[symbol] ?? '0');
            const high = e.q.plus(e.buy).times(m);
            const low = e.q.minus(e.sell).times(m);
            gross = gross.plus(high.abs().gt(low.abs()) ? high.abs() : low.abs());
            netHigh = netHigh.plus(high);
            netLow = netLow.plus(low);
          }
          expect(gross.lte(60000)).toBe(true);
          expect(gross.lte(dec(3).times(20000))).toBe(true);
          expect(netHigh.lte(35000) && netLow.gte(-35000)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an exception anywhere in evaluation denies, never approves', () => {
    const boom = (): never => {
      throw new Error('corrupt state');
    };
    const throwing = <T extends object>(target: T): T => new Proxy(target, { get: boom });
    // Each corruption replaces one part of a valid snapshot with something that throws when read or parses badly.
    const corruptions: ((i: RiskInputs) => RiskInputs)[] = [
      (i) => ({ ...i, book: { ...i.book, cash: 'NaN' } }),
      (i) => ({ ...i, book: { cash: i.book.cash, positions: throwing({ AAPL: entry('1') }) } }),
      (i) => ({ ...i, book: { ...i.book, positions: { AAPL: entry('1e3') } } }),
      (i) => ({ ...i, marks: throwing(i.marks) }),
      (i) => ({ ...i, marks: { ...i.marks, AAPL: { price: '1,000', at: '2026-11-23T14:59:59.000Z' } } }),
      (i) => ({ ...i, reference: throwing(i.reference) }),
      (i) => ({ ...i, reference: { AAPL: { adv: 'lots', sector: 'TECHNOLOGY' } } }),
      (i) => ({ ...i, session: { sessionStartMs: XNYS_OPEN_TODAY, startEquity: 'x', peakEquity: 'y' } }),
      (i) => ({ ...i, throttle: throwing(i.throttle) }),
      (i) => ({ ...i, recentApprovals: throwing([]) }),
      (i) => ({ ...i, recentApprovals: [{ at: i.nowMs - 10, kind: 'order', symbol: 'AAPL', side: 'buy', quantity: '1', strategy: i.strategy, price: 'cheap' }] }),
      (i) => ({ ...i, intent: throwing(i.intent) }),
      (i) => ({ ...i, limitsOverride: throwing({}) }),
      (i) => ({ ...i, defaults: throwing(i.defaults) }),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corruptions.length - 1 }), fc.integer({ min: 1, max: 50 }), fc.boolean(), (which, qty, isBuy) => {
        const valid = riskInputs({ intent: order({ quantity: String(qty), side: isBuy ? 'buy' : 'sell', orderType: 'limit', limitPrice: '100' }) });
        expect(evaluateIntent(valid).outcome).toBe('approved');
        const corrupt = corruptions[which];
        if (!corrupt) throw new Error('no corruption');
        expect(evaluateIntent(corrupt(valid)).outcome).toBe('denied');
      }),
      { numRuns: 300 },
    );
  });

  it('a memoised valuation always equals a fresh one, whatever changed between decisions', () => {
    const bookArb = fc.dictionary(
      fc.constantFrom('AAPL', 'MSFT', 'SPY', 'NVDA'),
      fc.record({ quantity: fc.integer({ min: -500, max: 500 }), buy: fc.nat(50), sell: fc.nat(50) }),
    );
    const marksArb = fc.record({ AAPL: fc.integer({ min: 1, max: 30000 }), MSFT: fc.integer({ min: 1, max: 50000 }), SPY: fc.integer({ min: 1, max: 60000 }) });
    fc.assert(
      fc.property(fc.array(fc.tuple(bookArb, marksArb, fc.boolean()), { minLength: 1, maxLength: 12 }), (rounds) => {
        clearValuationMemo();
        let fresh = 0;
        for (const [positions, cents, techSpy] of rounds) {
          const book = {
            cash: '12345.67',
            positions: Object.fromEntries(Object.entries(positions).map(([s, p]) => [s, entry(String(p.quantity), String(p.buy), String(p.sell))])),
          };
          const marks = Object.fromEntries(Object.entries(cents).map(([s, c]) => [s, { price: (c / 100).toFixed(2), at: '2026-11-23T14:59:59.000Z' }]));
          const reference = { SPY: { sector: techSpy ? 'TECHNOLOGY' : 'INDEX' }, AAPL: { sector: 'TECHNOLOGY' } };
          const memoised = valueAccount('memo', book, marks, reference);
          const expected = summary(memoised);
          expect(expected).toEqual(summary(valueAccount(`fresh-${fresh++}`, book, marks, reference)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a valuation guided by item revisions always equals a fresh one, whichever writes a decision missed', () => {
    // Writes move one book symbol or a set of marks and bump that item's version, naming what they touched;
    // a decision reads the latest state after any number of writes, and sometimes the item is re-created.
    type Write = { kind: 'book'; symbol: string; quantity: number; buy: number } | { kind: 'marks'; cents: [string, number][] } | { kind: 'recreate' };
    const symbolArb = fc.constantFrom('AAPL', 'MSFT', 'SPY', 'NVDA');
    const writeArb: fc.Arbitrary<Write> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('book' as const), symbol: symbolArb, quantity: fc.integer({ min: -300, max: 300 }), buy: fc.nat(20) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('marks' as const), cents: fc.array(fc.tuple(symbolArb, fc.integer({ min: 1, max: 90000 })), { maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('recreate' as const) }) },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(writeArb, fc.boolean()), { minLength: 1, maxLength: 40 }), (steps) => {
        clearValuationMemo();
        const positions: Record<string, BookEntry> = {};
        const marks: Record<string, { price: string; at: string }> = { AAPL: { price: '100', at: '2026-11-23T14:59:59.000Z' } };
        let epoch = 0;
        let book = { epoch: 'b0', version: 1, changed: [] as string[] };
        let marksRevision = { epoch: 'm0', version: 1, changed: [] as string[] };
        const reference = { AAPL: { sector: 'TECHNOLOGY' } };
        let fresh = 0;
        for (const [write, decide] of steps) {
          if (write.kind === 'book') {
            positions[write.symbol] = entry(String(write.quantity), String(write.buy));
            book = { epoch: book.epoch, version: book.version + 1, changed: [write.symbol] };
          } else if (write.kind === 'marks') {
            for (const [symbol, cents] of write.cents) marks[symbol] = { price: (cents / 100).toFixed(2), at: '2026-11-23T14:59:59.000Z' };
            marksRevision = { epoch: marksRevision.epoch, version: marksRevision.version + 1, changed: write.cents.map(([symbol]) => symbol) };
          } else {
            // A re-created item starts again at version 1 with new content: only its epoch tells it apart.
            epoch++;
            for (const symbol of Object.keys(positions)) delete positions[symbol];
            book = { epoch: `b${epoch}`, version: 1, changed: [] };
            marksRevision = { epoch: `m${epoch}`, version: 1, changed: [] };
          }
          if (!decide) continue;
          // Fresh copies, as a new read produces.
          const read = { cash: '5000', positions: structuredClone(positions), revision: { ...book } };
          const memoised = summary(valueAccount('memo', read, structuredClone(marks), reference, { marks: { ...marksRevision } }));
          expect(memoised).toEqual(summary(valueAccount(`fresh-${fresh++}`, read, marks, reference)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a valuation that threw on a malformed value is not trusted by the next one', () => {
    clearValuationMemo();
    const marks = { AAPL: { price: '100', at: '2026-11-23T14:59:59.000Z' }, MSFT: { price: '200', at: '2026-11-23T14:59:59.000Z' } };
    const revision = (version: number, changed: string[]) => ({ epoch: 'b', version, changed });
    const good = { cash: '0', positions: { AAPL: entry('1'), MSFT: entry('1') }, revision: revision(1, []) };
    expect(fx.toDecimalString(valueAccount('memo', good, marks, {}).equity)).toBe('300');
    // AAPL is re-valued before MSFT's malformed quantity throws.
    const bad = { cash: '0', positions: { AAPL: entry('2'), MSFT: entry('x') }, revision: revision(2, ['AAPL', 'MSFT']) };
    expect(() => valueAccount('memo', bad, marks, {})).toThrow(RangeError);
    // A stale read of the earlier state must not be answered from the half-updated memo.
    expect(fx.toDecimalString(valueAccount('memo', good, marks, {}).equity)).toBe('300');
  });
});
