// Which breaker execution a kill-switch release starts: the recovery entry (mode 'recovery', kind RELEASE),
// named RELEASE.<account>.<UTC second of the release>. Pure. Invariants: the id is a valid execution name
// (1-80 characters of [A-Za-z0-9_.:-]); one release starts one execution, and a second start of the same
// release (a retried request) is a duplicate, which counts as done.
import { createHash } from 'node:crypto';
import type { BreakerStarter } from './breaker-starter';
import type { BreakerTrip } from './breaker-tasks';

const EXECUTION_NAME_MAX = 80;
const INVALID_NAME_CHARS = /[^A-Za-z0-9_.:-]/g;

const sanitize = (part: string): string => part.replace(INVALID_NAME_CHARS, '_');

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

/** "2026-11-23T15:10:00.000Z" → "20261123T151000Z": the UTC second of the release. */
export const utcSecondStamp = (iso: string): string => `${new Date(iso).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

/**
 * `RELEASE.<account>.<yyyymmddThhmmssZ>`. Per second: a person cannot release the same account twice in a
 * second (the second release finds it HALTED, not KILLED), and a retried start of one release agrees.
 */
export const releaseBreachId = (account: string, releasedAt: string): string => {
  const stamp = utcSecondStamp(releasedAt);
  const build = (acct: string) => `RELEASE.${acct}.${stamp}`;
  const full = build(sanitize(account));
  if (full.length <= EXECUTION_NAME_MAX) return full;
  // Too long: a prefix of the account and a hash of all of it, so long accounts sharing a prefix differ.
  const hash = createHash('sha256').update(account).digest('hex').slice(0, 8);
  const room = EXECUTION_NAME_MAX - build(`-${hash}`).length;
  return build(`${sanitize(account).slice(0, Math.max(0, room))}-${hash}`).slice(0, EXECUTION_NAME_MAX);
};

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
