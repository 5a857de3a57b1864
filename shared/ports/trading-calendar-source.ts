// The source of a market's trading days (the broker's calendar): one entry per day with a session, early closes
// included, times in the market's local time. Invariant: a malformed entry fails the whole read, naming its date
// and field; nothing is repaired or guessed.
import type { BrokerTradingDay, CalendarRange } from '../calendar/broker-calendar';

export interface TradingCalendarSource {
  /** The trading days from `range.start` through `range.end` (inclusive), ascending. Throws when unreadable or malformed. */
  tradingDays(range: CalendarRange): Promise<BrokerTradingDay[]>;
}
