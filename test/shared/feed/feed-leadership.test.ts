// The feed's leadership over its lease: a standby waits, a leader renews, trusts its lease only until the margin
// before expiry, and a successor leads only after that; property: never two leaders at once, with any
// interleaving, storage failures and clock skew below the margin.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { DEFAULT_FEED_CONFIG } from '../../../shared/feed/feed-config';
import { FeedLeadership, LEASE_METRICS } from '../../../shared/feed/feed-leadership';
import type { Clock } from '../../../shared/ports/clock';
import type { FeedLeaseStore } from '../../../shared/ports/feed-lease-store';
import { freshTable } from '../../support/dynamo';
import { ManualClock, silentLogger } from '../../support/fixtures';
import { MemoryFeedLeaseStore } from '../../support/memory-feed-lease-store';

const TIMING = DEFAULT_FEED_CONFIG.lease; // ttl 15 s, trusted until 5 s before expiry
const TRUST_MS = TIMING.ttlMs - TIMING.trustMarginMs;

const feed = (store: FeedLeaseStore, holder: string, clock: Clock, telemetry = new InMemoryTelemetry()) =>
  new FeedLeadership({ store, holder, timing: TIMING, clock, telemetry, log: silentLogger });

const dynamoLease = async () => {
  const { client, tableName } = await freshTable();
  return dynamoStores(client, tableName).feedLeaseStore;
};

describe('feed leadership', () => {
  it('leads once it takes a free lease; a second feed waits and is told who holds it', async () => {
    const store = await dynamoLease();
    const clock = new ManualClock();
    const a = feed(store, 'feed-prod#a', clock);
    const b = feed(store, 'feed-prod#b', clock);
    await expect(a.tryLead()).resolves.toEqual({ leading: true });
    await expect(b.tryLead()).resolves.toMatchObject({ leading: false, heldBy: { holder: 'feed-prod#a' } });
    expect([a.isLeading(), b.isLeading()]).toEqual([true, false]);
    expect(b.state).toBe('standby');
  });

  it('trusts a lease it cannot renew until just before the margin, stops leading at it, and counts each failed renewal', async () => {
    const store = new MemoryFeedLeaseStore();
    const clock = new ManualClock();
    const telemetry = new InMemoryTelemetry();
    const a = feed(store, 'feed-prod#a', clock, telemetry);
    await a.tryLead();
    store.failing = true;
    clock.advance(TRUST_MS - 1);
    await expect(a.renew()).resolves.toBe('leading');
    expect(telemetry.countOf(LEASE_METRICS.renewalFailed)).toBe(1);
    clock.advance(1);
    expect(a.isLeading()).toBe(false);
    expect(a.state).toBe('lost');
    expect(telemetry.countOf(LEASE_METRICS.lost)).toBe(1);
  });

  it('lets a successor lead only after the lease expires, by which time the old leader has stopped trusting it', async () => {
    const store = await dynamoLease();
    const clock = new ManualClock();
    const a = feed(store, 'feed-prod#a', clock);
    const b = feed(store, 'feed-prod#b', clock);
    await a.tryLead();
    clock.advance(TIMING.ttlMs);
    await expect(b.tryLead()).resolves.toMatchObject({ leading: false });
    expect(a.isLeading()).toBe(false);
    clock.advance(1);
    await expect(b.tryLead()).resolves.toEqual({ leading: true });
  });

  it('loses the lease at its next renewal when another feed took it over', async () => {
    const store = await dynamoLease();
    const clock = new ManualClock();
    const a = feed(store, 'feed-prod#a', clock);
    await a.tryLead();
    await store.acquire('feed-prod#b', clock.now() + TIMING.ttlMs + 1, clock.now() + 2 * TIMING.ttlMs, '2026-11-23T15:00:16.000Z');
    await expect(a.renew()).resolves.toBe('lost');
    expect(a.isLeading()).toBe(false);
  });

  it('keeps leading while renewals succeed, for as long as they do', async () => {
    const store = await dynamoLease();
    const clock = new ManualClock();
    const a = feed(store, 'feed-prod#a', clock);
    await a.tryLead();
    for (let i = 0; i < 5; i++) {
      clock.advance(TRUST_MS - 1);
      await expect(a.renew()).resolves.toBe('leading');
    }
  });

  it('hands over at once on release: the successor need not wait for expiry', async () => {
    const store = await dynamoLease();
    const clock = new ManualClock();
    const a = feed(store, 'feed-prod#a', clock);
    const b = feed(store, 'feed-prod#b', clock);
    await a.tryLead();
    await a.release();
    expect(a.state).toBe('released');
    await expect(b.tryLead()).resolves.toEqual({ leading: true });
  });

  it('counts a storage failure while asking as not taken, and asks again later', async () => {
    const store = new MemoryFeedLeaseStore();
    const a = feed(store, 'feed-prod#a', new ManualClock());
    store.failing = true;
    await expect(a.tryLead()).resolves.toEqual({ leading: false });
    store.failing = false;
    await expect(a.tryLead()).resolves.toEqual({ leading: true });
  });

  it('never has two feeds leading at once, whatever the interleaving, storage failures and clock skew below the margin', async () => {
    type Step = { kind: 'advance'; ms: number } | { kind: 'step'; feed: number } | { kind: 'release'; feed: number } | { kind: 'storage'; failing: boolean };
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('advance' as const),
        // The edges matter: a renewal's trust running out, the lease's expiry, a millisecond either side.
        ms: fc.oneof(fc.integer({ min: 0, max: TIMING.ttlMs }), fc.constantFrom(1, TIMING.trustMarginMs, TRUST_MS - 1, TRUST_MS, TIMING.ttlMs, TIMING.ttlMs + 1)),
      }),
      fc.record({ kind: fc.constant('step' as const), feed: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('release' as const), feed: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('storage' as const), failing: fc.boolean() }),
    );
    const offsets = fc.array(fc.integer({ min: 0, max: TIMING.trustMarginMs - 1 }), { minLength: 3, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(offsets, fc.array(step, { maxLength: 80 }), async (skews, steps: Step[]) => {
        const store = new MemoryFeedLeaseStore();
        const world = new ManualClock();
        const feeds = skews.map((skew, i) => feed(store, `feed-prod#${i}`, { now: () => world.now() + skew }));
        for (const s of steps) {
          if (s.kind === 'advance') world.advance(s.ms);
          else if (s.kind === 'storage') store.failing = s.failing;
          else if (s.kind === 'release') await feeds[s.feed]?.release();
          else {
            const f = feeds[s.feed];
            if (f?.state === 'standby') await f.tryLead();
            else await f?.renew();
          }
          expect(feeds.filter((f) => f.isLeading()).length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
