// Which breaker execution a kill-switch release starts: the recovery entry (mode 'recovery', kind RELEASE),
// named RELEASE.<account>.<UTC second of the release>. Pure. Invariants: the id is a valid execution name
// (1-80 characters of [A-Za-z0-9_.:-]); one release starts one execution, and a second start of the same
// release (a retried request) is a duplicate, which counts as done.
import { compactUtcSecond } from '../time/utc';
import { breachIdOf } from '../events/breach-id';
import type { BreakerStarter, BreakerTrip } from '../ports/breaker-starter';

/** What a release hands to the breaker (the kill switch's side of the port). */
export interface RecoveryStart {
  account: string;
  /** The release's reason, given by the person who released. */
  reason: string;
  /** ISO-8601 UTC: when the account went KILLED → HALTED. */
  releasedAt: string;
  /** Who set KILLED (a person, or 'breaker' after an escalation) and who released it: neither may approve. */
  activatedBy: string;
  releasedBy: string;
}

/**
 * `RELEASE.<account>.<yyyymmddThhmmssZ>`. Per second: a person cannot release the same account twice in a
 * second (the second release finds it HALTED, not KILLED), and a retried start of one release agrees.
 */
export const releaseBreachId = (account: string, releasedAt: string): string => breachIdOf('RELEASE', account, compactUtcSecond(Date.parse(releasedAt)));

export const tripFromRelease = (release: RecoveryStart): BreakerTrip => ({
  breachId: releaseBreachId(release.account, release.releasedAt),
  account: release.account,
  kind: 'RELEASE',
  reason: `kill switch released by ${release.releasedBy}: ${release.reason}`,
  detectedAt: release.releasedAt,
  mode: 'recovery',
  release: { activatedBy: release.activatedBy, releasedBy: release.releasedBy },
});

/** The kill switch's startRecovery over a BreakerStarter: a duplicate start is the same release, so done. */
export const startRecoveryWith =
  (starter: BreakerStarter) =>
  async (release: RecoveryStart): Promise<void> => {
    await starter.start(tripFromRelease(release));
  };
