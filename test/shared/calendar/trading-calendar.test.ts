import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CALENDAR_CACHE_DAYS,
  MARKET_CALENDARS,
  MARKET_IDS,
  MarketCalendarSchema,
  MarketIdSchema,
  cachedDayCount,
  calendarCoverageDays,
  compileCalendar,
  compileMarket,
  describeClosure,
  isMarketOpen,
  latestSession,
  localDayStartMs,
  nextSessionOpenMs,
  sessionStartMs,
  type ExchangeCalendar,
} from '../../../shared/calendar/trading-calendar';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};

const xnys = compileMarket('XNYS');
const crypto = compileMarket('CRYPTO');
const open = (iso: string) => isMarketOpen(xnys, at(iso));

/** Independent oracle: reads the wall clock with its own formatter, no offset arithmetic. */
const wallClock = (timeZone: string) => {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return (ms: number) => {
    const p = Object.fromEntries(formatter.formatToParts(ms).map((x) => [x.type, x.value]));
    const date = `${p.year}-${p.month}-${p.day}`;
    const isoWeekday = ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
    const msOfDay = ((Number(p.hour) * 60 + Number(p.minute)) * 60 + Number(p.second)) * 1000 + (((ms % 1000) + 1000) % 1000);
    return { date, isoWeekday, msOfDay };
  };
};
const hhmmMs = (hhmm: string) => (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * 60_000;
const oracleOpen = (cal: ExchangeCalendar, ms: number): { open: boolean; date: string } => {
  const { date, isoWeekday, msOfDay } = wallClock(cal.timeZone)(ms);
  const tradingDay = date <= cal.coversThrough && cal.weekdays.includes(isoWeekday) && !cal.holidays.includes(date);
  const close = cal.halfDays[date] ?? cal.close;
  return { date, open: tradingDay && msOfDay >= hhmmMs(cal.open) && msOfDay < hhmmMs(close) };
};

const instantIn = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true }).map((d) => d.getTime());
/** Instants within two minutes of 13:00, 13:30, 14:30, 17:00, 18:00, 20:00 and 21:00 UTC: every NYSE open and close. */
const nearBoundary = fc
  .record({
    day: fc.integer({ min: Date.parse('2025-12-28') / 86_400_000, max: Date.parse('2028-01-05') / 86_400_000 }),
    edge: fc.constantFrom(13 * 60, 13 * 60 + 30, 14 * 60 + 30, 17 * 60, 18 * 60, 20 * 60, 21 * 60),
    jitter: fc.integer({ min: -120_000, max: 120_000 }),
  })
  .map(({ day, edge, jitter }) => day * 86_400_000 + edge * 60_000 + jitter);
const xnysInstant = fc.oneof(instantIn('2025-12-20T00:00:00Z', '2028-01-10T00:00:00Z'), nearBoundary);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('NYSE regular hours', () => {
  it('is closed at 09:29:59.999 ET and open at 09:30:00.000 ET on a winter Tuesday (14:30 UTC)', () => {
    expect(open('2026-01-06T09:29:59.999-05:00')).toBe(false);
    expect(open('2026-01-06T09:30:00.000-05:00')).toBe(true);
    expect(open('2026-01-06T14:30:00.000Z')).toBe(true);
  });

  it('is open at 15:59:59.999 ET and closed at 16:00:00.000 ET', () => {
    expect(open('2026-01-06T15:59:59.999-05:00')).toBe(true);
    expect(open('2026-01-06T16:00:00.000-05:00')).toBe(false);
  });

  it('opens at 13:30 UTC in summer (EDT)', () => {
    expect(open('2026-07-07T13:29:59.999Z')).toBe(false);
    expect(open('2026-07-07T13:30:00.000Z')).toBe(true);
    expect(open('2026-07-07T19:59:59.999Z')).toBe(true);
    expect(open('2026-07-07T20:00:00.000Z')).toBe(false);
  });

  it('moves the open from 14:30 UTC to 13:30 UTC across the 2026-03-08 spring-forward weekend', () => {
    expect(sessionStartMs(xnys, at('2026-03-06T15:00:00Z'))).toBe(at('2026-03-06T14:30:00Z'));
    expect(sessionStartMs(xnys, at('2026-03-09T15:00:00Z'))).toBe(at('2026-03-09T13:30:00Z'));
    expect(open('2026-03-09T13:29:59.999Z')).toBe(false);
    expect(open('2026-03-09T13:30:00.000Z')).toBe(true);
    expect(open('2026-03-09T19:59:59.999Z')).toBe(true);
    expect(open('2026-03-09T20:00:00.000Z')).toBe(false);
  });

  it('moves the open from 13:30 UTC to 14:30 UTC across the 2026-11-01 fall-back weekend', () => {
    expect(sessionStartMs(xnys, at('2026-10-30T15:00:00Z'))).toBe(at('2026-10-30T13:30:00Z'));
    expect(open('2026-11-02T14:29:59.999Z')).toBe(false);
    expect(open('2026-11-02T14:30:00.000Z')).toBe(true);
    expect(open('2026-11-02T20:59:59.999Z')).toBe(true);
    expect(open('2026-11-02T21:00:00.000Z')).toBe(false);
  });

  it('is closed all weekend', () => {
    expect(open('2026-11-28T12:00:00-05:00')).toBe(false);
    expect(open('2026-11-29T12:00:00-05:00')).toBe(false);
    expect(describeClosure(xnys, at('2026-11-28T12:00:00-05:00'))).toMatch(/^XNYS closed: weekend 2026-11-28 \(Saturday\)/);
  });
});

