// The market data's storage port: the feed writes the marks (conflated, only forward in time), the reference
// data, the broker's trading calendar and its heartbeat; the controls read them. One item each, so a reader sees
// every symbol in one read.
import type { StoredCalendar } from '../calendar/broker-calendar';
import type { MarketId } from '../calendar/trading-calendar';
import type { FeedHeartbeat, InstrumentReference, Mark } from '../market/marks';

/** One price seen by the feed, with the source it came from when it came from a named source. */
export interface MarkTick {
  symbol: string;
  price: string;
  at: string;
  source?: string;
}

export interface MarketDataStore {
  /**
   * Writes every symbol that ticked since the last write in one update; a mark older than the stored (or
   * `current`) one of its symbol is skipped: marks only move forward.
   */
  putMarks(ticks: readonly MarkTick[], current?: Readonly<Record<string, Mark>>): Promise<void>;
  /** Every symbol's latest mark, strongly consistent. */
  getMarks(): Promise<Record<string, Mark>>;
  /** The daily reference load: average daily volume and sector per symbol. */
  putReference(reference: Readonly<Record<string, InstrumentReference>>): Promise<void>;
  /** The market's calendar as the feed read it from the broker; an older read (by `fetchedAt`) never replaces a newer one. */
  putCalendar(stored: StoredCalendar): Promise<void>;
  /**
   * The market's stored calendar, strongly consistent; undefined when none was ever stored. Throws an
   * InvalidInputError naming the field and rule when the stored item cannot be read as a calendar.
   */
  getCalendar(market: MarketId): Promise<StoredCalendar | undefined>;
  /** The feed says it is alive; the stored time only moves forward (an older heartbeat changes nothing). */
  putFeedHeartbeat(feedId: string, at: string, since?: string): Promise<void>;
  /** The latest heartbeat, strongly consistent; undefined when no feed ever wrote one. */
  getFeedHeartbeat(): Promise<FeedHeartbeat | undefined>;
}
