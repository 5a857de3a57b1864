import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokerCalendarToExchange, MAX_DAYS_WITHOUT_SESSION, type BrokerTradingDay } from '../../../shared/calendar/broker-calendar';
import { calendarCoverageDays, compileCalendar, isMarketOpen } from '../../../shared/calendar/trading-calendar';

const DAY_MS = 86_400_000;
const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dateOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const isWeekday = (day: number) => ![0, 6].includes(new Date(day * DAY_MS).getUTCDay());

/** Independent oracle: the instant New York's wall clock reads `date hh:mm`, found by trying both offsets. */
const wall = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
const nyInstant = (date: string, hhmm: string): number => {
  for (const offsetHours of [4, 5]) {
    const ms = Date.parse(`${date}T${hhmm}:00Z`) + offsetHours * 3_600_000;
    if (wall.format(ms).replace(',', '') === `${date} ${hhmm}`) return ms;
  }
  throw new Error(`no New York instant for ${date} ${hhmm}`);
};

const day = (date: string, close = '16:00', open = '09:30'): BrokerTradingDay => ({ date, open, close });

describe('the broker calendar as an XNYS exchange calendar', () => {
  it('lists a weekday the broker has no session for as a holiday and an early close as a half day', () => {
    const calendar = brokerCalendarToExchange([day('2026-12-23'), day('2026-12-24', '13:00'), day('2026-12-28')], { start: '2026-12-23', end: '2026-12-28' });
    expect(calendar).toEqual({
      kind: 'exchange',
      timeZone: 'America/New_York',
      coversThrough: '2026-12-28',
      open: '09:30',
      close: '16:00',
      weekdays: [1, 2, 3, 4, 5],
      holidays: ['2026-12-25'],
      halfDays: { '2026-12-24': '13:00' },
    });
  });

  it('refuses a day opening at any time but 09:30, naming the date and field: the model has one regular open', () => {
    expect(() => brokerCalendarToExchange([day('2026-12-23', '16:00', '10:00')], { start: '2026-12-23', end: '2026-12-23' })).toThrow(/2026-12-23\.open: must be 09:30/);
  });

  it('refuses a day closing after 16:00, naming the date and field: the model has no late close', () => {
    expect(() => brokerCalendarToExchange([day('2026-12-23', '16:30')], { start: '2026-12-23', end: '2026-12-23' })).toThrow(/2026-12-23\.close: must be 16:00 or earlier/);
  });

  it('refuses a day outside the range asked for, a day listed twice, a weekend session and an empty answer', () => {
    const range = { start: '2026-12-21', end: '2026-12-23' };
    expect(() => brokerCalendarToExchange([day('2026-12-24')], range)).toThrow(/2026-12-24\.date: must be within the range/);
    expect(() => brokerCalendarToExchange([day('2026-12-21'), day('2026-12-21')], range)).toThrow(/2026-12-21\.date: must be listed once/);
    expect(() => brokerCalendarToExchange([day('2026-12-19')], { start: '2026-12-19', end: '2026-12-21' })).toThrow(/2026-12-19\.date: must be a weekday/);
    expect(() => brokerCalendarToExchange([], range)).toThrow(/days: must list at least one trading day/);
  });

  it('covers only through the last listed day when the broker answered short of the end asked for', () => {
    const calendar = brokerCalendarToExchange([day('2029-12-31')], { start: '2029-12-31', end: '2030-02-04' });
    expect(calendar.coversThrough).toBe('2029-12-31');
    expect(calendar.holidays).toEqual([]);
  });

  it('is open exactly on the listed days’ [open, close) and closed elsewhere in range and past its coverage', () => {
    const closes = ['16:00', '16:00', '16:00', '13:00', '12:00', '15:59'];
    const arbitrary = fc
      .record({ start: fc.integer({ min: dayOf('2026-01-01'), max: dayOf('2029-06-30') }), length: fc.integer({ min: 0, max: 60 }) })
      .chain(({ start, length }) => {
        const weekdays = Array.from({ length: length + 1 }, (_, i) => start + i).filter(isWeekday);
        return fc.record({
          start: fc.constant(start),
          end: fc.constant(start + length),
          sessions: fc.subarray(weekdays, { minLength: weekdays.length === 0 ? 0 : 1 }).chain((chosen) =>
            fc.tuple(...chosen.map((d) => fc.constantFrom(...closes).map((close) => day(dateOf(d), close)))),
          ),
        });
      })
      .filter(({ sessions }) => sessions.length > 0);
    fc.assert(
      fc.property(arbitrary, ({ start, end, sessions }) => {
        const compiled = compileCalendar(brokerCalendarToExchange(sessions, { start: dateOf(start), end: dateOf(end) }), 'XNYS');
        const lastListed = Math.max(...sessions.map((s) => dayOf(s.date)));
        const coversThrough = end - lastListed <= MAX_DAYS_WITHOUT_SESSION ? end : lastListed;
        expect(compiled.calendar.kind === 'exchange' && compiled.calendar.coversThrough).toBe(dateOf(coversThrough));
        const byDate = new Map(sessions.map((s) => [s.date, s]));
        for (let d = start; d <= end + 3; d += 1) {
          const date = dateOf(d);
          const session = d <= coversThrough ? byDate.get(date) : undefined;
          const probes = ['00:00', '09:29', '09:30', '12:59', '13:00', '15:58', '15:59', '16:00', '20:00'];
          for (const hhmm of probes) {
            const expected = session !== undefined && hhmm >= session.open && hhmm < session.close;
            expect(isMarketOpen(compiled, nyInstant(date, hhmm)), `${date} ${hhmm}`).toBe(expected);
          }
        }
        expect(calendarCoverageDays(compiled, nyInstant(dateOf(coversThrough), '12:00'))).toBe(0);
      }),
      { numRuns: 150 },
    );
  });
});
