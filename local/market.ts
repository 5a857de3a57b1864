// The simulated market: a seeded random walk over several symbols on a tick grid. Prices are exact decimal
// strings, always at least one tick; the same seed replays the same path.
import { dec, toDecimalString, type Decimal } from '../shared/money/decimal';
import type { InstrumentReference } from '../shared/market/marks';
import { seededRandom } from '../shared/random/seeded';
import type { MarketTick } from '../shared/strategy/strategy';

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

/** The reference data the daily load would bring: average daily volume (shares) and sector. */
export const DEFAULT_REFERENCE: Readonly<Record<string, InstrumentReference>> = {
  AAPL: { adv: '55000000', sector: 'TECHNOLOGY' },
  MSFT: { adv: '20000000', sector: 'TECHNOLOGY' },
  NVDA: { adv: '250000000', sector: 'TECHNOLOGY' },
  AMZN: { adv: '40000000', sector: 'CONSUMER' },
  SPY: { adv: '60000000', sector: 'INDEX' },
};

const RUNAWAY_SECTORS = ['TECHNOLOGY', 'CONSUMER', 'FINANCIALS', 'HEALTHCARE', 'ENERGY', 'INDUSTRIALS', 'UTILITIES', 'MATERIALS'];

/** The runaway scenario's 40 symbols (RW00…RW39), priced from 20 to 410 so order sizes differ. */
export const RUNAWAY_SYMBOLS: readonly SymbolSpec[] = Array.from({ length: 40 }, (_, i) => ({
  symbol: `RW${String(i).padStart(2, '0')}`,
  start: `${20 + i * 10}.00`,
}));

/** Deep liquidity and eight sectors: neither the ADV nor the concentration limits decide the runaway's fate. */
export const RUNAWAY_REFERENCE: Readonly<Record<string, InstrumentReference>> = Object.fromEntries(
  RUNAWAY_SYMBOLS.map((spec, i) => [spec.symbol, { adv: '1000000000', sector: RUNAWAY_SECTORS[i % RUNAWAY_SECTORS.length] ?? 'OTHER' }]),
);

export class SimulatedMarket {
  private readonly prices = new Map<string, { price: Decimal; tick: Decimal }>();
  private readonly random: () => number;
  private readonly volatilityTicks: number;

  constructor(options: { seed: number; symbols: readonly SymbolSpec[]; volatilityTicks?: number }) {
    this.random = seededRandom(options.seed);
    this.volatilityTicks = options.volatilityTicks ?? 5;
    for (const spec of options.symbols) {
      const tick = dec(spec.tick ?? '0.01');
      // Snap the start onto the grid so every later price is a whole number of ticks.
      const start = dec(spec.start).div(tick).toDecimalPlaces(0).times(tick);
      this.prices.set(spec.symbol, { price: start.gt(0) ? start : tick, tick });
    }
  }

  get symbols(): string[] {
    return [...this.prices.keys()];
  }

  /** Moves every symbol by a whole number of ticks in [-volatility, +volatility]. */
  step(nowMs: number): MarketTick[] {
    const at = new Date(nowMs).toISOString();
    return [...this.prices.entries()].map(([symbol, state]) => {
      const moveTicks = Math.floor(this.random() * (2 * this.volatilityTicks + 1)) - this.volatilityTicks;
      const next = state.price.plus(state.tick.times(moveTicks));
      state.price = next.lt(state.tick) ? state.tick : next;
      return { symbol, price: toDecimalString(state.price), at };
    });
  }

  priceOf(symbol: string): string | undefined {
    const state = this.prices.get(symbol);
    return state ? toDecimalString(state.price) : undefined;
  }
}
