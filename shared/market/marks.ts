// The market data the controls read: the latest mark of each symbol, its reference data and the feed's
// heartbeat. Leaf types: the feed writes them, risk, the breaker, the kill switch and the dead-man switch
// read them. Prices are decimal strings, times ISO-8601 UTC.

/** A symbol's latest price and when it was seen. */
export interface Mark {
  price: string;
  /** The exchange's time of the data the mark was taken from: its age is measured from here. */
  at: string;
  /** The market-data source the mark was taken from (absent on marks written before sources were named). */
  source?: string;
}

/** Reference data per symbol, loaded daily: average daily volume and the sector used for concentration. */
export interface InstrumentReference {
  adv?: string;
  sector?: string;
}

/** The feed's latest heartbeat: which feed task wrote it and when (ISO-8601), and since when that feed runs. */
export interface FeedHeartbeat {
  feedId: string;
  at: string;
  /** When the feed that wrote it started (taking data, writing marks); absent from heartbeats written before it was kept. */
  since?: string;
}
