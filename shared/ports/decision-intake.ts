// The risk function's intake port: one decider at a time per account (a lease with an expiry, so a decider
// that died is taken over), and the intents that arrived while another invocation held it, parked in arrival
// order until that decider takes them; a delivery parks and then notifies the holder, and the holder's release
// says whether anyone did, so no intent is left behind by a decider that was just finishing. The lease makes decisions of one account sequential without a lost race
// per decision; the decision's own conditional write stays the guard of correctness if two ever overlap.
import type { DetailOf } from '../events/catalog';
import type { IntentCount } from './risk-store';

type IntendedDetail = DetailOf<'OrderIntended.v1'>;

/** An intent waiting to be decided: the event, its flood count taken on arrival, and when it arrived. */
export interface ParkedIntent {
  intended: IntendedDetail;
  count: ({ ok: true } & IntentCount) | { ok: false; error: string };
  receivedAtMs: number;
}

export interface DecisionIntake {
  /** Takes the account's lease for `owner` when nobody holds it or its holder's lease expired; false otherwise. */
  acquire(account: string, owner: string, nowMs: number, leaseMs: number): Promise<boolean>;
  /**
   * Gives the lease back, if `owner` still holds it. Returns whether an intent was parked for this holder
   * while it held the lease (`notifyHolder`): then it must look at the parked intents once more.
   */
  release(account: string, owner: string): Promise<{ notified: boolean }>;
  /**
   * Tells the live holder an intent was parked for it (called after `park`); false when nobody holds a lease
   * that has not expired, and then the caller decides. One conditional write, ordered with the release.
   */
  notifyHolder(account: string, nowMs: number): Promise<boolean>;
  /** Parks intents for the lease holder (a delivery's one, or a batch's); durable once this resolves. */
  park(account: string, intents: readonly ParkedIntent[]): Promise<void>;
  /** The oldest parked intents of the account, at most `limit`, oldest first (strongly consistent). */
  parked(account: string, limit: number): Promise<ParkedIntent[]>;
  /** Removes parked intents once their decisions are recorded, queued and published. */
  unpark(account: string, intents: readonly Pick<ParkedIntent, 'receivedAtMs' | 'intended'>[]): Promise<void>;
}
