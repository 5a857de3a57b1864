// The account limits override's storage port: read with its version, written only over the version read (two
// people editing at once cannot silently overwrite each other) and always with its audit entry in the same write.
import type { AuditEntry } from '../audit/audit-entry';

export interface StoredLimitsOverride {
  /** The override as stored (validated by whoever reads it); undefined when the account has none. */
  override: unknown;
  /** Bumped on every write; undefined when the account has none. */
  version: string | undefined;
}

export interface LimitsStore {
  /** Strongly consistent. */
  getLimitsOverride(account: string): Promise<StoredLimitsOverride>;
  /** Writes `override` with `audit` if the stored version is still `expectedVersion` (undefined: no override yet); 'moved' (nothing written) otherwise. */
  putLimitsOverride(account: string, override: unknown, expectedVersion: string | undefined, audit: AuditEntry): Promise<'written' | 'moved'>;
}
