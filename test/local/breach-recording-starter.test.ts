// The starter the local session puts in front of its breaker: every trip goes on to the breaker, and the
// detection time of each breach that started an execution is kept so the halt can be timed from the first.
import { describe, expect, it } from 'vitest';
import { BreachRecordingStarter } from '../../local/breach-recording-starter';
import type { BreakerTrip } from '../../shared/ports/breaker-starter';
import { ACCOUNT } from '../support/fixtures';

const trip = (kind: BreakerTrip['kind'], detectedAt: string): BreakerTrip => ({ breachId: `${kind}.${ACCOUNT}.${detectedAt}`, account: ACCOUNT, kind, reason: 'test', detectedAt });

describe('the breach-recording starter', () => {
  it('passes every trip to the breaker and answers with its outcome', async () => {
    const started: BreakerTrip[] = [];
    const starter = new BreachRecordingStarter(async (t) => {
      started.push(t);
      return started.length === 1 ? 'started' : 'duplicate';
    });
    const first = trip('DRAWDOWN', '2026-11-23T15:00:01.000Z');
    expect(await starter.start(first)).toBe('started');
    expect(await starter.start(first)).toBe('duplicate');
    expect(started).toEqual([first, first]);
  });

  it('keeps the earliest detection among the breaches that started an execution', async () => {
    const starter = new BreachRecordingStarter(async () => 'started');
    await starter.start(trip('INTENT_RATE', '2026-11-23T15:00:02.000Z'));
    await starter.start(trip('FEED_STALE', '2026-11-23T15:00:01.000Z'));
    expect(starter.firstBreachMs).toBe(Date.parse('2026-11-23T15:00:01.000Z'));
  });

  it('counts neither a duplicate start nor a release recovery as a breach', async () => {
    const duplicates = new BreachRecordingStarter(async () => 'duplicate');
    await duplicates.start(trip('DRAWDOWN', '2026-11-23T15:00:01.000Z'));
    const releases = new BreachRecordingStarter(async () => 'started');
    await releases.start(trip('RELEASE', '2026-11-23T15:00:01.000Z'));
    expect(duplicates.firstBreachMs).toBeUndefined();
    expect(releases.firstBreachMs).toBeUndefined();
  });
});