describe('NYSE holidays and early closes', () => {
  it('is closed on Thanksgiving 2026 and says so', () => {
    expect(open('2026-11-26T11:00:00-05:00')).toBe(false);
    expect(describeClosure(xnys, at('2026-11-26T11:00:00-05:00'))).toBe(
      'XNYS closed: holiday 2026-11-26; next open 2026-11-27T14:30:00.000Z',
    );
  });

  it.each([
    '2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07',
    '2026-11-26', '2026-12-25', '2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18',
    '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24',
  ])('is closed all day on the holiday %s', (date) => {
    expect(open(`${date}T12:00:00-05:00`)).toBe(false);
    expect(open(`${date}T12:00:00-04:00`)).toBe(false);
    expect(describeClosure(xnys, at(`${date}T12:00:00-05:00`))).toContain(`holiday ${date}`);
  });

  it('trades on 2027-12-31 because a Saturday New Year is not observed at year end', () => {
    expect(open('2027-12-31T15:59:59.999-05:00')).toBe(true);
  });

  it.each(['2026-11-27', '2026-12-24', '2027-11-26'])('closes at 13:00 ET on the half day %s', (date) => {
    expect(open(`${date}T09:30:00.000-05:00`)).toBe(true);
    expect(open(`${date}T12:59:59.999-05:00`)).toBe(true);
    expect(open(`${date}T13:00:00.000-05:00`)).toBe(false);
    expect(describeClosure(xnys, at(`${date}T13:00:00.000-05:00`))).toMatch(
      new RegExp(`^XNYS closed: after the 13:00 early close on ${date}; next open `),
    );
  });

  it('has no early close on the days before the 2026 and 2027 Independence Day holidays', () => {
    expect(open('2026-07-02T15:59:59.999-04:00')).toBe(true);
    expect(open('2027-07-02T15:59:59.999-04:00')).toBe(true);
  });
});

