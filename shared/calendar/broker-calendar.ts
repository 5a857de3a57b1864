// The broker's trading days turned into the engine's exchange calendar (XNYS), and the stored form the feed
// writes. Invariants: every listed day opens at the regular open and closes no later than the regular close (the
// engine's model cannot represent anything else, so such a day is refused, never approximated); a weekday in range
// the broker does not list is a holiday; the calendar covers through the end asked for only when the broker
// answered that far, and through its last listed day otherwise.
import * as z from 'zod';
import { InvalidInputError } from '../errors/errors';
import { LocalDateSchema, LocalTimeSchema, MarketCalendarSchema, MarketIdSchema, type ExchangeCalendar } from './trading-calendar';

/** One trading day as the broker lists it: the local date and the regular session's open and close (local time). */
export const BrokerTradingDaySchema = z.object({ date: LocalDateSchema, open: LocalTimeSchema, close: LocalTimeSchema }).strict();
export type BrokerTradingDay = z.infer<typeof BrokerTradingDaySchema>;

/** The days asked for, both inclusive. */
export const CalendarRangeSchema = z.object({ start: LocalDateSchema, end: LocalDateSchema }).strict();
export type CalendarRange = z.infer<typeof CalendarRangeSchema>;

/** A broker calendar as the feed stores it (item CALENDAR#<market>) and every reader installs it. */
export const StoredCalendarSchema = z
  .object({
    market: MarketIdSchema,
    calendar: MarketCalendarSchema,
    /** The days the broker was asked for. */
    range: CalendarRangeSchema,
    /** When the feed read it from the broker (ISO 8601, UTC). */
    fetchedAt: z.iso.datetime({ offset: false, error: 'must be an ISO 8601 UTC time' }),
  })
  .strict();
export type StoredCalendar = z.infer<typeof StoredCalendarSchema>;

export const XNYS_REGULAR = { timeZone: 'America/New_York', open: '09:30', close: '16:00' } as const;

/**
 * The longest run of days without a session a real calendar has (a weekend next to a closure of several days,
 * as in September 2001). A broker whose last listed day is further than this before the end asked for did
 * not answer that far: its data ends there.
 */
export const MAX_DAYS_WITHOUT_SESSION = 7;

const DAY_MS = 86_400_000;
const dayOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const isWeekday = (day: number): boolean => {
  const weekday = new Date(day * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
};

/**
 * The XNYS calendar the broker's days describe over `range`. Throws an InvalidInputError naming each day's
 * date and field and the rule it breaks: a day outside the range or listed twice, an open other than 09:30, a
 * close after 16:00, a session on a weekend, or no day listed at all.
 */
export const brokerCalendarToExchange = (days: readonly BrokerTradingDay[], range: CalendarRange): ExchangeCalendar => {
  const { timeZone, open, close } = XNYS_REGULAR;
  const first = dayOf(range.start);
  const last = dayOf(range.end);
  if (last < first) throw new InvalidInputError([{ path: 'range.end', rule: `must not be before range.start (${range.start})` }]);
  const issues: { path: string; rule: string }[] = [];
  const listed = new Map<number, BrokerTradingDay>();
  for (const day of days) {
    const at = dayOf(day.date);
    if (at < first || at > last) issues.push({ path: `${day.date}.date`, rule: `must be within the range asked for, ${range.start} to ${range.end}` });
    else if (listed.has(at)) issues.push({ path: `${day.date}.date`, rule: 'must be listed once' });
    else if (!isWeekday(at)) issues.push({ path: `${day.date}.date`, rule: 'must be a weekday: the calendar model trades Monday to Friday only' });
    if (day.open !== open) issues.push({ path: `${day.date}.open`, rule: `must be ${open}: the calendar model has one regular open (got ${day.open})` });
    if (day.close > close) issues.push({ path: `${day.date}.close`, rule: `must be ${close} or earlier: the calendar model has no late close (got ${day.close})` });
    if (day.close <= day.open) issues.push({ path: `${day.date}.close`, rule: `must be after the open (${day.open})` });
    listed.set(at, day);
  }
  if (listed.size === 0) issues.push({ path: 'days', rule: `must list at least one trading day between ${range.start} and ${range.end}` });
  if (issues.length > 0) throw new InvalidInputError(issues);
  const lastListed = Math.max(...listed.keys());
  const coversThrough = last - lastListed <= MAX_DAYS_WITHOUT_SESSION ? last : lastListed;
  const holidays: string[] = [];
  const halfDays: Record<string, string> = {};
  for (let day = first; day <= coversThrough; day += 1) {
    if (!isWeekday(day)) continue;
    const session = listed.get(day);
    if (!session) holidays.push(dateOf(day));
    else if (session.close < close) halfDays[session.date] = session.close;
  }
  return { kind: 'exchange', timeZone, coversThrough: dateOf(coversThrough), open, close, weekdays: [1, 2, 3, 4, 5], holidays, halfDays };
};
