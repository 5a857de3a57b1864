// Drives the local market servers from the simulated market: every step's quotes go to each server still
// alive, and the scenario's faults happen on schedule — bad ticks mixed into the primary's stream during a
// flash crash, the primary and then the backup source dying. The simulated broker prices at the same market.
import { dec, toDecimalString } from '../shared/money/decimal';
import type { MarketTick } from '../shared/strategy/strategy';
import type { SimulatedMarket } from './market';
import type { PublishedQuote } from './websocket-market-server';

/** What the driver needs of a server: publish, and die (silent and disconnected, as an outage looks). */
export interface DrivenServer {
  publishQuotes(quotes: readonly PublishedQuote[]): void;
  goSilent(on?: boolean): void;
  drop(): void;
}

export interface DriverFaults {
  /** Epoch ms after which the primary source dies. */
  primaryDownAtMs?: number;
  /** Epoch ms after which the backup source dies. */
  backupDownAtMs?: number;
  /** During [fromMs, toMs], bad ticks of `symbol` are mixed into the primary's stream. */
  badTicks?: { symbol: string; fromMs: number; toMs: number };
}

export interface DriverCounts {
  steps: number;
  /** Bad quotes published, by kind. */
  badTicks: Record<string, number>;
}

/**
 * Every few steps of the bad-tick window, one kind of bad quote in turn, from the first. The spike comes first: it is
 * held until a later quote contradicts it, so it needs the most of the run left behind it; on a loaded machine the
 * window holds few steps, and a spike sent last could still be held when the run ends.
 */
const BAD_TICK_EVERY = 3;
const BAD_KINDS = ['spike', 'zero-bid', 'crossed', 'stale'] as const;

export class MarketDriver {
  private readonly counts: DriverCounts = { steps: 0, badTicks: {} };
  private primaryDown = false;
  private backupDown = false;

  constructor(
    private readonly options: { market: SimulatedMarket; primary?: DrivenServer; backup?: DrivenServer; faults?: DriverFaults },
  ) {}

  get stats(): DriverCounts {
    return { steps: this.counts.steps, badTicks: { ...this.counts.badTicks } };
  }

  /** Moves the market one step and publishes it; returns the step's prices. */
  step(nowMs: number): MarketTick[] {
    const { market, primary, backup } = this.options;
    this.counts.steps++;
    this.kill(nowMs);
    const ticks = market.step(nowMs);
    const quotes = market.quotesOf(ticks);
    if (primary && !this.primaryDown) primary.publishQuotes([...quotes, ...this.badQuotes(quotes, nowMs)]);
    if (backup && !this.backupDown) backup.publishQuotes(quotes);
    return ticks;
  }

  private kill(nowMs: number): void {
    const { primary, backup, faults } = this.options;
    if (!this.primaryDown && primary && faults?.primaryDownAtMs !== undefined && nowMs >= faults.primaryDownAtMs) {
      this.primaryDown = true;
      primary.goSilent(true);
      primary.drop();
    }
    if (!this.backupDown && backup && faults?.backupDownAtMs !== undefined && nowMs >= faults.backupDownAtMs) {
      this.backupDown = true;
      backup.goSilent(true);
      backup.drop();
    }
  }

  /** One bad quote of the crashing symbol now and then during the window; the validator must reject each. */
  private badQuotes(quotes: readonly PublishedQuote[], nowMs: number): PublishedQuote[] {
    const window = this.options.faults?.badTicks;
    if (!window || nowMs < window.fromMs || nowMs > window.toMs || this.counts.steps % BAD_TICK_EVERY !== 0) return [];
    const good = quotes.find((q) => q.symbol === window.symbol);
    if (!good) return [];
    const sent = Object.values(this.counts.badTicks).reduce((sum, n) => sum + n, 0);
    const kind = BAD_KINDS[sent % BAD_KINDS.length] ?? 'spike';
    this.counts.badTicks[kind] = (this.counts.badTicks[kind] ?? 0) + 1;
    switch (kind) {
      case 'zero-bid':
        return [{ ...good, bidPrice: '0' }];
      case 'crossed':
        return [{ ...good, bidPrice: good.askPrice, askPrice: good.bidPrice }];
      case 'spike':
        // Half the price: far past the jump limit, and the next good quote contradicts it. The spread is kept,
        // because halving both sides to the cent can lock a one-cent quote, which is then refused for that instead.
        return [{ ...good, bidPrice: halve(good.bidPrice), askPrice: toDecimalString(dec(halve(good.bidPrice)).plus(dec(good.askPrice).minus(good.bidPrice))) }];
      case 'stale':
        return [{ ...good, at: new Date(nowMs - 60_000).toISOString() }];
    }
  }
}

/** Half of a decimal price, to the cent. */
const halve = (price: string): string => toDecimalString(dec(price).div(2).toDecimalPlaces(2));