describe('sessionStartMs', () => {
  it('is that day\'s open during the session, from the open itself to the close', () => {
    expect(sessionStartMs(xnys, at('2026-01-06T09:30:00.000-05:00'))).toBe(at('2026-01-06T09:30:00-05:00'));
    expect(sessionStartMs(xnys, at('2026-01-06T15:59:59.999-05:00'))).toBe(at('2026-01-06T09:30:00-05:00'));
  });

  it('stays on that day\'s open after the close', () => {
    expect(sessionStartMs(xnys, at('2026-01-06T20:00:00-05:00'))).toBe(at('2026-01-06T09:30:00-05:00'));
  });

  it('is Monday\'s open before 09:30 on Tuesday', () => {
    expect(sessionStartMs(xnys, at('2026-01-06T09:29:59.999-05:00'))).toBe(at('2026-01-05T09:30:00-05:00'));
  });

  it('is Friday\'s open on Saturday and Sunday', () => {
    expect(sessionStartMs(xnys, at('2026-01-10T12:00:00-05:00'))).toBe(at('2026-01-09T09:30:00-05:00'));
    expect(sessionStartMs(xnys, at('2026-01-11T23:59:59.999-05:00'))).toBe(at('2026-01-09T09:30:00-05:00'));
  });

  it('skips a holiday: on MLK Day and before Tuesday\'s open it is the previous Friday\'s open', () => {
    expect(sessionStartMs(xnys, at('2026-01-19T12:00:00-05:00'))).toBe(at('2026-01-16T09:30:00-05:00'));
    expect(sessionStartMs(xnys, at('2026-01-20T08:00:00-05:00'))).toBe(at('2026-01-16T09:30:00-05:00'));
  });

  it('is the half-day open the weekend after Thanksgiving', () => {
    expect(sessionStartMs(xnys, at('2026-11-29T12:00:00-05:00'))).toBe(at('2026-11-27T09:30:00-05:00'));
  });

  it('reports the session with its local date and early close', () => {
    expect(latestSession(xnys, at('2026-11-27T12:00:00-05:00'))).toEqual({
      date: '2026-11-27',
      openMs: at('2026-11-27T09:30:00-05:00'),
      closeMs: at('2026-11-27T13:00:00-05:00'),
      earlyClose: true,
    });
  });

  it('refuses a non-finite instant, and isMarketOpen fails closed on one', () => {
    expect(() => sessionStartMs(xnys, Number.NaN)).toThrow(RangeError);
    expect(isMarketOpen(xnys, Number.NaN)).toBe(false);
    expect(isMarketOpen(crypto, Number.POSITIVE_INFINITY)).toBe(false);
  });
});

describe('localDayStartMs', () => {
  it('is midnight in New York, EST and EDT, whatever the hour of that local day', () => {
    expect(localDayStartMs(xnys, at('2026-11-23T15:00:00Z'))).toBe(at('2026-11-23T05:00:00Z'));
    expect(localDayStartMs(xnys, at('2026-11-24T04:59:59.999Z'))).toBe(at('2026-11-23T05:00:00Z'));
    expect(localDayStartMs(xnys, at('2026-07-01T03:59:59.999Z'))).toBe(at('2026-06-30T04:00:00Z'));
    expect(localDayStartMs(xnys, at('2026-07-01T04:00:00Z'))).toBe(at('2026-07-01T04:00:00Z'));
  });

  it('is local midnight on the days the clocks change, and on weekends and holidays too', () => {
    expect(localDayStartMs(xnys, at('2026-03-08T12:00:00Z'))).toBe(at('2026-03-08T05:00:00Z'));
    expect(localDayStartMs(xnys, at('2026-11-01T12:00:00Z'))).toBe(at('2026-11-01T04:00:00Z'));
    expect(localDayStartMs(xnys, at('2026-11-26T12:00:00Z'))).toBe(at('2026-11-26T05:00:00Z'));
  });

  it('is UTC midnight for an always-open market', () => {
    expect(localDayStartMs(crypto, at('2026-11-23T23:59:59.999Z'))).toBe(at('2026-11-23T00:00:00Z'));
  });
});

describe('nextSessionOpenMs and describeClosure', () => {
  it('points from Friday evening to Monday\'s open', () => {
    expect(nextSessionOpenMs(xnys, at('2026-01-09T16:00:00-05:00'))).toBe(at('2026-01-12T09:30:00-05:00'));
  });

  it('points from the open itself to the next day\'s open', () => {
    expect(nextSessionOpenMs(xnys, at('2026-01-06T09:30:00-05:00'))).toBe(at('2026-01-07T09:30:00-05:00'));
  });

  it('skips Christmas 2026 and the weekend after it', () => {
    expect(nextSessionOpenMs(xnys, at('2026-12-24T13:00:00-05:00'))).toBe(at('2026-12-28T09:30:00-05:00'));
  });

  it('explains a closure before the open and after the regular close', () => {
    expect(describeClosure(xnys, at('2026-01-06T09:29:59.999-05:00'))).toBe(
      'XNYS closed: before the 09:30 open on 2026-01-06; next open 2026-01-06T14:30:00.000Z',
    );
    expect(describeClosure(xnys, at('2026-01-06T16:00:00-05:00'))).toBe(
      'XNYS closed: after the 16:00 close on 2026-01-06; next open 2026-01-07T14:30:00.000Z',
    );
  });

  it('has nothing to explain while the market is open', () => {
    expect(describeClosure(xnys, at('2026-01-06T10:00:00-05:00'))).toBeUndefined();
  });
});

