// The feed task's readiness, check by check, at each check's boundary.
import { describe, expect, it } from 'vitest';
import type { FeedHealth } from '../../../shared/feed/feed';
import { feedReadiness, type ReadinessInputs } from '../../../shared/feed/feed-readiness';

const NOW = Date.parse('2026-12-03T15:00:00.000Z');
const healthy: FeedHealth = { activeSource: 'alpaca-iex', lastMarksWrittenAtMs: NOW - 1_000, busReachable: true, stopped: false };
const inputs = (over: Partial<ReadinessInputs> = {}, health: Partial<FeedHealth> = {}): ReadinessInputs => ({
  lease: 'leading',
  health: { ...healthy, ...health },
  marketOpen: true,
  nowMs: NOW,
  marksFreshMs: 10_000,
  ...over,
});

describe('feed readiness', () => {
  it('is ready when it leads, a source is healthy, marks are fresh and the bus took its last call', () => {
    const readiness = feedReadiness(inputs());
    expect(readiness.ready).toBe(true);
    expect(Object.values(readiness.checks).every((c) => c.ok)).toBe(true);
  });

  it('is not ready while it waits for the lease, has lost it or released it', () => {
    for (const lease of ['standby', 'lost', 'released'] as const) {
      const readiness = feedReadiness(inputs({ lease, health: undefined }));
      expect(readiness.ready).toBe(false);
      expect(readiness.checks.lease).toEqual({ ok: false, detail: `lease ${lease}` });
    }
  });

  it('is not ready, and says why, while the feed cannot be wired yet', () => {
    const readiness = feedReadiness(inputs({ lease: 'standby', health: undefined, notStarted: 'secret broker-dev holds no key yet' }));
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.lease).toEqual({ ok: false, detail: 'not started: secret broker-dev holds no key yet' });
  });

  it('is not ready without a healthy market-data source', () => {
    const readiness = feedReadiness(inputs({}, { activeSource: undefined }));
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.source).toEqual({ ok: false, detail: 'no healthy market-data source' });
  });

  it('counts marks written exactly marksFreshMs ago as fresh, and a millisecond older as stale, while the market is open', () => {
    expect(feedReadiness(inputs({}, { lastMarksWrittenAtMs: NOW - 10_000 })).checks.marks.ok).toBe(true);
    const stale = feedReadiness(inputs({}, { lastMarksWrittenAtMs: NOW - 10_001 }));
    expect(stale.ready).toBe(false);
    expect(stale.checks.marks).toEqual({ ok: false, detail: 'marks written 10001 ms ago, over 10000 ms' });
    expect(feedReadiness(inputs({}, { lastMarksWrittenAtMs: undefined })).checks.marks).toEqual({ ok: false, detail: 'no marks written yet' });
  });

  it('does not hold old marks against it while every subscribed market is closed', () => {
    const readiness = feedReadiness(inputs({ marketOpen: false }, { lastMarksWrittenAtMs: undefined }));
    expect(readiness.ready).toBe(true);
    expect(readiness.checks.marks.detail).toBe('market closed; no marks written yet');
  });

  it('is not ready when the bus took nothing on the last call', () => {
    const readiness = feedReadiness(inputs({}, { busReachable: false }));
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.bus).toEqual({ ok: false, detail: 'the bus took nothing on the last call' });
  });
});
