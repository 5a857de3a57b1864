// The position ledger: applies a fill to a position exactly, with cost basis and realized P&L. Pure.
// Invariants: quantity is the signed sum of fills; cost basis is conserved (what a close removes is what it
// realizes against); cash moves by exactly -signed quantity x price.
import { Decimal, LEDGER_SCALE, ZERO, dec, toDecimalString } from '../money/decimal';

export interface Position {
  symbol: string;
  /** Signed quantity; negative is short. */
  quantity: string;
  /** Signed cost of the open quantity (quantity x average entry price). */
  costBasis: string;
  realizedPnl: string;
  /** Optimistic-concurrency version; 0 for a position never stored. */
  version: number;
}

export interface LedgerFill {
  side: 'buy' | 'sell';
  quantity: string;
  price: string;
}

export const flatPosition = (symbol: string): Position => ({
  symbol,
  quantity: '0',
  costBasis: '0',
  realizedPnl: '0',
  version: 0,
});

export interface FillEffect {
  position: Position;
  cashDelta: string;
}

export const applyFill = (position: Position, fill: LedgerFill): FillEffect => {
  const qty = dec(fill.quantity);
  const price = dec(fill.price);
  if (!qty.gt(0)) throw new RangeError(`fill quantity must be positive, got ${fill.quantity}`);
  if (!price.gt(0)) throw new RangeError(`fill price must be positive, got ${fill.price}`);
  const signed = fill.side === 'buy' ? qty : qty.neg();
  const held = dec(position.quantity);
  const cost = dec(position.costBasis);
  let realized = dec(position.realizedPnl);
  let newCost: Decimal;

  const sameDirection = held.isZero() || held.isNegative() === signed.isNegative();
  if (sameDirection) {
    newCost = cost.plus(signed.times(price));
  } else {
    const closing = Decimal.min(held.abs(), qty);
    // Cost leaving the position: all of it on a full close, a proportional share otherwise.
    const removed = closing.eq(held.abs())
      ? cost
      : cost.times(closing).div(held.abs()).toDecimalPlaces(LEDGER_SCALE, Decimal.ROUND_HALF_EVEN);
    // Closing a long sells at price (proceeds - cost); closing a short buys back (cost - outlay).
    const proceeds = closing.times(price).times(held.isNegative() ? -1 : 1);
    realized = realized.plus(proceeds.minus(removed));
    const remainingCost = cost.minus(removed);
    const opening = qty.minus(closing);
    newCost = remainingCost.plus(opening.times(price).times(fill.side === 'buy' ? 1 : -1));
  }

  const newQty = held.plus(signed);
  return {
    position: {
      symbol: position.symbol,
      quantity: toDecimalString(newQty),
      costBasis: toDecimalString(newQty.isZero() ? ZERO : newCost),
      realizedPnl: toDecimalString(realized),
      version: position.version + 1,
    },
    cashDelta: toDecimalString(signed.times(price).neg()),
  };
};
