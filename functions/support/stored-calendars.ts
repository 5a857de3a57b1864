// The broker's calendars in a Lambda container: the stored ones (items CALENDAR#<market>, written by the feed) are
// read at cold start and then at most every 5 minutes, and installed in place of the built-in calendars. Invariants:
// never throws into the decision; a read that fails, or a calendar missing or invalid, is counted and logged and
// keeps what is installed; an unchanged calendar (same fetchedAt) is not installed again, so its caches stay warm.
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { systemClock } from '../../adapters/system/system-clock';
import { installCalendar, MARKET_CALENDARS, MARKET_IDS, type MarketCalendar, type MarketId } from '../../shared/calendar/trading-calendar';
import { InvalidInputError } from '../../shared/errors/errors';
import type { Clock } from '../../shared/ports/clock';
import type { Log } from '../../shared/ports/log';
import type { MarketDataStore } from '../../shared/ports/market-data-store';
import type { Telemetry } from '../../shared/ports/telemetry';
import { createLogger } from './handler-support';

export const STORED_CALENDAR_TTL_MS = 5 * 60_000;

export const STORED_CALENDAR_METRICS = {
  installed: 'CalendarInstalled',
  /** Dimension `reason`: `read` (the table), `missing` (nothing stored yet) or `invalid` (not a usable calendar). */
  notInstalled: 'CalendarNotInstalled',
} as const;

/** The markets with an exchange calendar: the broker's calendar replaces those; an always-open market has none. */
export const EXCHANGE_MARKETS: readonly MarketId[] = MARKET_IDS.filter((id) => MARKET_CALENDARS[id].kind === 'exchange');

export interface StoredCalendarsOptions {
  store: Pick<MarketDataStore, 'getCalendar'>;
  clock: Clock;
  telemetry: Telemetry;
  log: Log;
  markets?: readonly MarketId[];
  ttlMs?: number;
  install?: (market: MarketId, calendar: MarketCalendar) => void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class StoredCalendars {
  private nextReadAtMs = Number.NEGATIVE_INFINITY;
  /** fetchedAt of the calendar installed per market. */
  private readonly installed = new Map<MarketId, string>();

  constructor(private readonly options: StoredCalendarsOptions) {}

  /** Reads and installs the stored calendars when the last read is older than the TTL; never throws. */
  async refresh(): Promise<void> {
    const { clock, markets = EXCHANGE_MARKETS, ttlMs = STORED_CALENDAR_TTL_MS } = this.options;
    const nowMs = clock.now();
    if (nowMs < this.nextReadAtMs) return;
    this.nextReadAtMs = nowMs + ttlMs;
    for (const market of markets) await this.refreshMarket(market);
  }

  private async refreshMarket(market: MarketId): Promise<void> {
    const { store, telemetry, log, install = installCalendar } = this.options;
    try {
      const stored = await store.getCalendar(market);
      if (!stored) return this.notInstalled(market, 'missing', 'no calendar stored yet (the leading feed writes it)');
      if (this.installed.get(market) === stored.fetchedAt) return;
      if (stored.market !== market) throw new InvalidInputError([{ path: 'market', rule: `must be ${market}, the item's market` }]);
      install(market, stored.calendar);
      this.installed.set(market, stored.fetchedAt);
      telemetry.count(STORED_CALENDAR_METRICS.installed, { market });
      log.info('stored calendar installed', { market, fetchedAt: stored.fetchedAt, coversThrough: stored.calendar.kind === 'exchange' ? stored.calendar.coversThrough : undefined });
    } catch (error) {
      this.notInstalled(market, error instanceof InvalidInputError ? 'invalid' : 'read', errorText(error));
    }
  }

  private notInstalled(market: MarketId, reason: 'read' | 'missing' | 'invalid', why: string): void {
    this.options.telemetry.count(STORED_CALENDAR_METRICS.notInstalled, { market, reason });
    const keeping = this.installed.has(market) ? 'the calendar installed before' : 'the built-in calendar';
    this.options.log.error(`stored calendar not installed; keeping ${keeping}`, { market, reason, error: why });
  }
}

/** The handler, after the container's calendars are brought up to date (at most every TTL; never throws). */
export const withStoredCalendars =
  <E, R, C = unknown>(calendars: () => Pick<StoredCalendars, 'refresh'>, handler: (event: E, context?: C) => Promise<R>) =>
  // The Lambda context goes through: a handler may need its remaining time.
  async (event: E, context?: C): Promise<R> => {
    let current: Pick<StoredCalendars, 'refresh'>;
    try {
      current = calendars();
    } catch {
      // The wiring cannot be built (its environment): the handler meets the same error and reports it.
      return handler(event, context);
    }
    await current.refresh();
    return handler(event, context);
  };

let cached: StoredCalendars | undefined;

/** The container's stored calendars in AWS, over the table's market-data store; one per container. */
export const awsStoredCalendars = (store: Pick<MarketDataStore, 'getCalendar'>, serviceName: string): StoredCalendars => {
  cached ??= new StoredCalendars({ store, clock: systemClock, telemetry: new PowertoolsTelemetry(), log: createLogger(serviceName) });
  return cached;
};
