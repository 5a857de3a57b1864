// A risk decision follows the calendar installed for the market, even with the limits already compiled and
// cached in the container before it was installed.
import { afterEach, describe, expect, it } from 'vitest';
import { brokerCalendarToExchange } from '../../../shared/calendar/broker-calendar';
import { installCalendar, resetInstalledCalendars } from '../../../shared/calendar/trading-calendar';
import { evaluateIntent } from '../../../shared/risk/evaluate';
import { NOW, order, riskInputs } from '../../support/risk-inputs';

afterEach(() => resetInstalledCalendars());

const decide = (nowMs = NOW) =>
  evaluateIntent(riskInputs({ nowMs, intent: order({ symbol: 'AAPL', quantity: '10' }), marks: { AAPL: { price: '100', at: new Date(nowMs - 1000).toISOString() } } }));

/** The broker's week of 2026-11-23 with `monday` as the Monday's session (none: a holiday). */
const brokerWeek = (monday?: { close: string }) =>
  brokerCalendarToExchange(
    [...(monday ? [{ date: '2026-11-23', open: '09:30', close: monday.close }] : []), ...['2026-11-24', '2026-11-25'].map((date) => ({ date, open: '09:30', close: '16:00' }))],
    { start: '2026-11-16', end: '2026-11-25' },
  );

describe('the market session with the broker’s calendar installed', () => {
  it('denies MARKET_CLOSED on a day the built-in calendar calls open but the broker lists no session for', () => {
    expect(decide()).toMatchObject({ outcome: 'approved' });
    installCalendar('XNYS', brokerWeek());
    expect(decide()).toMatchObject({ reason: 'MARKET_CLOSED', message: expect.stringContaining('holiday 2026-11-23') });
  });

  it('denies from the broker’s early close and allows the minute before it', () => {
    installCalendar('XNYS', brokerWeek({ close: '10:01' }));
    expect(decide(NOW + 59_999)).toMatchObject({ outcome: 'approved' });
    expect(decide(NOW + 60_000)).toMatchObject({ reason: 'MARKET_CLOSED', message: expect.stringContaining('after the 10:01 early close on 2026-11-23') });
  });

  it('denies past the broker calendar’s coverage, saying so', () => {
    installCalendar('XNYS', brokerWeek({ close: '16:00' }));
    const thursday = Date.parse('2026-11-26T15:00:00.000Z');
    expect(decide(thursday)).toMatchObject({ reason: 'MARKET_CLOSED', message: expect.stringContaining('past the calendar, which covers through 2026-11-25') });
  });
});
