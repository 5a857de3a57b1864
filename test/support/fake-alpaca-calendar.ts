// The fake Alpaca's market calendar (Trading API v2, GET /v2/calendar), served on the fake's REST port: the
// trading days a test sets, answered as Alpaca documents them (one entry per trading day, `start` and `end`
// inclusive, ascending, New York local times, with the session and settlement fields the client ignores). Until a
// test sets days, it answers the built-in XNYS calendar's sessions through that calendar's coverage. Entries are
// stored as written, so a test can set a malformed one and see the client refuse it.
import { compileMarket, isMarketOpen, latestSession, MARKET_CALENDARS } from '../../shared/calendar/trading-calendar';
import { alpacaError } from './fake-alpaca-wire';

/** A calendar entry as Alpaca writes it; fields untyped so a test can break them. */
export interface WireCalendarDay {
  date: unknown;
  open?: unknown;
  close?: unknown;
  session_open?: unknown;
  session_close?: unknown;
  settlement_date?: unknown;
}

interface Answer {
  status: number;
  body?: unknown;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An entry as Alpaca writes it: regular hours unless `close` says otherwise. */
export const calendarDay = (date: string, close = '16:00', over: Partial<WireCalendarDay> = {}): WireCalendarDay => ({
  date,
  open: '09:30',
  close,
  session_open: '0400',
  session_close: '2000',
  settlement_date: date,
  ...over,
});

/** The built-in XNYS calendar's sessions from `start` through `end`, as Alpaca would list them. */
export const builtInDays = (start: string, end: string): WireCalendarDay[] => {
  const xnys = compileMarket('XNYS');
  const calendar = MARKET_CALENDARS.XNYS;
  const last = calendar.kind === 'exchange' && calendar.coversThrough < end ? calendar.coversThrough : end;
  const days: WireCalendarDay[] = [];
  for (let ms = Date.parse(`${start}T17:00:00Z`); ms <= Date.parse(`${last}T17:00:00Z`); ms += DAY_MS) {
    // 17:00Z is between 12:00 and 13:00 in New York, inside every session, early closes included.
    if (!isMarketOpen(xnys, ms)) continue;
    const session = latestSession(xnys, ms);
    const close = new Date(session.closeMs).toLocaleTimeString('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    days.push(calendarDay(session.date, close));
  }
  return days;
};

export class FakeAlpacaCalendar {
  private days: WireCalendarDay[] | undefined;

  /** Replaces the calendar with these entries (served in the order given among those in range). */
  set(days: readonly WireCalendarDay[]): void {
    this.days = [...days];
  }

  answer(query: URLSearchParams): Answer {
    const start = query.get('start');
    const end = query.get('end');
    if (start === null || end === null || !DATE.test(start) || !DATE.test(end)) {
      return { status: 400, body: alpacaError(40010001, 'this fake wants start and end as YYYY-MM-DD') };
    }
    const days = this.days ?? builtInDays(start, end);
    // An entry whose date cannot be read is served anyway: the client must refuse it.
    return { status: 200, body: days.filter((day) => typeof day.date !== 'string' || !DATE.test(day.date) || (day.date >= start && day.date <= end)) };
  }
}
