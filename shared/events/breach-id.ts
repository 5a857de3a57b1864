// Breach ids: every breaker execution is named after one, so each must be a valid Step Functions execution
// name (1-80 characters of [A-Za-z0-9_.:-]). One builder for every source (risk, feed, dead-man switch,
// reconciliation, alarms, releases). Pure. Invariant: the same inputs give the same id, and two long
// subjects that share a prefix still get distinct ids.
import { createHash } from 'node:crypto';

export const EXECUTION_NAME_MAX = 80;
const INVALID_NAME_CHARS = /[^A-Za-z0-9_.:-]/g;

const sanitize = (part: string): string => part.replace(INVALID_NAME_CHARS, '_');

/**
 * `<prefix>.<subject>.<suffix>`, characters outside the set replaced by `_`. When that is over 80
 * characters, the subject is cut to fit and followed by `-` and 8 hex digits of a hash of `hashOf` (default:
 * the subject), so long subjects sharing a prefix stay apart.
 */
export const breachIdOf = (prefix: string, subject: string, suffix: string, hashOf: string = subject): string => {
  const p = sanitize(prefix);
  const s = sanitize(suffix);
  const full = `${p}.${sanitize(subject)}.${s}`;
  if (full.length <= EXECUTION_NAME_MAX) return full;
  const hash = createHash('sha256').update(hashOf).digest('hex').slice(0, 8);
  const room = EXECUTION_NAME_MAX - `${p}..${s}`.length - hash.length - 1;
  return `${p}.${sanitize(subject).slice(0, Math.max(0, room))}-${hash}.${s}`.slice(0, EXECUTION_NAME_MAX);
};
