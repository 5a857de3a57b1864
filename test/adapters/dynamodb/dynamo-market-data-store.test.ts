// The market data the dead-man switch and the calendar readers rely on, against DynamoDB Local: the feed
// heartbeat and the stored calendar only move forward.
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { DynamoTable } from '../../../adapters/dynamodb/dynamo-table';
import type { StoredCalendar } from '../../../shared/calendar/broker-calendar';
import type { MarketDataStore } from '../../../shared/ports/market-data-store';
import { keys } from '../../../shared/storage/table-definition';
import { freshTable } from '../../support/dynamo';

let store: MarketDataStore;
let table: DynamoTable;

beforeEach(async () => {
  const { client, tableName } = await freshTable();
  store = dynamoStores(client, tableName).marketDataStore;
  table = new DynamoTable(client, tableName);
});

describe('the feed heartbeat', () => {
  it('reads as undefined before any feed wrote one', async () => {
    await expect(store.getFeedHeartbeat()).resolves.toBeUndefined();
  });

  it('reads back the latest heartbeat with the feed that wrote it', async () => {
    await store.putFeedHeartbeat('feed-a', '2026-11-23T15:00:00.000Z');
    await store.putFeedHeartbeat('feed-b', '2026-11-23T15:00:01.000Z');
    await expect(store.getFeedHeartbeat()).resolves.toEqual({ feedId: 'feed-b', at: '2026-11-23T15:00:01.000Z' });
  });

  it('never moves back: an older heartbeat (a second feed task lagging) changes nothing and is no error', async () => {
    await store.putFeedHeartbeat('feed-a', '2026-11-23T15:00:05.000Z');
    await expect(store.putFeedHeartbeat('feed-b', '2026-11-23T15:00:04.999Z')).resolves.toBeUndefined();
    await store.putFeedHeartbeat('feed-b', '2026-11-23T15:00:05.000Z');
    await expect(store.getFeedHeartbeat()).resolves.toEqual({ feedId: 'feed-a', at: '2026-11-23T15:00:05.000Z' });
  });
});

describe('the stored trading calendar', () => {
  const stored = (fetchedAt: string, holidays: string[] = ['2026-12-25']): StoredCalendar => ({
    market: 'XNYS',
    calendar: { kind: 'exchange', timeZone: 'America/New_York', coversThrough: '2028-01-07', open: '09:30', close: '16:00', weekdays: [1, 2, 3, 4, 5], holidays, halfDays: { '2026-12-24': '13:00' } },
    range: { start: '2026-11-26', end: '2028-01-07' },
    fetchedAt,
  });

  it('reads as undefined before the feed stored one', async () => {
    await expect(store.getCalendar('XNYS')).resolves.toBeUndefined();
  });

  it('reads back the calendar as stored, weekdays as numbers, with the range and when it was fetched', async () => {
    await store.putCalendar(stored('2026-12-03T17:00:00.000Z'));
    await expect(store.getCalendar('XNYS')).resolves.toEqual(stored('2026-12-03T17:00:00.000Z'));
  });

  it('never moves back: a calendar fetched earlier than the stored one changes nothing', async () => {
    await store.putCalendar(stored('2026-12-03T17:00:00.000Z', ['2026-12-25']));
    await store.putCalendar(stored('2026-12-02T17:00:00.000Z', ['2026-12-28']));
    await expect(store.getCalendar('XNYS')).resolves.toMatchObject({ calendar: { holidays: ['2026-12-25'] } });
    await store.putCalendar(stored('2026-12-04T17:00:00.000Z', ['2026-12-28']));
    await expect(store.getCalendar('XNYS')).resolves.toMatchObject({ calendar: { holidays: ['2026-12-28'] } });
  });

  it('refuses an item that is not a calendar, naming the field and rule', async () => {
    await table.put('PutItem (test)', { Item: { ...keys.calendar('XNYS'), market: 'XNYS', calendar: '{"kind":"exchange"}', range: { start: '2026-11-26', end: '2028-01-07' }, fetchedAt: 'yesterday' } });
    await expect(store.getCalendar('XNYS')).rejects.toThrow(/CALENDAR#XNYS\.calendar\.timeZone.*CALENDAR#XNYS\.fetchedAt: must be an ISO 8601 UTC time/);
    await table.put('PutItem (test)', { Item: { ...keys.calendar('XNYS'), calendar: 'not json' } });
    await expect(store.getCalendar('XNYS')).rejects.toThrow(/CALENDAR#XNYS\.calendar: must be JSON text/);
  });
});
