import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFill, flatPosition, type LedgerFill, type Position } from '../../../shared/ledger/position';
import { valueLedger, valuePosition } from '../../../shared/ledger/valuation';
import { dec, toDecimalString } from '../../../shared/money/decimal';

const AT = '2026-03-10T15:00:00.000Z';
const mark = (price: string) => ({ price, at: AT });

const afterFills = (symbol: string, fills: readonly LedgerFill[]): { position: Position; cash: string } => {
  let position = flatPosition(symbol);
  let cash = dec(0);
  for (const fill of fills) {
    const effect = applyFill(position, fill);
    position = effect.position;
    cash = cash.plus(dec(effect.cashDelta));
  }
  return { position, cash: toDecimalString(cash) };
};

// Prices with up to four decimals and quantities with up to three, so products and quotients are non-trivial.
const priceArb = fc.integer({ min: 1, max: 10_000_000 }).map((c) => toDecimalString(dec(c).div(10_000)));
const quantityArb = fc.integer({ min: 1, max: 100_000 }).map((q) => toDecimalString(dec(q).div(1000)));
const fillArb: fc.Arbitrary<LedgerFill> = fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), quantity: quantityArb, price: priceArb });

describe('position valuation', () => {
  it('values a long at its mark: market value, average price and unrealized gain', () => {
    const { position } = afterFills('AAPL', [
      { side: 'buy', quantity: '10', price: '100' },
      { side: 'buy', quantity: '5', price: '106' },
    ]);
    expect(valuePosition(position, mark('110.50'))).toEqual({
      symbol: 'AAPL',
      quantity: '15',
      costBasis: '1530',
      averagePrice: '102',
      mark: '110.5',
      markAt: AT,
      marketValue: '1657.5',
      unrealizedPnl: '127.5',
      realizedPnl: '0',
    });
  });

  it('values a short as negative market value that gains when the mark falls', () => {
    const { position } = afterFills('MSFT', [{ side: 'sell', quantity: '4', price: '300' }]);
    expect(valuePosition(position, mark('280'))).toMatchObject({
      quantity: '-4',
      costBasis: '-1200',
      averagePrice: '300',
      marketValue: '-1120',
      unrealizedPnl: '80',
    });
  });

  it('rounds an average price that does not divide evenly to the ledger scale, half-even', () => {
    const { position } = afterFills('X', [
      { side: 'buy', quantity: '1', price: '1' },
      { side: 'buy', quantity: '2', price: '1' },
      { side: 'buy', quantity: '3', price: '2' },
    ]);
    // 9 / 6 = 1.5 exactly; 1 / 3 needs rounding.
    expect(valuePosition(position, mark('1')).averagePrice).toBe('1.5');
    const third = afterFills('Y', [{ side: 'buy', quantity: '3', price: '1' }, { side: 'sell', quantity: '1', price: '1' }, { side: 'buy', quantity: '1', price: '2' }]).position;
    expect(valuePosition(third, mark('1')).averagePrice).toBe('1.333333333333');
  });

  it('gives a flat position after a round trip zero value and zero unrealized P&L, keeping the realized P&L', () => {
    const { position } = afterFills('NVDA', [
      { side: 'buy', quantity: '3', price: '100' },
      { side: 'sell', quantity: '3', price: '120' },
    ]);
    expect(valuePosition(position, mark('150'))).toMatchObject({ quantity: '0', averagePrice: null, marketValue: '0', unrealizedPnl: '0', realizedPnl: '60' });
    expect(valuePosition(position, undefined)).toMatchObject({ averagePrice: null, mark: null, marketValue: '0', unrealizedPnl: '0', realizedPnl: '60' });
  });

  it('never values an open position without a mark at zero: value and unrealized P&L are null', () => {
    const { position } = afterFills('TSLA', [{ side: 'buy', quantity: '2', price: '200' }]);
    expect(valuePosition(position, undefined)).toMatchObject({ averagePrice: '200', mark: null, markAt: null, marketValue: null, unrealizedPnl: null, realizedPnl: '0' });
  });

  it('refuses a non-positive mark price', () => {
    const { position } = afterFills('TSLA', [{ side: 'buy', quantity: '2', price: '200' }]);
    expect(() => valuePosition(position, mark('0'))).toThrow(/mark price must be positive/);
    expect(() => valuePosition(position, mark('-1'))).toThrow(/mark price must be positive/);
  });

  it('keeps realized + unrealized P&L equal to the cash moved plus quantity x mark, exactly, for any fills and mark (the P&L identity)', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 40 }), priceArb, (fills, price) => {
        const { position, cash } = afterFills('SYM', fills);
        const valued = valuePosition(position, mark(price));
        const pnl = dec(valued.realizedPnl).plus(dec(valued.unrealizedPnl ?? 'NaN'));
        expect(toDecimalString(pnl)).toBe(toDecimalString(dec(cash).plus(dec(position.quantity).times(dec(price)))));
      }),
      { numRuns: 300 },
    );
  });

  it('shows no unrealized P&L when the mark equals the average price of a position opened by one fill', () => {
    fc.assert(
      fc.property(fillArb, (fill) => {
        const { position } = afterFills('SYM', [fill]);
        const average = valuePosition(position, undefined).averagePrice;
        expect(average).toBe(toDecimalString(dec(fill.price)));
        expect(valuePosition(position, mark(average ?? '')).unrealizedPnl).toBe('0');
      }),
      { numRuns: 300 },
    );
  });
});

describe('ledger valuation', () => {
  const long = afterFills('AAPL', [{ side: 'buy', quantity: '10', price: '100' }]).position;
  const short = afterFills('MSFT', [{ side: 'sell', quantity: '5', price: '200' }]).position;
  const closed = afterFills('NVDA', [
    { side: 'buy', quantity: '2', price: '50' },
    { side: 'sell', quantity: '2', price: '45' },
  ]).position;

  it('totals realized and unrealized P&L, market value and gross and net exposure across long, short and flat positions', () => {
    const valuation = valueLedger([long, short, closed], { AAPL: mark('105'), MSFT: mark('190') });
    expect(valuation.totals).toEqual({
      realizedPnl: '-10',
      // AAPL +50, MSFT +50, NVDA flat.
      unrealizedPnl: '100',
      marketValue: '100',
      grossExposure: '2000',
      netExposure: '100',
    });
    expect(valuation.unpriced).toEqual([]);
    expect(valuation.positions.map((p) => p.symbol)).toEqual(['AAPL', 'MSFT', 'NVDA']);
  });

  it('lists open positions without a mark as unpriced and leaves the totals that need them null', () => {
    const valuation = valueLedger([long, short, closed], { AAPL: mark('105') });
    expect(valuation.unpriced).toEqual(['MSFT']);
    expect(valuation.totals).toEqual({ realizedPnl: '-10', unrealizedPnl: null, marketValue: null, grossExposure: null, netExposure: null });
    expect(valuation.positions[0]).toMatchObject({ symbol: 'AAPL', unrealizedPnl: '50' });
  });

  it('does not count a flat position without a mark as unpriced', () => {
    const valuation = valueLedger([closed], {});
    expect(valuation.unpriced).toEqual([]);
    expect(valuation.totals).toMatchObject({ realizedPnl: '-10', unrealizedPnl: '0', marketValue: '0', grossExposure: '0' });
  });

  it('ignores marks inherited from the object prototype', () => {
    const odd = afterFills('constructor', [{ side: 'buy', quantity: '1', price: '1' }]).position;
    expect(valueLedger([odd], {}).unpriced).toEqual(['constructor']);
  });
});
