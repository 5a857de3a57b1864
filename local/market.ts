// The simulated market: a seeded random walk over several symbols on a tick grid, quoted one tick either side
// of the price (so a quote's mid is the price), with an optional flash crash of one symbol. Prices are exact
// decimal strings, always at least two ticks; the same seed replays the same path.
import SECTORS_DOCUMENT from '../reference/sectors.json' with { type: 'json' };
import { readSectorDocument } from '../shared/feed/sector-document';
import { dec, toDecimalString, type Decimal } from '../shared/money/decimal';
import type { InstrumentReference } from '../shared/market/marks';
import type { Sector } from '../shared/market/sectors';
import { seededRandom } from '../shared/random/seeded';
import type { MarketTick } from '../shared/strategy/strategy';
import type { PublishedQuote } from './websocket-market-server';

export interface SymbolSpec {
  symbol: string;
  start: string;
  tick?: string;
}

export const DEFAULT_SYMBOLS: readonly SymbolSpec[] = [
  { symbol: 'AAPL', start: '190.00' },
  { symbol: 'MSFT', start: '410.00' },
  { symbol: 'NVDA', start: '120.00' },
  { symbol: 'AMZN', start: '180.00' },
  { symbol: 'SPY', start: '560.00' },
];

/** The operator's sectors document, the one the deployed feed writes from (reference/sectors.json). */
const SECTORS = readSectorDocument(SECTORS_DOCUMENT, 'reference/sectors.json');
const sectorOf = (symbol: string): Sector => {
  const sector = SECTORS[symbol];
  if (!sector) throw new Error(`reference/sectors.json names no sector for ${symbol}, a symbol of the local market`);
  return sector;
};

/**
 * The reference data the feed's refresh would write: a fixed average daily volume (shares), and the sector the
 * operator's document gives, so local runs and AWS group symbols alike.
 */
export const DEFAULT_REFERENCE: Readonly<Record<string, InstrumentReference>> = {
  AAPL: { adv: '55000000', sector: sectorOf('AAPL') },
  MSFT: { adv: '20000000', sector: sectorOf('MSFT') },
  NVDA: { adv: '250000000', sector: sectorOf('NVDA') },
  AMZN: { adv: '40000000', sector: sectorOf('AMZN') },
  SPY: { adv: '60000000', sector: sectorOf('SPY') },
};

const RUNAWAY_SECTORS: readonly Sector[] = ['TECHNOLOGY', 'CONSUMER', 'FINANCIALS', 'HEALTHCARE', 'ENERGY', 'INDUSTRIALS', 'UTILITIES', 'MATERIALS'];

/** The runaway scenario's 40 symbols (RW00…RW39), priced from 20 to 410 so order sizes differ. */
export const RUNAWAY_SYMBOLS: readonly SymbolSpec[] = Array.from({ length: 40 }, (_, i) => ({
  symbol: `RW${String(i).padStart(2, '0')}`,
  start: `${20 + i * 10}.00`,
}));

/** Deep liquidity and eight sectors: neither the ADV nor the concentration limits decide the runaway's fate. */
export const RUNAWAY_REFERENCE: Readonly<Record<string, InstrumentReference>> = Object.fromEntries(
  RUNAWAY_SYMBOLS.map((spec, i) => [spec.symbol, { adv: '1000000000', sector: RUNAWAY_SECTORS[i % RUNAWAY_SECTORS.length] as Sector }]),
);

/** Crypto pairs for the scenarios that fail over between Alpaca's crypto feed and Coinbase (both trade them). */
export const CRYPTO_SYMBOLS: readonly SymbolSpec[] = [
  { symbol: 'ETH/USD', start: '3200.00' },
  { symbol: 'SOL/USD', start: '150.00' },
  { symbol: 'LTC/USD', start: '80.00' },
  { symbol: 'AVAX/USD', start: '30.00' },
  { symbol: 'LINK/USD', start: '15.00' },
];

