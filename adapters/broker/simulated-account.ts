// The simulated venue's own accounting: holdings, cash and exposure. Invariants: positions and cash are
// exactly the signed sums of the fills booked; exposure is valued at the venue's current prices, independent
// of the pipeline's table; the peak only ever rises.
import type { BrokerAccount, BrokerPosition } from '../../shared/broker/broker-order';
import { LEDGER_SCALE, ZERO, dec, toDecimalString, type Decimal } from '../../shared/money/decimal';

/** The account as plain JSON (decimals as exact strings): what survives a restart of the process (local --data-dir). */
export interface SimulatedAccountState {
  cash: string;
  peakGross: string;
  holdings: { symbol: string; quantity: string; avgEntryPrice: string }[];
}

interface Holding {
  quantity: Decimal;
  avgEntryPrice: Decimal;
}

/** What a live order still may add to its symbol's position. */
export interface OpenQuantity {
  symbol: string;
  side: 'buy' | 'sell';
  remaining: Decimal;
}

export class SimulatedAccount {
  private readonly holdings = new Map<string, Holding>();
  private cash: Decimal;
  private peakGross: Decimal = ZERO;

  /** `venue.priceOf` is the venue's current price; undefined means there is no market in the symbol now. */
  constructor(
    startingCash: Decimal,
    private readonly venue: { priceOf: (symbol: string) => string | undefined },
  ) {
    this.cash = startingCash;
  }

  /** Books one execution: cash moves by the exact notional, the position by the signed quantity. */
  bookFill(symbol: string, side: 'buy' | 'sell', quantity: Decimal, price: Decimal): void {
    const notional = quantity.times(price);
    this.cash = side === 'buy' ? this.cash.minus(notional) : this.cash.plus(notional);
    const held = this.holdings.get(symbol) ?? { quantity: ZERO, avgEntryPrice: ZERO };
    const signed = side === 'buy' ? quantity : quantity.neg();
    const next = held.quantity.plus(signed);
    let avgEntryPrice: Decimal;
    if (next.isZero()) avgEntryPrice = ZERO;
    else if (held.quantity.isZero() || held.quantity.isNeg() === signed.isNeg()) {
      // Opening or adding: the entry price is the quantity-weighted average.
      avgEntryPrice = held.quantity.abs().times(held.avgEntryPrice).plus(notional).div(next.abs());
    } else if (next.isNeg() === held.quantity.isNeg()) avgEntryPrice = held.avgEntryPrice; // reducing keeps the entry
    else avgEntryPrice = price; // crossed through flat: the remainder was opened at this price
    this.holdings.set(symbol, { quantity: next, avgEntryPrice });
  }

  /** Every symbol ever held (flat ones included), sorted. */
  heldSymbols(): string[] {
    return [...this.holdings.keys()].sort();
  }

  /** The signed position in a symbol (zero when never held). */
  quantityOf(symbol: string): Decimal {
    return this.holdings.get(symbol)?.quantity ?? ZERO;
  }

  /** The open positions, by symbol, flat ones left out. */
  positions(): BrokerPosition[] {
    return [...this.holdings.entries()]
      .filter(([, h]) => !h.quantity.isZero())
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, h]) => ({
        symbol,
        quantity: toDecimalString(h.quantity),
        avgEntryPrice: toDecimalString(h.avgEntryPrice.toDecimalPlaces(LEDGER_SCALE)),
      }));
  }

  /** Cash, and equity marked at the venue's current prices. */
  account(): BrokerAccount {
    let equity = this.cash;
    for (const [symbol, h] of this.holdings) {
      const price = this.venue.priceOf(symbol);
      // An unpriced position cannot be marked; leaving it out is what a venue without a quote would do.
      if (price !== undefined && !h.quantity.isZero()) equity = equity.plus(h.quantity.times(dec(price)));
    }
    const cash = toDecimalString(this.cash);
    return { cash, equity: toDecimalString(equity), buyingPower: cash, tradingBlocked: false };
  }

  /**
   * The account's worst-case gross exposure at the venue's current prices: per symbol, the larger of
   * |position + open buys| and |position − open sells|, times the price, summed.
   */
  grossExposure(openOrders: Iterable<OpenQuantity>): Decimal {
    const open = new Map<string, { buys: Decimal; sells: Decimal }>();
    for (const { symbol, side, remaining } of openOrders) {
      const entry = open.get(symbol) ?? { buys: ZERO, sells: ZERO };
      if (side === 'buy') entry.buys = entry.buys.plus(remaining);
      else entry.sells = entry.sells.plus(remaining);
      open.set(symbol, entry);
    }
    let gross = ZERO;
    for (const symbol of new Set([...this.holdings.keys(), ...open.keys()])) {
      const position = this.quantityOf(symbol);
      const { buys, sells } = open.get(symbol) ?? { buys: ZERO, sells: ZERO };
      const long = position.plus(buys).abs();
      const short = position.minus(sells).abs();
      const worst = long.gt(short) ? long : short;
      const price = this.venue.priceOf(symbol);
      if (price !== undefined) gross = gross.plus(worst.times(dec(price)));
    }
    return gross;
  }

  /** Records the exposure after an order arrived (only a new order can raise the worst case). */
  noteExposure(openOrders: Iterable<OpenQuantity>): void {
    const gross = this.grossExposure(openOrders);
    if (gross.gt(this.peakGross)) this.peakGross = gross;
  }

  peakGrossExposure(): Decimal {
    return this.peakGross;
  }

  snapshot(): SimulatedAccountState {
    return {
      cash: this.cash.toFixed(),
      peakGross: this.peakGross.toFixed(),
      holdings: [...this.holdings.entries()].map(([symbol, h]) => ({ symbol, quantity: h.quantity.toFixed(), avgEntryPrice: h.avgEntryPrice.toFixed() })),
    };
  }

  /** Replaces the account with a snapshot (the starting cash given to the constructor is then irrelevant). */
  restore(state: SimulatedAccountState): void {
    this.cash = dec(state.cash);
    this.peakGross = dec(state.peakGross);
    this.holdings.clear();
    for (const h of state.holdings) this.holdings.set(h.symbol, { quantity: dec(h.quantity), avgEntryPrice: dec(h.avgEntryPrice) });
  }
}
