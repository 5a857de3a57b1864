// The market data the dead-man switch relies on, against DynamoDB Local: the feed heartbeat only moves
// forward.
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { MarketDataStore } from '../../../shared/ports/market-data-store';
import { freshTable } from '../../support/dynamo';

let store: MarketDataStore;

beforeEach(async () => {
  const { client, tableName } = await freshTable();
  store = dynamoStores(client, tableName).marketDataStore;
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
