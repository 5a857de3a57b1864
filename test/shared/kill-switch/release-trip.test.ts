// Specification of the execution a kill-switch release starts: the recovery entry (mode 'recovery', kind
// RELEASE) named after the account and the release's UTC second, carrying who stopped and who released.
import { describe, expect, it } from 'vitest';
import type { BreakerStarter, BreakerTrip } from '../../../shared/ports/breaker-starter';
import { BreakerExecutionStateSchema } from '../../../shared/breaker/breaker-tasks';
import { releaseBreachId, startRecoveryWith, tripFromRelease, type RecoveryStart } from '../../../shared/kill-switch/release-trip';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:iam::123456789012:user/bob';

const release = (over: Partial<RecoveryStart> = {}): RecoveryStart => ({
  account: 'acct-1',
  reason: 'root cause fixed',
  releasedAt: '2026-11-23T15:10:07.123Z',
  activatedBy: ALICE,
  releasedBy: BOB,
  ...over,
});

describe('the recovery execution of a kill-switch release', () => {
  it('is a RELEASE in mode recovery, detected at the release, naming both people, under RELEASE.<account>.<UTC second>', () => {
    expect(tripFromRelease(release())).toEqual({
      breachId: 'RELEASE.acct-1.20261123T151007Z',
      account: 'acct-1',
      kind: 'RELEASE',
      reason: `kill switch released by ${BOB}: root cause fixed`,
      detectedAt: '2026-11-23T15:10:07.123Z',
      mode: 'recovery',
      release: { activatedBy: ALICE, releasedBy: BOB },
    });
  });

  it('is a valid breaker input', () => {
    expect(BreakerExecutionStateSchema.safeParse(tripFromRelease(release())).success).toBe(true);
  });

  it('is refused as breaker input when a RELEASE lacks the people or the recovery mode (four eyes could not be enforced)', () => {
    const { release: _parties, ...withoutParties } = tripFromRelease(release());
    expect(BreakerExecutionStateSchema.safeParse(withoutParties).success).toBe(false);
    expect(BreakerExecutionStateSchema.safeParse({ ...tripFromRelease(release()), mode: undefined }).success).toBe(false);
  });

  it('names the UTC second whatever offset the time was written with', () => {
    expect(releaseBreachId('acct-1', '2026-11-23T10:10:07.999-05:00')).toBe('RELEASE.acct-1.20261123T151007Z');
  });

  it('keeps ids of the longest accounts within 80 valid execution-name characters and distinct per account', () => {
    const long = (c: string) => `${'a'.repeat(63)}${c}`;
    const a = releaseBreachId(long('x'), '2026-11-23T15:10:07.000Z');
    const b = releaseBreachId(long('y'), '2026-11-23T15:10:07.000Z');
    for (const id of [a, b]) expect(id).toMatch(/^RELEASE\.a+-[0-9a-f]{8}\.20261123T151007Z$/);
    for (const id of [a, b]) expect(id.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
  });

  it('replaces characters an execution name may not hold', () => {
    expect(releaseBreachId('acct 1/x', '2026-11-23T15:10:07.000Z')).toBe('RELEASE.acct_1_x.20261123T151007Z');
  });

  it('counts a duplicate start (the same release retried) as done, and lets a failed start fail the step', async () => {
    const started: BreakerTrip[] = [];
    const duplicate: BreakerStarter = { start: async (trip) => (started.push(trip), 'duplicate') };
    await expect(startRecoveryWith(duplicate)(release())).resolves.toBeUndefined();
    expect(started.map((t) => t.breachId)).toEqual(['RELEASE.acct-1.20261123T151007Z']);

    const failing: BreakerStarter = { start: () => Promise.reject(new Error('ThrottlingException')) };
    await expect(startRecoveryWith(failing)(release())).rejects.toThrow('ThrottlingException');
  });
});
