// Conflation: the latest accepted price of each symbol (with its source and exchange time), handed out as
// marks at most once per interval per symbol, and only when it changed since the symbol's last mark. Never a
// mark for a symbol without accepted data; marks only move forward in exchange time.
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';
import { utcNow } from '../time/utc';
import type { Mark } from './marks';

/** A mark due for writing, named by its symbol, always with its source. */
export interface ConflatedMark extends Mark {
  symbol: string;
  source: string;
}

export interface ConflationCounts {
  /** Prices offered (accepted data of the active source). */
  offered: number;
  /** Offers older than the symbol's latest price, kept out. */
  older: number;
  /** Marks handed out. */
  marks: number;
}

interface Latest {
  price: Fixed;
  atMs: number;
  source: string;
  /** Changed since the last mark. */
  changed: boolean;
  /** When the last mark was handed out (the caller's clock), or undefined before the first. */
  markedAtMs: number | undefined;
}

export class Conflator {
  private readonly latest = new Map<string, Latest>();
  private offered = 0;
  private older = 0;
  private marks = 0;

  constructor(private readonly markIntervalMs: number) {}

  /** Offers an accepted price; one older (in exchange time) than the symbol's latest is kept out. */
  offer(symbol: string, price: Fixed, atMs: number, source: string): void {
    this.offered++;
    const current = this.latest.get(symbol);
    if (current === undefined) {
      this.latest.set(symbol, { price, atMs, source, changed: true, markedAtMs: undefined });
      return;
    }
    if (atMs < current.atMs) {
      this.older++;
      return;
    }
    if (atMs === current.atMs && source === current.source && fx.eq(price, current.price)) return;
    current.price = price;
    current.atMs = atMs;
    current.source = source;
    current.changed = true;
  }

  /** The symbols due at `nowMs`: changed since their last mark, which is at least one interval old. */
  due(nowMs: number): ConflatedMark[] {
    const due: ConflatedMark[] = [];
    for (const [symbol, latest] of this.latest) {
      if (!latest.changed || (latest.markedAtMs !== undefined && nowMs - latest.markedAtMs < this.markIntervalMs)) continue;
      latest.changed = false;
      latest.markedAtMs = nowMs;
      due.push({ symbol, price: fx.toDecimalString(latest.price), at: utcNow(latest.atMs), source: latest.source });
    }
    this.marks += due.length;
    return due;
  }

  counts(): ConflationCounts {
    return { offered: this.offered, older: this.older, marks: this.marks };
  }
}
