// The broker's trading calendar refreshed with the reference data, end to end: Alpaca's /v2/calendar read from the
// fake Alpaca through the Alpaca adapter, the calendar item written in DynamoDB Local and installed in the feed's
// process. A calendar the broker cannot give, or the table cannot take, is counted and logged, leaves the stored and
// installed calendars as they were, and never holds up the reference data.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlpacaCalendar } from '../../../adapters/broker/alpaca/alpaca-calendar';
import { alpacaCredentials } from '../../../adapters/broker/alpaca/credentials';
import { AlpacaDailyBars } from '../../../adapters/market-data/alpaca/alpaca-daily-bars';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { compileMarket, isMarketOpen, MARKET_CALENDARS, resetInstalledCalendars } from '../../../shared/calendar/trading-calendar';
import { CALENDAR_METRICS, calendarRange, CalendarRefresh } from '../../../shared/feed/calendar-refresh';
import { DEFAULT_FEED_CONFIG } from '../../../shared/feed/feed-config';
import { marketDayStart, marketHours } from '../../../shared/feed/market-hours';
import { REFERENCE_METRICS, ReferenceRefresh } from '../../../shared/feed/reference-refresh';
import type { MarketDataStore } from '../../../shared/ports/market-data-store';
import { freshStores } from '../../support/dynamo';
import { calendarDay, dailyBar, FakeAlpaca } from '../../support/fake-alpaca';
import { ManualTimers } from '../../support/manual-timers';

/** Monday 2026-11-23, 10:00 in New York. */
const NOW = Date.parse('2026-11-23T15:00:00.000Z');
const ROUTE = 'GET /v2/calendar';

let fake: FakeAlpaca;
let timers: ManualTimers;
let telemetry: InMemoryTelemetry;
let store: MarketDataStore;
let logged: { level: string; message: string; attributes: Record<string, unknown> }[];
const refreshes: ReferenceRefresh[] = [];

const log = {
  info: (message: string, ...attributes: Record<string, unknown>[]) => logged.push({ level: 'info', message, attributes: Object.assign({}, ...attributes) }),
  error: (message: string, ...attributes: Record<string, unknown>[]) => logged.push({ level: 'error', message, attributes: Object.assign({}, ...attributes) }),
};

const refreshWith = (calendarStore: Pick<MarketDataStore, 'putCalendar'> = store): ReferenceRefresh => {
  const credentials = alpacaCredentials(fake.keyId, fake.secretKey);
  const refresh = new ReferenceRefresh({
    symbols: ['AAPL'],
    sectors: { AAPL: 'TECHNOLOGY' },
    volumes: new AlpacaDailyBars({ baseUrl: fake.restUrl, credentials, feed: 'iex', maxRetries: 0, now: () => timers.now() }),
    store,
    config: DEFAULT_FEED_CONFIG.referenceData,
    dayStart: marketDayStart({ defaultMarket: 'XNYS', bySymbol: {} }),
    clock: timers,
    telemetry,
    log,
    timers,
    calendar: new CalendarRefresh({ market: 'XNYS', source: new AlpacaCalendar({ baseUrl: fake.restUrl, credentials, maxRetries: 0 }), store: calendarStore, clock: timers, telemetry, log }),
  });
  refreshes.push(refresh);
  return refresh;
};

const settled = (metric: string, count: number, dimensions?: Record<string, string>) =>
  vi.waitFor(() => expect(telemetry.countOf(metric, dimensions)).toBe(count), { timeout: 10_000 });

/** The broker's days for the range asked on 2026-11-23, with Monday 2026-11-23 itself closed. */
const brokerDaysWithoutToday = () => {
  const days = [];
  for (let ms = Date.parse('2026-11-16T00:00:00Z'); ms <= Date.parse('2027-12-28T00:00:00Z'); ms += 86_400_000) {
    const date = new Date(ms).toISOString().slice(0, 10);
    if ([0, 6].includes(new Date(ms).getUTCDay()) || date === '2026-11-23') continue;
    days.push(calendarDay(date, date === '2026-11-27' ? '13:00' : '16:00'));
  }
  return days;
};

