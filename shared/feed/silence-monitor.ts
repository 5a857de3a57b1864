// Silence: a subscribed symbol with no accepted data for `silentAfterMs` while its market is open is reported
// silent, once per episode. Only open time counts (the first check that finds the market open starts the
// clock), so a symbol is not silent the moment its market opens; an episode ends with accepted data or the
// market closing.

/** Whether the symbol's market is open at `nowMs` (the trading calendar's answer). */
export type IsMarketOpen = (symbol: string, nowMs: number) => boolean;

export interface SilentSymbol {
  symbol: string;
  /** Since when nothing was accepted for it while its market was open. */
  sinceMs: number;
}

interface SymbolWatch {
  lastAcceptedMs: number | undefined;
  /** The first check that found its market open, in the current opening; undefined while closed. */
  openSinceMs: number | undefined;
  silent: boolean;
}

export class SilenceMonitor {
  private readonly watches = new Map<string, SymbolWatch>();
  private episodes = 0;

  constructor(
    symbols: readonly string[],
    private readonly silentAfterMs: number,
    private readonly isOpen: IsMarketOpen,
  ) {
    for (const symbol of symbols) this.watches.set(symbol, { lastAcceptedMs: undefined, openSinceMs: undefined, silent: false });
  }

  /** Accepted data for the symbol arrived at `nowMs`: any silent episode ends. */
  accepted(symbol: string, nowMs: number): void {
    const watch = this.watches.get(symbol);
    if (watch === undefined) return;
    watch.lastAcceptedMs = nowMs;
    watch.silent = false;
  }

  /** The symbols that became silent since the last check. */
  check(nowMs: number): SilentSymbol[] {
    const found: SilentSymbol[] = [];
    for (const [symbol, watch] of this.watches) {
      if (!this.isOpen(symbol, nowMs)) {
        watch.openSinceMs = undefined;
        watch.silent = false;
        continue;
      }
      watch.openSinceMs ??= nowMs;
      const sinceMs = Math.max(watch.lastAcceptedMs ?? Number.NEGATIVE_INFINITY, watch.openSinceMs);
      if (watch.silent || nowMs - sinceMs < this.silentAfterMs) continue;
      watch.silent = true;
      this.episodes++;
      found.push({ symbol, sinceMs });
    }
    return found;
  }

  /** The symbols silent now. */
  silentSymbols(): string[] {
    return [...this.watches].filter(([, watch]) => watch.silent).map(([symbol]) => symbol);
  }

  /** Silent episodes reported so far. */
  silentEpisodes(): number {
    return this.episodes;
  }
}
