// Valuation of ledger positions at marks: average price, market value and unrealized P&L. Pure and exact
// (decimal strings in and out). Invariants: an open position without a mark is never valued (its value and
// P&L are null, never zero) and makes the account totals null; a flat position has no unrealized P&L; for
// every position realized + unrealized = cash paid and received for it + quantity x mark.
import { Decimal, LEDGER_SCALE, ZERO, dec, toDecimalString } from '../money/decimal';
import type { Position } from './position';

export interface PositionMark {
  price: string;
  at: string;
}

export interface PositionValuation {
  symbol: string;
  quantity: string;
  costBasis: string;
  /** costBasis / quantity, rounded to LEDGER_SCALE places half-even; null when flat. */
  averagePrice: string | null;
  mark: string | null;
  /** When the mark was taken, so a reader can judge its age; null without a mark. */
  markAt: string | null;
  /** quantity x mark: negative for a short; null for an open position without a mark. */
  marketValue: string | null;
  /** quantity x mark - costBasis; null for an open position without a mark. */
  unrealizedPnl: string | null;
  realizedPnl: string;
}

export interface LedgerTotals {
  realizedPnl: string;
  /** The totals below are null when any open position lacks a mark: a partial sum would understate risk. */
  unrealizedPnl: string | null;
  /** Signed sum of market values (shorts count negative); the same number as netExposure. */
  marketValue: string | null;
  /** Sum of absolute market values. */
  grossExposure: string | null;
  netExposure: string | null;
}

export interface LedgerValuation {
  positions: PositionValuation[];
  totals: LedgerTotals;
  /** Symbols of open positions without a mark, in the order given. */
  unpriced: string[];
}

export const valuePosition = (position: Position, mark: PositionMark | undefined): PositionValuation => {
  const quantity = dec(position.quantity);
  const costBasis = dec(position.costBasis);
  const price = mark ? dec(mark.price) : undefined;
  // A non-positive mark is a bad feed value, not a price: valuing with it would be silently wrong.
  if (price && !price.gt(0)) throw new RangeError(`mark price must be positive, got ${mark?.price} for ${position.symbol}`);
  const flat = quantity.isZero();
  // Flat means nothing is held, so value and unrealized P&L are exactly zero whatever the mark.
  const marketValue = flat ? ZERO : price ? quantity.times(price) : undefined;
  return {
    symbol: position.symbol,
    quantity: position.quantity,
    costBasis: position.costBasis,
    averagePrice: flat ? null : toDecimalString(costBasis.div(quantity).toDecimalPlaces(LEDGER_SCALE, Decimal.ROUND_HALF_EVEN)),
    mark: mark ? toDecimalString(dec(mark.price)) : null,
    markAt: mark ? mark.at : null,
    marketValue: marketValue ? toDecimalString(marketValue) : null,
    unrealizedPnl: marketValue ? toDecimalString(marketValue.minus(flat ? ZERO : costBasis)) : null,
    realizedPnl: position.realizedPnl,
  };
};

export const valueLedger = (positions: readonly Position[], marks: Readonly<Record<string, PositionMark>>): LedgerValuation => {
  const valued = positions.map((position) => valuePosition(position, Object.hasOwn(marks, position.symbol) ? marks[position.symbol] : undefined));
  const unpriced = valued.filter((v) => v.marketValue === null).map((v) => v.symbol);
  let realized = ZERO;
  let unrealized = ZERO;
  let net = ZERO;
  let gross = ZERO;
  for (const v of valued) {
    realized = realized.plus(dec(v.realizedPnl));
    if (v.marketValue === null || v.unrealizedPnl === null) continue;
    unrealized = unrealized.plus(dec(v.unrealizedPnl));
    net = net.plus(dec(v.marketValue));
    gross = gross.plus(dec(v.marketValue).abs());
  }
  const priced = unpriced.length === 0;
  return {
    positions: valued,
    totals: {
      realizedPnl: toDecimalString(realized),
      unrealizedPnl: priced ? toDecimalString(unrealized) : null,
      marketValue: priced ? toDecimalString(net) : null,
      grossExposure: priced ? toDecimalString(gross) : null,
      netExposure: priced ? toDecimalString(net) : null,
    },
    unpriced,
  };
};
