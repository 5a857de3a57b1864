// The reference refresh's source of daily volumes: each symbol's daily bars (session time and volume) over a
// range, as the data provider reports them. Invariant: volumes are whole numbers of shares as decimal text
// (never binary floating point); bars come in ascending time, one per session, none invented or repaired.

/** One session's bar: when it began (ISO-8601 UTC, as the provider stamps it) and the shares traded. */
export interface DailyBar {
  at: string;
  /** A non-negative whole number of shares, decimal text. */
  volume: string;
}

export interface DailyVolumeSource {
  /**
   * The daily bars of each symbol from `start` through `end` (ISO-8601, inclusive), ascending; a symbol the
   * provider has no bars for is absent. Throws when the provider cannot be read or answers something malformed.
   */
  dailyBars(symbols: readonly string[], range: { start: string; end: string }): Promise<Record<string, DailyBar[]>>;
}