export const CRYPTO_REFERENCE: Readonly<Record<string, InstrumentReference>> = Object.fromEntries(
  CRYPTO_SYMBOLS.map((spec) => [spec.symbol, { adv: '5000000', sector: 'CRYPTO' satisfies Sector }]),
);

/** One symbol falls by `fraction` of its price, evenly over `durationMs` from `startMs`, then walks on from there. */
export interface FlashCrash {
  symbol: string;
  startMs: number;
  durationMs: number;
  fraction: string;
}

interface SymbolState {
  price: Decimal;
  tick: Decimal;
  /** The price when a crash began. */
  crashFrom?: Decimal;
}

export class SimulatedMarket {
  private readonly prices = new Map<string, SymbolState>();
  private readonly random: () => number;
  private readonly sizes: () => number;
  private readonly volatilityTicks: number;

  private crash: FlashCrash | undefined;

  constructor(options: { seed: number; symbols: readonly SymbolSpec[]; volatilityTicks?: number }) {
    this.random = seededRandom(options.seed);
    // A stream of its own, so the price path is the same whether or not anyone asks for quotes.
    this.sizes = seededRandom(options.seed + 1);
    this.volatilityTicks = options.volatilityTicks ?? 5;
    for (const spec of options.symbols) {
      const tick = dec(spec.tick ?? '0.01');
      // Snap the start onto the grid so every later price is a whole number of ticks.
      const start = dec(spec.start).div(tick).toDecimalPlaces(0).times(tick);
      this.prices.set(spec.symbol, { price: start.gt(tick) ? start : tick.times(2), tick });
    }
  }

  get symbols(): string[] {
    return [...this.prices.keys()];
  }

  /** Moves every symbol by a whole number of ticks in [-volatility, +volatility] (a crashing symbol along its fall). */
  step(nowMs: number): MarketTick[] {
    const at = new Date(nowMs).toISOString();
    return [...this.prices.entries()].map(([symbol, state]) => {
      const moveTicks = Math.floor(this.random() * (2 * this.volatilityTicks + 1)) - this.volatilityTicks;
      const crashed = this.crashPrice(symbol, state, nowMs);
      const next = crashed ?? state.price.plus(state.tick.times(moveTicks));
      const floor = state.tick.times(2);
      state.price = next.lt(floor) ? floor : next;
      return { symbol, price: toDecimalString(state.price), at };
    });
  }

  /** From `crash.startMs` on, the symbol falls as the crash says. */
  scheduleCrash(crash: FlashCrash): void {
    this.crash = crash;
  }

  /** Quotes one tick either side of each price, with seeded sizes: the mid is the price. */
  quotesOf(ticks: readonly MarketTick[]): PublishedQuote[] {
    return ticks.map((tick) => {
      const spread = this.prices.get(tick.symbol)?.tick ?? dec('0.01');
      const price = dec(tick.price);
      return {
        symbol: tick.symbol,
        bidPrice: toDecimalString(price.minus(spread)),
        bidSize: String(100 + Math.floor(this.sizes() * 900)),
        askPrice: toDecimalString(price.plus(spread)),
        askSize: String(100 + Math.floor(this.sizes() * 900)),
        at: tick.at,
      };
    });
  }

  /** The crashing symbol's price along its fall, snapped to the grid; undefined outside the crash. */
  private crashPrice(symbol: string, state: SymbolState, nowMs: number): Decimal | undefined {
    const { crash } = this;
    if (!crash || crash.symbol !== symbol || nowMs < crash.startMs || nowMs > crash.startMs + crash.durationMs) return undefined;
    state.crashFrom ??= state.price;
    const progress = (nowMs - crash.startMs) / crash.durationMs;
    const target = state.crashFrom.times(dec(1).minus(dec(crash.fraction).times(progress)));
    return target.div(state.tick).toDecimalPlaces(0).times(state.tick);
  }

  priceOf(symbol: string): string | undefined {
    const state = this.prices.get(symbol);
    return state ? toDecimalString(state.price) : undefined;
  }
}
