// Gap detection: per source and symbol, the highest sequence number seen; a message whose sequence skips
// numbers past it is a gap of that many missing messages. A gap only informs (counted, reported with its
// size): the message itself is judged on its own merits. A lower or repeated sequence (a late or replayed
// message) is no gap and does not move the mark back, so one loss is counted once.
import type { MarketMessage } from './market-message';

export interface GapCounts {
  /** Skips seen. */
  gaps: number;
  /** Messages missing across all skips. */
  missing: number;
}

export class SequenceGaps {
  /** source → symbol → highest sequence seen. */
  private readonly highest = new Map<string, Map<string, number>>();
  private gaps = 0;
  private missing = 0;

  /** Records the message's sequence; returns how many numbers it skipped (0 without a sequence or a skip). */
  observe(message: MarketMessage): number {
    const sequence = message.sequence;
    if (sequence === undefined || !Number.isSafeInteger(sequence)) return 0;
    let bySymbol = this.highest.get(message.source);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.highest.set(message.source, bySymbol);
    }
    const previous = bySymbol.get(message.symbol);
    if (previous !== undefined && sequence <= previous) return 0;
    bySymbol.set(message.symbol, sequence);
    const skipped = previous === undefined ? 0 : sequence - previous - 1;
    if (skipped > 0) {
      this.gaps++;
      this.missing += skipped;
    }
    return skipped;
  }

  counts(): GapCounts {
    return { gaps: this.gaps, missing: this.missing };
  }
}