beforeEach(async () => {
  timers = new ManualTimers(NOW);
  telemetry = new InMemoryTelemetry();
  logged = [];
  fake = await FakeAlpaca.start({ now: () => timers.now() });
  fake.bars.set('AAPL', [dailyBar('2026-11-20', 50_000_000)]);
  store = (await freshStores()).stores.marketDataStore;
});

afterEach(async () => {
  await Promise.all(refreshes.splice(0).map((refresh) => refresh.stop()));
  await fake.close();
  resetInstalledCalendars();
});

describe('the trading calendar refresh', () => {
  it('asks the broker for today − 7 days through today + 400 days', () => {
    expect(calendarRange(NOW)).toEqual({ start: '2026-11-16', end: '2027-12-28' });
  });

  it('stores the broker’s calendar and installs it in the feed’s process as soon as the refresh starts', async () => {
    fake.calendar.set(brokerDaysWithoutToday());
    const isOpen = marketHours({ defaultMarket: 'XNYS', bySymbol: {} });
    expect(isOpen('AAPL', NOW)).toBe(true);
    refreshWith().start();
    await settled(CALENDAR_METRICS.refreshed, 1, { market: 'XNYS' });
    expect(fake.requestsTo(ROUTE)[0]?.query).toEqual({ start: '2026-11-16', end: '2027-12-28' });
    const stored = await store.getCalendar('XNYS');
    expect(stored).toMatchObject({ market: 'XNYS', range: { start: '2026-11-16', end: '2027-12-28' }, fetchedAt: '2026-11-23T15:00:00.000Z' });
    expect(stored?.calendar).toMatchObject({ kind: 'exchange', coversThrough: '2027-12-28', halfDays: { '2026-11-27': '13:00' } });
    expect(stored?.calendar.kind === 'exchange' && stored.calendar.holidays).toEqual(['2026-11-23']);
    expect(compileMarket('XNYS').calendar).toEqual(stored?.calendar);
    expect(isOpen('AAPL', NOW)).toBe(false);
    await settled(REFERENCE_METRICS.refreshed, 1);
  });

  it('refreshes the calendar again with the reference data every day', async () => {
    const refresh = refreshWith();
    refresh.start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    timers.advance(Date.parse('2026-11-24T12:00:00.000Z') - NOW);
    await settled(REFERENCE_METRICS.refreshed, 2);
    expect(fake.requestsTo(ROUTE).map((request) => request.query.start)).toEqual(['2026-11-16', '2026-11-17']);
    await expect(store.getCalendar('XNYS')).resolves.toMatchObject({ fetchedAt: '2026-11-24T12:00:00.000Z' });
  });

  it('keeps the stored and installed calendars when the broker answers a day it cannot use, counts it and still writes the reference', async () => {
    fake.calendar.set([calendarDay('2026-11-24'), calendarDay('2026-11-25', '16:00', { open: '10:00' })]);
    refreshWith().start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    expect(telemetry.countOf(CALENDAR_METRICS.refreshFailed, { market: 'XNYS', stage: 'read' })).toBe(1);
    expect(logged.find((line) => line.message === 'trading calendar refresh failed; the stored calendar stays')?.attributes.error).toContain('2026-11-25.open: must be 09:30');
    await expect(store.getCalendar('XNYS')).resolves.toBeUndefined();
    expect(compileMarket('XNYS').calendar).toEqual(MARKET_CALENDARS.XNYS);
    expect(isMarketOpen(compileMarket('XNYS'), NOW)).toBe(true);
  });

  it('counts a write the table refuses and still writes the reference', async () => {
    refreshWith({ putCalendar: () => Promise.reject(new Error('throttled')) }).start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    expect(telemetry.countOf(CALENDAR_METRICS.refreshFailed, { market: 'XNYS', stage: 'write' })).toBe(1);
    expect(telemetry.countOf(CALENDAR_METRICS.refreshed, { market: 'XNYS' })).toBe(0);
  });
});
