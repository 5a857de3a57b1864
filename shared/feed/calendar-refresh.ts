// The broker's trading calendar, refreshed by the leading feed alongside the reference data: read for today − 7
// days through today + 400 days, converted to the engine's exchange calendar, installed in this process and
// stored (item CALENDAR#<market>) for every other reader. Invariants: never throws; a read, conversion or write
// that fails is counted and logged and leaves the stored and installed calendars as they were.
import { brokerCalendarToExchange, type CalendarRange, type StoredCalendar } from '../calendar/broker-calendar';
import { installCalendar, type MarketCalendar, type MarketId } from '../calendar/trading-calendar';
import type { Clock } from '../ports/clock';
import type { Log } from '../ports/log';
import type { MarketDataStore } from '../ports/market-data-store';
import type { Telemetry } from '../ports/telemetry';
import type { TradingCalendarSource } from '../ports/trading-calendar-source';
import { utcNow } from '../time/utc';

export const CALENDAR_METRICS = {
  refreshed: 'CalendarRefreshed',
  /** Dimension `stage`: `read` (the broker or its answer) or `write` (the table). */
  refreshFailed: 'CalendarRefreshFailed',
} as const;

/** Days asked for before today (the current session's start stays known) and after it (well past the 30-day alarm). */
export const CALENDAR_LOOK_BACK_DAYS = 7;
export const CALENDAR_LOOK_AHEAD_DAYS = 400;

const DAY_MS = 86_400_000;
const dateOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The days a refresh at `nowMs` asks for: its UTC date − 7 days through + 400 days. */
export const calendarRange = (nowMs: number): CalendarRange => ({
  start: dateOf(nowMs - CALENDAR_LOOK_BACK_DAYS * DAY_MS),
  end: dateOf(nowMs + CALENDAR_LOOK_AHEAD_DAYS * DAY_MS),
});

export interface CalendarRefreshOptions {
  /** The exchange market the broker's calendar is (XNYS). */
  market: MarketId;
  source: TradingCalendarSource;
  store: Pick<MarketDataStore, 'putCalendar'>;
  clock: Clock;
  telemetry: Telemetry;
  log: Log;
  /** Installs the calendar in this process; default installCalendar. */
  install?: (market: MarketId, calendar: MarketCalendar) => void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class CalendarRefresh {
  constructor(private readonly options: CalendarRefreshOptions) {}

  /** The broker's calendar, converted and installed here; undefined (counted, logged) when it cannot be read or used. */
  async fetch(): Promise<StoredCalendar | undefined> {
    const { market, source, clock, install = installCalendar } = this.options;
    const nowMs = clock.now();
    const range = calendarRange(nowMs);
    try {
      const calendar = brokerCalendarToExchange(await source.tradingDays(range), range);
      install(market, calendar);
      return { market, calendar, range, fetchedAt: utcNow(nowMs) };
    } catch (error) {
      this.failed('read', error, range);
      return undefined;
    }
  }

  /** Stores what fetch read; false (counted, logged) when the write fails, the stored calendar staying as it was. */
  async write(stored: StoredCalendar): Promise<boolean> {
    const { store, telemetry, log } = this.options;
    try {
      await store.putCalendar(stored);
    } catch (error) {
      this.failed('write', error, stored.range);
      return false;
    }
    telemetry.count(CALENDAR_METRICS.refreshed, { market: stored.market });
    const coversThrough = stored.calendar.kind === 'exchange' ? stored.calendar.coversThrough : undefined;
    log.info('trading calendar refreshed', { market: stored.market, range: stored.range, coversThrough });
    return true;
  }

  private failed(stage: 'read' | 'write', error: unknown, range: CalendarRange): void {
    const { market, telemetry, log } = this.options;
    telemetry.count(CALENDAR_METRICS.refreshFailed, { market, stage });
    log.error('trading calendar refresh failed; the stored calendar stays', { market, stage, range, error: errorText(error) });
  }
}
