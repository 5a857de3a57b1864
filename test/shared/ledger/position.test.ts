import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFill, flatPosition, type LedgerFill } from '../../../shared/ledger/position';
import { dec, toDecimalString } from '../../../shared/money/decimal';

const fillArb: fc.Arbitrary<LedgerFill> = fc.record({
  side: fc.constantFrom('buy' as const, 'sell' as const),
  quantity: fc.integer({ min: 1, max: 10_000 }).map((q) => (q % 7 === 0 ? `${q}.5` : String(q))),
  price: fc.integer({ min: 1, max: 1_000_000 }).map((c) => toDecimalString(dec(c).div(100))),
});

describe('position ledger', () => {
  it('opens a long position at the fill price and debits cash exactly', () => {
    const { position, cashDelta } = applyFill(flatPosition('AAPL'), { side: 'buy', quantity: '10', price: '190.10' });
    expect(position).toMatchObject({ quantity: '10', costBasis: '1901', realizedPnl: '0', version: 1 });
    expect(cashDelta).toBe('-1901');
  });

  it('realizes profit on a partial close of a long and keeps the rest at its entry cost', () => {
    const long = applyFill(flatPosition('AAPL'), { side: 'buy', quantity: '10', price: '100' }).position;
    const { position, cashDelta } = applyFill(long, { side: 'sell', quantity: '4', price: '110' });
    expect(position).toMatchObject({ quantity: '6', costBasis: '600', realizedPnl: '40' });
    expect(cashDelta).toBe('440');
  });

  it('realizes profit when a short is bought back lower', () => {
    const short = applyFill(flatPosition('MSFT'), { side: 'sell', quantity: '10', price: '100' }).position;
    const { position } = applyFill(short, { side: 'buy', quantity: '10', price: '90' });
    expect(position).toMatchObject({ quantity: '0', costBasis: '0', realizedPnl: '100' });
  });

  it('flips from long to short in one fill, realizing only the closed part', () => {
    const long = applyFill(flatPosition('NVDA'), { side: 'buy', quantity: '5', price: '100' }).position;
    const { position } = applyFill(long, { side: 'sell', quantity: '8', price: '120' });
    expect(position).toMatchObject({ quantity: '-3', costBasis: '-360', realizedPnl: '100' });
  });

  it('adds 0.1 and 0.2 to exactly 0.3 (no binary floating point)', () => {
    const a = applyFill(flatPosition('X'), { side: 'buy', quantity: '0.1', price: '1' }).position;
    const b = applyFill(a, { side: 'buy', quantity: '0.2', price: '1' }).position;
    expect(b.quantity).toBe('0.3');
    expect(b.costBasis).toBe('0.3');
  });

  it('refuses a fill with a non-positive quantity or price', () => {
    expect(() => applyFill(flatPosition('X'), { side: 'buy', quantity: '0', price: '1' })).toThrow(/quantity/);
    expect(() => applyFill(flatPosition('X'), { side: 'buy', quantity: '1', price: '-1' })).toThrow(/price/);
  });

  it('keeps quantity equal to the signed sum of fills and conserves value: cash + realized + cost basis balance', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 60 }), (fills) => {
        let position = flatPosition('SYM');
        let cash = dec(0);
        let signedSum = dec(0);
        for (const fill of fills) {
          const effect = applyFill(position, fill);
          position = effect.position;
          cash = cash.plus(dec(effect.cashDelta));
          signedSum = signedSum.plus(fill.side === 'buy' ? dec(fill.quantity) : dec(fill.quantity).neg());
        }
        expect(position.quantity).toBe(toDecimalString(signedSum));
        expect(position.version).toBe(fills.length);
        // Every unit of cash spent is either still in the position's cost or has been realized.
        expect(toDecimalString(cash.plus(dec(position.costBasis)).minus(dec(position.realizedPnl)))).toBe('0');
        if (dec(position.quantity).isZero()) expect(position.costBasis).toBe('0');
      }),
      { numRuns: 300 },
    );
  });
});
