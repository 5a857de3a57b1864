import { afterEach, describe, expect, it } from 'vitest';
import { brokerCalendarToExchange } from '../../../shared/calendar/broker-calendar';
import {
  calendarCoverageDays,
  compileMarket,
  installCalendar,
  isMarketOpen,
  MARKET_CALENDARS,
  resetInstalledCalendars,
  type ExchangeCalendar,
} from '../../../shared/calendar/trading-calendar';

afterEach(() => resetInstalledCalendars());

/** Monday 2026-11-23, 10:00 in New York: open by the built-in calendar. */
const MONDAY_10AM = Date.parse('2026-11-23T15:00:00.000Z');
/** A broker calendar for that week that lists no session on the Monday. */
const mondayHoliday = (): ExchangeCalendar =>
  brokerCalendarToExchange(
    ['2026-11-24', '2026-11-25', '2026-11-27'].map((date) => ({ date, open: '09:30', close: date === '2026-11-27' ? '13:00' : '16:00' })),
    { start: '2026-11-23', end: '2026-11-27' },
  );

describe('installing a market’s calendar', () => {
  it('replaces the built-in one: compileMarket answers with the installed calendar from then on', () => {
    expect(isMarketOpen(compileMarket('XNYS'), MONDAY_10AM)).toBe(true);
    const installed = installCalendar('XNYS', mondayHoliday());
    expect(compileMarket('XNYS')).toBe(installed);
    expect(installed.name).toBe('XNYS');
    expect(isMarketOpen(compileMarket('XNYS'), MONDAY_10AM)).toBe(false);
  });

  it('moves the coverage to the installed calendar’s coversThrough', () => {
    installCalendar('XNYS', mondayHoliday());
    expect(calendarCoverageDays(compileMarket('XNYS'), MONDAY_10AM)).toBe(4);
  });

  it('refuses a calendar that does not validate, naming the field and rule, and keeps the one installed', () => {
    const before = compileMarket('XNYS');
    expect(() => installCalendar('XNYS', { ...mondayHoliday(), close: '25:00' })).toThrow(/calendar\.close: must be a 24-hour HH:MM time/);
    expect(() => installCalendar('XNYS', { kind: 'always-open' })).toThrow(/calendar\.kind: must be exchange/);
    expect(compileMarket('XNYS')).toBe(before);
    expect(compileMarket('XNYS').calendar).toEqual(MARKET_CALENDARS.XNYS);
  });

  it('goes back to the built-in calendar when the installed ones are reset', () => {
    installCalendar('XNYS', mondayHoliday());
    resetInstalledCalendars();
    expect(isMarketOpen(compileMarket('XNYS'), MONDAY_10AM)).toBe(true);
  });
});
