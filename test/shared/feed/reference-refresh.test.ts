// The reference refresh end to end: daily bars read from the fake Alpaca's data API through the Alpaca adapter,
// the reference item written in DynamoDB Local. It writes ADV and sector for every subscribed symbol when it
// starts and every day at refreshAtUtc; a symbol short of bars loses its ADV and one the document does not name
// gets no sector, both counted; a failed refresh leaves the previous reference as it was and is tried again with
// doubling delays; once stopped it writes nothing.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { alpacaCredentials } from '../../../adapters/broker/alpaca/credentials';
import { itemToReference } from '../../../adapters/dynamodb/items';
import { AlpacaDailyBars } from '../../../adapters/market-data/alpaca/alpaca-daily-bars';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { DEFAULT_FEED_CONFIG, type ReferenceDataConfig } from '../../../shared/feed/feed-config';
import { marketDayStart } from '../../../shared/feed/market-hours';
import { nextDailyRunMs, REFERENCE_METRICS, ReferenceRefresh } from '../../../shared/feed/reference-refresh';
import type { InstrumentReference } from '../../../shared/market/marks';
import type { MarketDataStore } from '../../../shared/ports/market-data-store';
import { keys } from '../../../shared/storage/table-definition';
import { freshStores } from '../../support/dynamo';
import { dailyBar, FakeAlpaca, type WireBar } from '../../support/fake-alpaca';
import { ManualTimers } from '../../support/manual-timers';

const SYMBOLS = ['AAPL', 'MSFT', 'SPY'];
const SECTORS = { AAPL: 'TECHNOLOGY', MSFT: 'TECHNOLOGY', SPY: 'INDEX' };
const ROUTE = 'GET /v2/stocks/bars';
/** Monday 2026-11-23, 10:00 in New York. */
const NOW = Date.parse('2026-11-23T15:00:00.000Z');
const DAY_MS = 86_400_000;

let fake: FakeAlpaca;
let timers: ManualTimers;
let telemetry: InMemoryTelemetry;
let store: MarketDataStore;
let readReference: () => Promise<Record<string, InstrumentReference>>;
let logged: { level: string; message: string; attributes: Record<string, unknown> }[];
const refreshes: ReferenceRefresh[] = [];

/** `count` weekday bars ending on Friday 2026-11-20, volumes base, base + 1, … (oldest first). */
const weekdaysThroughFriday = (base: number, count: number): WireBar[] => {
  const dates: string[] = [];
  for (let day = Date.parse('2026-11-20T00:00:00Z'); dates.length < count; day -= DAY_MS) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) dates.unshift(new Date(day).toISOString().slice(0, 10));
  }
  return dates.map((date, i) => dailyBar(date, base + i));
};

/** The mean of base … base + 19 is base + 9.5: rounded down, base + 9. */
const adv20 = (base: number): string => String(base + 9);

const refreshFor = (over: { symbols?: string[]; config?: Partial<ReferenceDataConfig> } = {}): ReferenceRefresh => {
  const refresh = new ReferenceRefresh({
    symbols: over.symbols ?? SYMBOLS,
    sectors: SECTORS,
    volumes: new AlpacaDailyBars({ baseUrl: fake.restUrl, credentials: alpacaCredentials(fake.keyId, fake.secretKey), feed: 'sip', maxRetries: 0, now: () => timers.now() }),
    store,
    config: { ...DEFAULT_FEED_CONFIG.referenceData, ...over.config },
    dayStart: marketDayStart({ defaultMarket: 'XNYS', bySymbol: {} }),
    clock: timers,
    telemetry,
    log: {
      info: (message, ...attributes) => logged.push({ level: 'info', message, attributes: Object.assign({}, ...attributes) }),
      error: (message, ...attributes) => logged.push({ level: 'error', message, attributes: Object.assign({}, ...attributes) }),
    },
    timers,
  });
  refreshes.push(refresh);
  return refresh;
};

const settled = (metric: string, count: number) => vi.waitFor(() => expect(telemetry.countOf(metric)).toBe(count), { timeout: 10_000 });