describe('always-open markets (crypto)', () => {
  it('is open at any instant, including weekends, holidays and UTC midnight', () => {
    fc.assert(
      fc.property(instantIn('1971-01-01T00:00:00Z', '2100-01-01T00:00:00Z'), (t) => {
        expect(isMarketOpen(crypto, t)).toBe(true);
        expect(describeClosure(crypto, t)).toBeUndefined();
      }),
    );
    expect(isMarketOpen(crypto, at('2026-11-26T00:00:00Z'))).toBe(true);
  });

  it('starts each session at 00:00 UTC of the current day and never needs a next open', () => {
    expect(sessionStartMs(crypto, at('2026-11-28T00:00:00.000Z'))).toBe(at('2026-11-28T00:00:00Z'));
    expect(sessionStartMs(crypto, at('2026-11-28T23:59:59.999Z'))).toBe(at('2026-11-28T00:00:00Z'));
    expect(sessionStartMs(crypto, at('1969-12-31T12:00:00Z'))).toBe(at('1969-12-31T00:00:00Z'));
    expect(nextSessionOpenMs(crypto, at('2026-11-28T12:00:00Z'))).toBeUndefined();
  });
});

describe('other exchanges', () => {
  // Sydney's session runs across UTC midnight in summer (AEDT, UTC+11): 10:00 local is 23:00 UTC the day before.
  const asx: ExchangeCalendar = MarketCalendarSchema.parse({
    kind: 'exchange',
    timeZone: 'Australia/Sydney',
    coversThrough: '2027-12-31',
    open: '10:00',
    close: '16:00',
    holidays: ['2026-01-26'],
    halfDays: { '2026-12-24': '14:10' },
  }) as ExchangeCalendar;
  const compiled = compileCalendar(asx, 'XASX');

  it('defaults to Monday-Friday, no holidays and no half days', () => {
    const parsed = MarketCalendarSchema.parse({ kind: 'exchange', timeZone: 'Asia/Tokyo', coversThrough: '2027-12-31', open: '09:00', close: '15:00' });
    expect(parsed).toMatchObject({ weekdays: [1, 2, 3, 4, 5], holidays: [], halfDays: {} });
  });

  it('keeps a session that crosses UTC midnight open on both sides of it', () => {
    expect(isMarketOpen(compiled, at('2026-02-02T22:59:59.999Z'))).toBe(false);
    expect(isMarketOpen(compiled, at('2026-02-02T23:00:00.000Z'))).toBe(true);
    expect(isMarketOpen(compiled, at('2026-02-03T04:59:59.999Z'))).toBe(true);
    expect(isMarketOpen(compiled, at('2026-02-03T05:00:00.000Z'))).toBe(false);
    expect(sessionStartMs(compiled, at('2026-02-03T02:00:00Z'))).toBe(at('2026-02-02T23:00:00Z'));
  });

  it('is closed on Australia Day and names the local date', () => {
    expect(describeClosure(compiled, at('2026-01-25T23:30:00Z'))).toMatch(/^XASX closed: holiday 2026-01-26;/);
  });

  it('agrees with an independent wall-clock reading at random instants', () => {
    fc.assert(
      fc.property(instantIn('2025-12-01T00:00:00Z', '2027-02-01T00:00:00Z'), (t) => {
        const expected = oracleOpen(asx, t);
        expect(isMarketOpen(compiled, t)).toBe(expected.open);
        if (expected.open) expect(latestSession(compiled, t).date).toBe(expected.date);
      }),
      { numRuns: 500 },
    );
  });
});

