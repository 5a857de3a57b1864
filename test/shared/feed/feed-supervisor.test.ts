// The feed task's life around its lease: a standby starts nothing, the feed starts once the lease is taken,
// renewals keep it, a lost lease abandons it, and a stop drains while the lease is still held, then releases.
import { describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { DEFAULT_FEED_CONFIG } from '../../../shared/feed/feed-config';
import { FeedLeadership } from '../../../shared/feed/feed-leadership';
import { FeedSupervisor, type LeadingRun } from '../../../shared/feed/feed-supervisor';
import { ManualClock, silentLogger } from '../../support/fixtures';
import { MemoryFeedLeaseStore } from '../../support/memory-feed-lease-store';

const TIMING = DEFAULT_FEED_CONFIG.lease;

class RecordingRun implements LeadingRun {
  readonly calls: string[] = [];
  constructor(private readonly store: MemoryFeedLeaseStore) {}
  async stop(): Promise<void> {
    this.calls.push(`stop (lease held by ${this.store.record?.holder ?? 'nobody'})`);
  }
  async abandon(): Promise<void> {
    this.calls.push('abandon');
  }
}

const setup = (holder = 'feed-prod#a') => {
  const store = new MemoryFeedLeaseStore();
  const clock = new ManualClock();
  const run = new RecordingRun(store);
  let started = 0;
  const leadership = new FeedLeadership({ store, holder, timing: TIMING, clock, telemetry: new InMemoryTelemetry(), log: silentLogger });
  const supervisor = new FeedSupervisor({
    leadership,
    lead: async () => {
      started++;
      return run;
    },
    log: silentLogger,
  });
  return { store, clock, run, supervisor, started: () => started };
};

describe('the feed supervisor', () => {
  it('starts nothing while another feed holds the lease, and starts the feed once it takes the lease', async () => {
    const { store, clock, supervisor, started } = setup();
    await store.acquire('feed-prod#old', clock.now(), clock.now() + TIMING.ttlMs, '2026-11-23T15:00:00.000Z');
    await expect(supervisor.step()).resolves.toBe('standby');
    clock.advance(TIMING.ttlMs);
    await expect(supervisor.step()).resolves.toBe('standby');
    expect(started()).toBe(0);
    clock.advance(1);
    await expect(supervisor.step()).resolves.toBe('leading');
    expect(started()).toBe(1);
  });

  it('renews the lease on every step while it leads, and starts the feed only once', async () => {
    const { store, clock, supervisor, started } = setup();
    await supervisor.step();
    clock.advance(1_000);
    await supervisor.step();
    expect(store.record?.expiresAtMs).toBe(clock.now() + TIMING.ttlMs);
    expect(started()).toBe(1);
  });

  it('abandons the feed, once, when another feed takes the lease over', async () => {
    const { store, clock, run, supervisor } = setup();
    await supervisor.step();
    store.record = { holder: 'feed-prod#b', expiresAtMs: clock.now() + TIMING.ttlMs, acquiredAt: '2026-11-23T15:00:00.000Z' };
    await expect(supervisor.step()).resolves.toBe('lost');
    await supervisor.step();
    expect(run.calls).toEqual(['abandon']);
  });

  it('abandons the feed when its renewals fail past the margin', async () => {
    const { store, clock, run, supervisor } = setup();
    await supervisor.step();
    store.failing = true;
    clock.advance(TIMING.ttlMs - TIMING.trustMarginMs);
    await expect(supervisor.step()).resolves.toBe('lost');
    expect(run.calls).toEqual(['abandon']);
  });

  it('drains the feed while it still holds the lease, then releases it', async () => {
    const { store, run, supervisor } = setup();
    await supervisor.step();
    await supervisor.stop();
    expect(run.calls).toEqual(['stop (lease held by feed-prod#a)']);
    expect(store.record).toBeUndefined();
    expect(supervisor.state).toBe('released');
  });

  it('only gives up waiting when stopped as a standby: the other feed keeps its lease', async () => {
    const { store, clock, run, supervisor } = setup();
    await store.acquire('feed-prod#old', clock.now(), clock.now() + TIMING.ttlMs, '2026-11-23T15:00:00.000Z');
    await supervisor.step();
    await supervisor.stop();
    expect(run.calls).toEqual([]);
    expect(store.record?.holder).toBe('feed-prod#old');
    clock.advance(TIMING.ttlMs + 1);
    await expect(supervisor.step()).resolves.toBe('released');
  });

  it('releases the lease and fails when the feed cannot start', async () => {
    const store = new MemoryFeedLeaseStore();
    const clock = new ManualClock();
    const leadership = new FeedLeadership({ store, holder: 'feed-prod#a', timing: TIMING, clock, telemetry: new InMemoryTelemetry(), log: silentLogger });
    const supervisor = new FeedSupervisor({ leadership, lead: () => Promise.reject(new Error('strategy module not found')), log: silentLogger });
    await expect(supervisor.step()).rejects.toThrow('strategy module not found');
    expect(store.record).toBeUndefined();
  });
});
