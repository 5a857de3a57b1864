// The trading calendar from Alpaca's Trading API v2 (GET /v2/calendar?start&end): one entry per trading day,
// early closes included, New York local times. Invariants: one paced, retried GET that keeps the key out of
// errors (`AlpacaJsonGet`, shared with the daily bars); a malformed entry fails the read, naming its index,
// date, field and rule.
import { BrokerTradingDaySchema, type BrokerTradingDay, type CalendarRange } from '../../../shared/calendar/broker-calendar';
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import { issuesOf } from '../../../shared/errors/zod-issues';
import type { TradingCalendarSource } from '../../../shared/ports/trading-calendar-source';
import { AlpacaJsonGet, errorText, type AlpacaJsonGetOptions } from './alpaca-json-get';

export interface AlpacaCalendarOptions extends Omit<AlpacaJsonGetOptions, 'requestsPerMinute'> {
  /** The Trading API's base, ALPACA_PAPER_URL or ALPACA_LIVE_URL (plain http is accepted for localhost only). */
  baseUrl: string;
  /** Per adapter instance; default 30 (a refresh needs one). */
  requestsPerMinute?: number;
}

/** Alpaca's calendar could not be read, or answered something that is not a calendar; `status` when it answered. */
export class AlpacaCalendarError extends InfrastructureError {
  override readonly name = 'AlpacaCalendarError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'alpaca-calendar', options);
  }
}

/** The entries as trading days, or an InvalidInputError naming each entry's index, date, field and rule. */
export const readCalendar = (json: unknown): BrokerTradingDay[] => {
  if (!Array.isArray(json)) throw new InvalidInputError([{ path: 'calendar', rule: 'must be an array of trading days' }]);
  const issues: { path: string; rule: string }[] = [];
  const days: BrokerTradingDay[] = [];
  json.forEach((entry: unknown, index) => {
    const fields = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
    const date = typeof fields?.date === 'string' ? fields.date : 'no date';
    // Alpaca's other fields (session_open, session_close, settlement_date) are not the calendar model's.
    const parsed = BrokerTradingDaySchema.safeParse(fields ? { date: fields.date, open: fields.open, close: fields.close } : entry);
    if (parsed.success) days.push(parsed.data);
    else issues.push(...issuesOf(parsed.error, `calendar[${index}] (${date})`));
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
  return days;
};

export class AlpacaCalendar implements TradingCalendarSource {
  private readonly http: AlpacaJsonGet;

  constructor(options: AlpacaCalendarOptions) {
    this.http = new AlpacaJsonGet(
      { ...options, requestsPerMinute: options.requestsPerMinute ?? 30 },
      (message, status, cause) => new AlpacaCalendarError(message, status, cause),
      'Alpaca baseUrl',
    );
  }

  async tradingDays(range: CalendarRange): Promise<BrokerTradingDay[]> {
    const path = `/v2/calendar?${new URLSearchParams({ start: range.start, end: range.end }).toString()}`;
    const json = await this.http.get(path);
    try {
      return readCalendar(json);
    } catch (error) {
      throw new AlpacaCalendarError(this.http.redact(`Alpaca GET ${path} answered a calendar that cannot be used: ${errorText(error)}`), 200, { cause: this.http.safeCause(error) });
    }
  }
}
