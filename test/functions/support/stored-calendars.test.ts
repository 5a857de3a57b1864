// A Lambda container's calendars follow the one the feed stored (DynamoDB Local): installed at the first
// invocation, read again at most every 5 minutes, and kept as they are when the read fails or the item is missing
// or invalid, each counted and logged; the decision itself is never failed by it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { STORED_CALENDAR_METRICS, STORED_CALENDAR_TTL_MS, StoredCalendars, withStoredCalendars } from '../../../functions/support/stored-calendars';
import type { StoredCalendar } from '../../../shared/calendar/broker-calendar';
import { compileMarket, isMarketOpen, MARKET_CALENDARS, resetInstalledCalendars } from '../../../shared/calendar/trading-calendar';
import type { MarketDataStore } from '../../../shared/ports/market-data-store';
import { freshStores } from '../../support/dynamo';

/** Monday 2026-11-23, 10:00 in New York: open by the built-in calendar. */
const NOW = Date.parse('2026-11-23T15:00:00.000Z');

const stored = (fetchedAt: string, holidays: string[]): StoredCalendar => ({
  market: 'XNYS',
  calendar: { kind: 'exchange', timeZone: 'America/New_York', coversThrough: '2027-12-28', open: '09:30', close: '16:00', weekdays: [1, 2, 3, 4, 5], holidays, halfDays: {} },
  range: { start: '2026-11-16', end: '2027-12-28' },
  fetchedAt,
});

let now: number;
let telemetry: InMemoryTelemetry;
let store: MarketDataStore;
let errors: string[];

const calendarsOver = (over: Pick<MarketDataStore, 'getCalendar'> = store) =>
  new StoredCalendars({ store: over, clock: { now: () => now }, telemetry, log: { info: () => undefined, error: (message) => errors.push(message) } });
const openNow = () => isMarketOpen(compileMarket('XNYS'), NOW);

beforeEach(async () => {
  now = NOW;
  telemetry = new InMemoryTelemetry();
  errors = [];
  store = (await freshStores()).stores.marketDataStore;
});

afterEach(() => resetInstalledCalendars());

describe('stored calendars in a Lambda container', () => {
  it('installs the stored calendar at the first invocation: a day the broker lists as a holiday is closed', async () => {
    await store.putCalendar(stored('2026-11-20T12:00:00.000Z', ['2026-11-23']));
    expect(openNow()).toBe(true);
    await calendarsOver().refresh();
    expect(openNow()).toBe(false);
    expect(telemetry.countOf(STORED_CALENDAR_METRICS.installed, { market: 'XNYS' })).toBe(1);
  });

  it('reads the item again only once 5 minutes have passed, and installs a newer calendar then', async () => {
    await store.putCalendar(stored('2026-11-20T12:00:00.000Z', ['2026-11-23']));
    let reads = 0;
    const calendars = calendarsOver({ getCalendar: (market) => (reads++, store.getCalendar(market)) });
    await calendars.refresh();
    await store.putCalendar(stored('2026-11-23T12:00:00.000Z', []));
    now += STORED_CALENDAR_TTL_MS - 1;
    await calendars.refresh();
    expect(reads).toBe(1);
    expect(openNow()).toBe(false);
    now += 1;
    await calendars.refresh();
    expect(reads).toBe(2);
    expect(openNow()).toBe(true);
  });

  it('does not install an unchanged calendar again, so its caches stay warm', async () => {
    await store.putCalendar(stored('2026-11-20T12:00:00.000Z', ['2026-11-23']));
    const calendars = calendarsOver();
    await calendars.refresh();
    const first = compileMarket('XNYS');
    now += STORED_CALENDAR_TTL_MS;
    await calendars.refresh();
    expect(compileMarket('XNYS')).toBe(first);
    expect(telemetry.countOf(STORED_CALENDAR_METRICS.installed, { market: 'XNYS' })).toBe(1);
  });

  it('keeps the built-in calendar when nothing is stored yet, counting and logging it', async () => {
    await calendarsOver().refresh();
    expect(compileMarket('XNYS').calendar).toEqual(MARKET_CALENDARS.XNYS);
    expect(telemetry.countOf(STORED_CALENDAR_METRICS.notInstalled, { market: 'XNYS', reason: 'missing' })).toBe(1);
    expect(errors).toEqual(['stored calendar not installed; keeping the built-in calendar']);
  });

  it('keeps the calendar installed before when the read fails or the stored one is invalid', async () => {
    await store.putCalendar(stored('2026-11-20T12:00:00.000Z', ['2026-11-23']));
    let fail: 'read' | 'invalid' | undefined;
    const calendars = calendarsOver({
      getCalendar: async (market) => {
        if (fail === 'read') throw new Error('ProvisionedThroughputExceededException');
        const item = await store.getCalendar(market);
        return fail === 'invalid' && item ? { ...item, fetchedAt: '2026-11-23T12:00:00.000Z', calendar: { ...item.calendar, halfDays: { '2026-11-23': '17:00' } } } : item;
      },
    });
    await calendars.refresh();
    for (const reason of ['read', 'invalid'] as const) {
      fail = reason;
      now += STORED_CALENDAR_TTL_MS;
      await calendars.refresh();
      expect(openNow()).toBe(false);
      expect(telemetry.countOf(STORED_CALENDAR_METRICS.notInstalled, { market: 'XNYS', reason })).toBe(1);
    }
    expect(errors.at(-1)).toBe('stored calendar not installed; keeping the calendar installed before');
  });

  it('runs the handler after the calendars are brought up to date, and even when their wiring cannot be built', async () => {
    await store.putCalendar(stored('2026-11-20T12:00:00.000Z', ['2026-11-23']));
    const calendars = calendarsOver();
    const decide = withStoredCalendars(() => calendars, async () => (openNow() ? 'open' : 'closed'));
    await expect(decide({})).resolves.toBe('closed');
    const unwired = withStoredCalendars(() => {
      throw new Error('TABLE_NAME is required');
    }, async () => 'decided');
    await expect(unwired({})).resolves.toBe('decided');
  });
});
