// The feed lease's storage contract, held by the DynamoDB adapter (against DynamoDB Local) and by the in-memory
// store the property tests use: one holder at a time, taken over only after expiry, renewed and released only
// by its holder.
import { describe, expect, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { FeedLeaseStore } from '../../../shared/ports/feed-lease-store';
import { freshTable } from '../../support/dynamo';
import { MemoryFeedLeaseStore } from '../../support/memory-feed-lease-store';

const T0 = Date.parse('2026-12-03T15:00:00.000Z');
const AT = '2026-12-03T15:00:00.000Z';

const stores: [string, () => Promise<FeedLeaseStore>][] = [
  ['DynamoDB', async () => { const { client, tableName } = await freshTable(); return dynamoStores(client, tableName).feedLeaseStore; }],
  ['in memory', async () => new MemoryFeedLeaseStore()],
];

describe.each(stores)('the feed lease (%s)', (_, make) => {
  it('is free before anyone took it, and taken by the first holder who asks', async () => {
    const store = await make();
    await expect(store.current()).resolves.toBeUndefined();
    await expect(store.acquire('feed-a#1', T0, T0 + 15_000, AT)).resolves.toBe(true);
    await expect(store.current()).resolves.toEqual({ holder: 'feed-a#1', expiresAtMs: T0 + 15_000, acquiredAt: AT });
  });

  it('refuses a second holder until the lease has expired: at its expiry it is still held, a millisecond later it is free', async () => {
    const store = await make();
    await store.acquire('feed-a#1', T0, T0 + 15_000, AT);
    await expect(store.acquire('feed-a#2', T0 + 15_000, T0 + 30_000, AT)).resolves.toBe(false);
    await expect(store.acquire('feed-a#2', T0 + 15_001, T0 + 30_001, AT)).resolves.toBe(true);
    await expect(store.current()).resolves.toMatchObject({ holder: 'feed-a#2' });
  });

  it('lets its holder take it again while it holds it', async () => {
    const store = await make();
    await store.acquire('feed-a#1', T0, T0 + 15_000, AT);
    await expect(store.acquire('feed-a#1', T0 + 1_000, T0 + 16_000, AT)).resolves.toBe(true);
  });

  it('is renewed by its holder only: a renewal by anyone else changes nothing', async () => {
    const store = await make();
    await store.acquire('feed-a#1', T0, T0 + 15_000, AT);
    await expect(store.renew('feed-a#1', T0 + 20_000)).resolves.toBe(true);
    await expect(store.renew('feed-a#2', T0 + 99_000)).resolves.toBe(false);
    await expect(store.current()).resolves.toMatchObject({ holder: 'feed-a#1', expiresAtMs: T0 + 20_000 });
  });

  it('cannot be renewed once another holder took it over after it expired', async () => {
    const store = await make();
    await store.acquire('feed-a#1', T0, T0 + 15_000, AT);
    await store.acquire('feed-a#2', T0 + 16_000, T0 + 31_000, AT);
    await expect(store.renew('feed-a#1', T0 + 32_000)).resolves.toBe(false);
  });

  it('is released by its holder only, and is free at once after', async () => {
    const store = await make();
    await store.acquire('feed-a#1', T0, T0 + 15_000, AT);
    await store.release('feed-a#2');
    await expect(store.current()).resolves.toMatchObject({ holder: 'feed-a#1' });
    await store.release('feed-a#1');
    await expect(store.current()).resolves.toBeUndefined();
    await expect(store.acquire('feed-a#2', T0 + 1, T0 + 15_001, AT)).resolves.toBe(true);
  });

  it('goes to exactly one of many holders asking at the same moment', async () => {
    const store = await make();
    const asked = await Promise.all(Array.from({ length: 8 }, (_, i) => store.acquire(`feed-a#${i}`, T0, T0 + 15_000, AT)));
    expect(asked.filter(Boolean)).toHaveLength(1);
    await expect(store.current()).resolves.toMatchObject({ holder: `feed-a#${asked.indexOf(true)}` });
  });
});
