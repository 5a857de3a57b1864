// The feed's leadership lease: one item that at most one feed holds at a time, so a second feed task (a
// deployment overlap, a stuck task) neither publishes intents twice nor takes the one market-data connection
// the provider allows. Expiry is judged by the caller's clock against the stored `expiresAtMs`.

export interface FeedLeaseRecord {
  /** Who holds it: a feed task's unique holder id (its feed id and a per-process suffix). */
  holder: string;
  /** Epoch ms after which anyone may take it. */
  expiresAtMs: number;
  /** When the holder took it (ISO-8601 UTC). */
  acquiredAt: string;
}

export interface FeedLeaseStore {
  /**
   * Takes the lease for `holder` until `expiresAtMs` when nobody holds it, its holder let it expire before
   * `nowMs`, or `holder` holds it already. True when taken; false when someone else holds it.
   */
  acquire(holder: string, nowMs: number, expiresAtMs: number, acquiredAt: string): Promise<boolean>;
  /** Extends `holder`'s lease to `expiresAtMs`; false when `holder` no longer holds it (it was taken over). */
  renew(holder: string, expiresAtMs: number): Promise<boolean>;
  /** Gives the lease up so a successor takes it at once; nothing happens when `holder` does not hold it. */
  release(holder: string): Promise<void>;
  /** The lease as stored, strongly consistent; undefined when nobody ever took it or it was released. */
  current(): Promise<FeedLeaseRecord | undefined>;
}