describe('calendar properties (XNYS)', () => {
  const cal = MARKET_CALENDARS.XNYS as ExchangeCalendar;

  it('is open exactly when the wall clock in New York is within a trading day\'s hours', () => {
    fc.assert(
      fc.property(xnysInstant, (t) => {
        expect(isMarketOpen(xnys, t)).toBe(oracleOpen(cal, t).open);
      }),
      { numRuns: 2000 },
    );
  });

  it('is open exactly when the latest session started is that day\'s and has not yet closed', () => {
    fc.assert(
      fc.property(xnysInstant, (t) => {
        const session = latestSession(xnys, t);
        expect(sessionStartMs(xnys, t)).toBe(session.openMs);
        expect(session.openMs).toBeLessThanOrEqual(t);
        expect(isMarketOpen(xnys, t)).toBe(t < session.closeMs);
        if (isMarketOpen(xnys, t)) expect(session.date).toBe(oracleOpen(cal, t).date);
        expect(oracleOpen(cal, session.openMs)).toEqual({ open: true, date: session.date });
        expect(oracleOpen(cal, session.closeMs).open).toBe(false);
        expect(oracleOpen(cal, session.closeMs - 1).open).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never moves the session start backwards as time moves forwards', () => {
    fc.assert(
      fc.property(xnysInstant, xnysInstant, (a, b) => {
        const [early, late] = a <= b ? [a, b] : [b, a];
        expect(sessionStartMs(xnys, early)).toBeLessThanOrEqual(sessionStartMs(xnys, late));
      }),
      { numRuns: 1000 },
    );
  });

  it('has no session opening between the latest start and the next open', () => {
    fc.assert(
      fc.property(xnysInstant, (t) => {
        const next = nextSessionOpenMs(xnys, t);
        if (next === undefined) {
          // Past the last covered session: nothing opens again as far as the calendar knows.
          expect(latestSession(xnys, at('2099-01-05T15:00:00Z'))).toEqual(latestSession(xnys, t));
          return;
        }
        expect(next).toBeGreaterThan(t);
        expect(sessionStartMs(xnys, next)).toBe(next);
        expect(sessionStartMs(xnys, next - 1)).toBe(sessionStartMs(xnys, t));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('caching', () => {
  it('answers repeated isMarketOpen calls for the same day without any Intl formatting', () => {
    const compiled = compileMarket('XNYS');
    const morning = at('2026-03-09T13:00:00Z');
    isMarketOpen(compiled, morning);
    const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    for (let i = 0; i < 1000; i += 1) isMarketOpen(compiled, morning + i * 10_000);
    sessionStartMs(compiled, morning + 3_600_000);
    expect(formatToParts).not.toHaveBeenCalled();
  });

  it('keeps the per-day caches bounded over decades of instants', () => {
    const compiled = compileMarket('XNYS');
    const start = at('1990-01-01T15:00:00Z');
    for (let day = 0; day < CALENDAR_CACHE_DAYS * 2; day += 1) isMarketOpen(compiled, start + day * 86_400_000);
    expect(cachedDayCount(compiled)).toBeLessThanOrEqual(2 * CALENDAR_CACHE_DAYS);
    expect(isMarketOpen(compiled, at('2026-01-06T15:00:00Z'))).toBe(true);
  });
});

describe('coverage', () => {
  it('counts the days the calendar still covers: 30 on the 30th day before its end, 0 on its last day, negative past it', () => {
    expect(calendarCoverageDays(xnys, at('2027-12-01T12:00:00-05:00'))).toBe(30);
    expect(calendarCoverageDays(xnys, at('2027-12-31T23:59:59.999-05:00'))).toBe(0);
    expect(calendarCoverageDays(xnys, at('2028-01-01T00:00:00.000-05:00'))).toBe(-1);
    expect(calendarCoverageDays(crypto, at('2099-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('opens on the last covered trading day and stays closed past it, saying why', () => {
    expect(open('2027-12-31T10:00:00-05:00')).toBe(true);
    // 2028-01-03 is a Monday the calendar does not cover yet: closed, whatever the weekday.
    expect(open('2028-01-03T10:00:00-05:00')).toBe(false);
    expect(describeClosure(xnys, at('2028-01-03T10:00:00-05:00'))).toBe('XNYS closed: 2028-01-03 is past the calendar, which covers through 2027-12-31');
    expect(nextSessionOpenMs(xnys, at('2027-12-31T17:00:00-05:00'))).toBeUndefined();
    expect(nextSessionOpenMs(xnys, at('2027-12-30T17:00:00-05:00'))).toBe(at('2027-12-31T09:30:00-05:00'));
  });

  it('answers the latest session however far past its coverage it is asked', () => {
    expect(latestSession(xnys, at('2040-06-01T15:00:00Z')).date).toBe('2027-12-31');
    expect(isMarketOpen(xnys, at('2040-06-01T15:00:00Z'))).toBe(false);
  });

  it('requires an exchange calendar to say through when it covers', () => {
    const result = MarketCalendarSchema.safeParse({ kind: 'exchange', timeZone: 'America/New_York', open: '09:30', close: '16:00' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['coversThrough']);
  });
});

describe('MarketCalendarSchema', () => {
  const valid = { kind: 'exchange', timeZone: 'America/New_York', coversThrough: '2027-12-31', open: '09:30', close: '16:00' } as const;
  const issues = (input: unknown) => {
    const result = MarketCalendarSchema.safeParse(input);
    expect(result.success).toBe(false);
    return result.error?.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) ?? [];
  };

  it('validates every built-in calendar and id', () => {
    for (const id of MARKET_IDS) expect(MarketCalendarSchema.safeParse(MARKET_CALENDARS[id]).success).toBe(true);
    expect(MarketIdSchema.safeParse('XNYS').success).toBe(true);
    expect(MarketIdSchema.safeParse('XLON').success).toBe(false);
  });

  it('rejects an unknown time zone, naming the field and the rule', () => {
    expect(issues({ ...valid, timeZone: 'America/Gotham' })).toEqual([
      { path: 'timeZone', message: 'must be an IANA time zone that Intl.DateTimeFormat accepts' },
    ]);
  });

  it('rejects a close at or before the open', () => {
    expect(issues({ ...valid, close: '09:30' })).toEqual([{ path: 'close', message: 'close must be after open' }]);
    expect(issues({ ...valid, close: '08:00' })).toEqual([{ path: 'close', message: 'close must be after open' }]);
  });

  it('rejects a malformed time', () => {
    expect(issues({ ...valid, open: '9:30' })).toEqual([{ path: 'open', message: 'must be a 24-hour HH:MM time' }]);
    expect(issues({ ...valid, close: '24:00' })[0]?.path).toBe('close');
  });

  it('rejects an impossible or malformed holiday date, naming its index', () => {
    expect(issues({ ...valid, holidays: ['2026-02-30'] })).toEqual([
      { path: 'holidays.0', message: 'must be a real calendar date, YYYY-MM-DD' },
    ]);
    expect(issues({ ...valid, holidays: ['2026-01-01', '26-12-25'] })[0]?.path).toBe('holidays.1');
  });

  it('rejects a half day keyed by a bad date, or closing outside regular hours, or on a holiday', () => {
    expect(issues({ ...valid, halfDays: { '2026-13-01': '13:00' } })).toEqual([
      { path: 'halfDays.2026-13-01', message: 'must be keyed by a real calendar date, YYYY-MM-DD' },
    ]);
    expect(issues({ ...valid, halfDays: { '2026-11-27': '16:30' } })[0]).toEqual({
      path: 'halfDays.2026-11-27',
      message: 'early close must be after open and before the regular close',
    });
    expect(issues({ ...valid, holidays: ['2026-11-27'], halfDays: { '2026-11-27': '13:00' } })[0]?.message).toMatch(/both a holiday and a half day/);
  });

  it('rejects weekdays outside ISO 1-7, repeated, or none at all', () => {
    expect(issues({ ...valid, weekdays: [0, 1] })[0]?.path).toBe('weekdays.0');
    expect(issues({ ...valid, weekdays: [1, 1] })[0]).toEqual({ path: 'weekdays', message: 'must not repeat a weekday' });
    expect(issues({ ...valid, weekdays: [] })[0]?.path).toBe('weekdays');
  });

  it('rejects unknown keys and unknown kinds', () => {
    expect(issues({ ...valid, lunchBreak: '12:00' })[0]?.message).toMatch(/lunchBreak/);
    expect(issues({ kind: 'always-open', timeZone: 'UTC' })[0]?.message).toMatch(/timeZone/);
    expect(issues({ kind: 'sometimes-open' })[0]?.path).toBe('kind');
  });

  it('makes compileCalendar refuse an invalid calendar', () => {
    expect(() => compileCalendar({ ...valid, close: '09:00', weekdays: [1], holidays: [], halfDays: {} })).toThrow(/close must be after open/);
  });
});