beforeEach(async () => {
  timers = new ManualTimers(NOW);
  telemetry = new InMemoryTelemetry();
  logged = [];
  fake = await FakeAlpaca.start({ now: () => timers.now() });
  fake.bars.set('AAPL', weekdaysThroughFriday(50_000_000, 25));
  fake.bars.set('MSFT', weekdaysThroughFriday(20_000_000, 25));
  fake.bars.set('SPY', weekdaysThroughFriday(60_000_000, 25));
  const { client, tableName, stores } = await freshStores();
  store = stores.marketDataStore;
  const documents = DynamoDBDocumentClient.from(client);
  readReference = async () => itemToReference((await documents.send(new GetCommand({ TableName: tableName, Key: keys.reference(), ConsistentRead: true }))).Item);
});

afterEach(async () => {
  await Promise.all(refreshes.splice(0).map((refresh) => refresh.stop()));
  await fake.close();
});

describe('the reference refresh', () => {
  it('writes ADV and sector of every subscribed symbol into the reference item as soon as it starts', async () => {
    refreshFor().start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    // The 20 sessions before today: bars 5..24 of 25, volumes base + 5 … base + 24.
    await expect(readReference()).resolves.toEqual({
      AAPL: { adv: adv20(50_000_005), sector: 'TECHNOLOGY' },
      MSFT: { adv: adv20(20_000_005), sector: 'TECHNOLOGY' },
      SPY: { adv: adv20(60_000_005), sector: 'INDEX' },
    });
    expect(fake.requestsTo(ROUTE)).toHaveLength(1);
    expect(fake.requestsTo(ROUTE)[0]?.query).toMatchObject({ symbols: 'AAPL,MSFT,SPY', feed: 'sip', start: '2026-10-12T05:00:00.000Z', end: '2026-11-23T04:59:59.999Z' });
  });

  it('writes no ADV for a symbol with fewer than 20 complete daily bars, taking away the one it had, and counts it', async () => {
    await store.putReference({ SPY: { adv: '60000000', sector: 'INDEX' } });
    fake.bars.set('SPY', weekdaysThroughFriday(60_000_000, 19));
    refreshFor().start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    expect((await readReference()).SPY).toEqual({ sector: 'INDEX' });
    expect(telemetry.countOf(REFERENCE_METRICS.dataMissing, { field: 'adv' })).toBe(1);
    expect(logged.find((line) => line.message === 'reference data written without an ADV')?.attributes).toEqual({ field: 'adv', symbols: ['SPY'], rule: 'fewer than 20 complete daily bars' });
  });

  it('gives no sector to a subscribed symbol the document does not name, and counts it', async () => {
    fake.bars.set('QQQ', weekdaysThroughFriday(40_000_000, 20));
    refreshFor({ symbols: [...SYMBOLS, 'QQQ', 'XLE'] }).start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    const reference = await readReference();
    expect(reference.QQQ).toEqual({ adv: adv20(40_000_000) });
    // Neither bars nor a sector: written empty, so nothing stale is left for the risk function to trust.
    expect(reference.XLE).toEqual({});
    expect(telemetry.countOf(REFERENCE_METRICS.dataMissing, { field: 'sector' })).toBe(2);
    expect(telemetry.countOf(REFERENCE_METRICS.dataMissing, { field: 'adv' })).toBe(1);
  });

  it('refreshes again every day at refreshAtUtc, on that day’s bars', async () => {
    const refresh = refreshFor();
    refresh.start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    expect(refresh.nextRunAtMs).toBe(Date.parse('2026-11-24T12:00:00.000Z'));
    fake.bars.set('AAPL', [...weekdaysThroughFriday(50_000_000, 25), dailyBar('2026-11-23', 80_000_000)]);
    timers.advance(Date.parse('2026-11-24T12:00:00.000Z') - NOW);
    await settled(REFERENCE_METRICS.refreshed, 2);
    expect(fake.requestsTo(ROUTE)[1]?.query).toMatchObject({ end: '2026-11-24T04:59:59.999Z' });
    // Monday's bar is complete on Tuesday: it joins the last 19 of Friday's, (19 × 50,000,000 + 6 + … + 24 + 80,000,000) / 20 = 51,500,014.25.
    expect((await readReference()).AAPL?.adv).toBe('51500014');
    expect(refresh.nextRunAtMs).toBe(Date.parse('2026-11-25T12:00:00.000Z'));
  });

  it('keeps the previous reference when the bars cannot be read, and tries again after retryFirstMs, doubling to retryMaxMs', async () => {
    const refresh = refreshFor({ config: { retryFirstMs: 60_000, retryMaxMs: 150_000 } });
    refresh.start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    const before = await readReference();
    fake.bars.set('AAPL', weekdaysThroughFriday(1, 25));
    fake.inject(ROUTE, ...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const dailyAt = Date.parse('2026-11-24T12:00:00.000Z');
    timers.advance(dailyAt - NOW);
    await settled(REFERENCE_METRICS.refreshFailed, 1);
    expect(refresh.nextRunAtMs).toBe(dailyAt + 60_000);
    timers.advance(60_000);
    await settled(REFERENCE_METRICS.refreshFailed, 2);
    expect(refresh.nextRunAtMs).toBe(dailyAt + 60_000 + 120_000);
    timers.advance(120_000);
    await settled(REFERENCE_METRICS.refreshFailed, 3);
    expect(refresh.nextRunAtMs).toBe(dailyAt + 180_000 + 150_000);
    await expect(readReference()).resolves.toEqual(before);
    expect(logged.filter((line) => line.message === 'reference data refresh failed; the stored reference stays').map((line) => line.attributes.retryInMs)).toEqual([60_000, 120_000, 150_000]);

    timers.advance(150_000);
    await settled(REFERENCE_METRICS.refreshed, 2);
    expect((await readReference()).AAPL?.adv).not.toBe(before.AAPL?.adv);
    expect(refresh.nextRunAtMs).toBe(Date.parse('2026-11-25T12:00:00.000Z'));
  });

  it('keeps the previous reference when one bar is malformed, and says which', async () => {
    const refresh = refreshFor();
    await refresh.refresh();
    const before = await readReference();
    fake.bars.set('MSFT', [...weekdaysThroughFriday(1, 24), dailyBar('2026-11-23', 10.5)]);
    timers.advance(DAY_MS);
    await expect(refresh.refresh()).rejects.toThrow(/bars\.MSFT\[24\]\.v: must be a non-negative whole number of shares/);
    await expect(readReference()).resolves.toEqual(before);
  });

  it('writes nothing once stopped, even when its read was under way, and leaves no timer behind', async () => {
    fake.inject(ROUTE, { kind: 'delay', ms: 200 });
    const refresh = refreshFor();
    refresh.start();
    await vi.waitFor(() => expect(fake.requestsTo(ROUTE)).toHaveLength(1));
    await refresh.stop();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(readReference()).resolves.toEqual({});
    expect(timers.pending).toBe(0);
    expect(refresh.nextRunAtMs).toBeUndefined();
    expect(telemetry.countOf(REFERENCE_METRICS.refreshed) + telemetry.countOf(REFERENCE_METRICS.refreshFailed)).toBe(0);
  });

  it('starts once, however often it is started', async () => {
    const refresh = refreshFor();
    refresh.start();
    refresh.start();
    await settled(REFERENCE_METRICS.refreshed, 1);
    expect(fake.requestsTo(ROUTE)).toHaveLength(1);
  });
});

describe('the daily time', () => {
  it('is the next HH:MM UTC strictly after now', () => {
    expect(nextDailyRunMs(Date.parse('2026-11-23T11:59:59.999Z'), '12:00')).toBe(Date.parse('2026-11-23T12:00:00.000Z'));
    expect(nextDailyRunMs(Date.parse('2026-11-23T12:00:00.000Z'), '12:00')).toBe(Date.parse('2026-11-24T12:00:00.000Z'));
    expect(nextDailyRunMs(Date.parse('2026-11-23T23:30:00.000Z'), '00:15')).toBe(Date.parse('2026-11-24T00:15:00.000Z'));
  });
});
