// The reference-data refresh the leading feed runs: once when it starts leading, then every day at
// `referenceData.refreshAtUtc`, it reads the subscribed symbols' daily bars, builds ADV and sector per symbol and
// writes them in one putReference (one UpdateItem: all symbols or none); before that, the broker's trading
// calendar (calendar-refresh.ts), whose failure is its own and never holds up the reference. Invariants: a failed
// refresh writes nothing, so the previous reference stays, and is tried again with doubling delays; nothing is
// written once stopped.
import type { Clock } from '../ports/clock';
import type { CalendarRefresh } from './calendar-refresh';
import type { DailyVolumeSource } from '../ports/daily-volume-source';
import type { Log } from '../ports/log';
import type { MarketDataStore } from '../ports/market-data-store';
import type { Telemetry } from '../ports/telemetry';
import { utcNow } from '../time/utc';
import type { ReferenceDataConfig } from './feed-config';
import type { MarketDayStart } from './market-hours';
import { barsRange, buildReference } from './reference-data';

export const REFERENCE_METRICS = {
  refreshed: 'ReferenceRefreshed',
  refreshFailed: 'ReferenceRefreshFailed',
  /** Per refresh, the symbols written without a field (dimension `field`: `adv` or `sector`). */
  dataMissing: 'ReferenceDataMissing',
} as const;

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** setTimeout and clearTimeout as the refresh schedules with them (tests pass manual ones). */
export interface RefreshTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: RefreshTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ReferenceRefreshOptions {
  symbols: readonly string[];
  /** The operator's document, already validated: symbol → sector. */
  sectors: Readonly<Record<string, string>>;
  volumes: DailyVolumeSource;
  store: Pick<MarketDataStore, 'putReference'>;
  config: ReferenceDataConfig;
  /** Where each symbol's market's local day began: a daily bar from then on is still forming. */
  dayStart: MarketDayStart;
  clock: Clock;
  telemetry: Telemetry;
  log: Log;
  timers?: RefreshTimers;
  /** The broker's trading calendar, refreshed first on every run (absent: the built-in calendars only). */
  calendar?: Pick<CalendarRefresh, 'fetch' | 'write'>;
}

/** What one refresh wrote. */
export interface ReferenceRefreshResult {
  at: string;
  symbols: number;
  missing: { adv: string[]; sector: string[] };
}

/** The first `HH:MM` UTC strictly after `nowMs`. */
export const nextDailyRunMs = (nowMs: number, refreshAtUtc: string): number => {
  const minutes = Number(refreshAtUtc.slice(0, 2)) * 60 + Number(refreshAtUtc.slice(3, 5));
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS + minutes * MINUTE_MS;
  return today > nowMs ? today : today + DAY_MS;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class ReferenceRefresh {
  private readonly timers: RefreshTimers;
  private timer: unknown;
  private running: Promise<void> | undefined;
  /** The reference write in flight, if any: a stop waits for it, never for a read of the bars. */
  private writing: Promise<void> | undefined;
  private stopped = false;
  private started = false;
  /** Failures in a row since the last success: the next retry waits retryFirstMs × 2^(failures − 1), capped. */
  private failures = 0;
  private nextAtMs: number | undefined;

  constructor(private readonly options: ReferenceRefreshOptions) {
    this.timers = options.timers ?? systemTimers;
  }

  /** When the next refresh is due (epoch ms); undefined before the start and once stopped. */
  get nextRunAtMs(): number | undefined {
    return this.nextAtMs;
  }

  /** Refreshes now, then on schedule, until stopped. Never throws: failures are counted, logged and retried. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.run();
  }

  /**
   * Stops the schedule at once. A refresh still reading its bars will write nothing (a slow provider cannot
   * hold up a stop); one already writing finishes (its UpdateItem started while this feed led), and the
   * returned promise waits for that write.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.nextAtMs = undefined;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing?.catch(() => undefined);
  }

  /**
   * One refresh: reads the bars, builds every subscribed symbol's reference and writes it in one putReference.
   * Throws (and writes nothing) when the bars cannot be read or make no sense, or the write fails.
   */
  async refresh(): Promise<ReferenceRefreshResult | undefined> {
    const { symbols, sectors, volumes, store, config, dayStart, clock, telemetry, log } = this.options;
    await this.refreshCalendar();
    const nowMs = clock.now();
    const todayStart = (symbol: string) => dayStart(symbol, nowMs);
    const range = barsRange(symbols.map(todayStart), config.advDays);
    const bars = await volumes.dailyBars(symbols, range);
    const built = buildReference({ symbols, bars, sectors, advDays: config.advDays, todayStartMs: todayStart });
    if (this.stopped) return undefined;
    this.writing = store.putReference(built.reference);
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
    for (const field of ['adv', 'sector'] as const) {
      const without = built.missing[field];
      if (without.length === 0) continue;
      telemetry.count(REFERENCE_METRICS.dataMissing, { field }, without.length);
      const rule = field === 'adv' ? `fewer than ${config.advDays} complete daily bars` : 'not in the sectors document';
      log.error(`reference data written without ${field === 'adv' ? 'an ADV' : 'a sector'}`, { field, symbols: without, rule });
    }
    telemetry.count(REFERENCE_METRICS.refreshed);
    return { at: utcNow(nowMs), symbols: symbols.length, missing: built.missing };
  }

  /** The calendar's read and write; its failures are counted and logged by it, never thrown. */
  private async refreshCalendar(): Promise<void> {
    const calendar = this.options.calendar;
    if (!calendar || this.stopped) return;
    const fetched = await calendar.fetch();
    if (!fetched || this.stopped) return;
    this.writing = calendar.write(fetched).then(() => undefined);
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  private run(): void {
    this.timer = undefined;
    if (this.stopped || this.running) return;
    const { telemetry, log, config, clock } = this.options;
    this.running = this.refresh()
      .then(
        (result) => {
          if (!result) return;
          this.failures = 0;
          this.schedule(nextDailyRunMs(clock.now(), config.refreshAtUtc));
          log.info('reference data refreshed', { ...result, ...(this.nextAtMs !== undefined ? { nextAt: utcNow(this.nextAtMs) } : {}) });
        },
        (error: unknown) => {
          if (this.stopped) return;
          this.failures++;
          const delayMs = Math.min(config.retryMaxMs, config.retryFirstMs * 2 ** Math.min(this.failures - 1, 30));
          this.schedule(clock.now() + delayMs);
          telemetry.count(REFERENCE_METRICS.refreshFailed);
          log.error('reference data refresh failed; the stored reference stays', { error: errorText(error), failures: this.failures, retryInMs: delayMs });
        },
      )
      .finally(() => {
        this.running = undefined;
      });
  }

  private schedule(atMs: number): void {
    if (this.stopped) return;
    this.nextAtMs = atMs;
    this.timer = this.timers.setTimeout(() => this.run(), Math.max(0, atMs - this.options.clock.now()));
  }
}
