// Whether this feed leads: it takes the lease before it connects or publishes anything, renews it with the
// heartbeat, and trusts it only until `trustMarginMs` before it would expire, so a feed whose renewals fail
// stops leading before another feed may take over. Invariant: `isLeading()` is never true for two feeds at
// once while their clocks differ by less than the margin.
import type { Clock } from '../ports/clock';
import type { FeedLeaseRecord, FeedLeaseStore } from '../ports/feed-lease-store';
import type { Log } from '../ports/log';
import type { Telemetry } from '../ports/telemetry';
import { utcNow } from '../time/utc';
import type { FeedConfig } from './feed-config';

export const LEASE_METRICS = {
  acquired: 'FeedLeaseAcquired',
  renewalFailed: 'FeedLeaseRenewalFailed',
  lost: 'FeedLeaseLost',
} as const;

/** `standby` waits for the lease; `lost` saw it taken over or let it lapse; `released` gave it up at stop. */
export type LeadershipState = 'standby' | 'leading' | 'lost' | 'released';

export interface FeedLeadershipOptions {
  store: FeedLeaseStore;
  /** Unique per process: two tasks of one feed id must not share a holder. */
  holder: string;
  timing: FeedConfig['lease'];
  clock: Clock;
  telemetry: Telemetry;
  log: Log;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class FeedLeadership {
  private current: LeadershipState = 'standby';
  /** This feed's clock time until which it trusts its lease (expiry minus the margin). */
  private trustedUntilMs = 0;

  constructor(private readonly options: FeedLeadershipOptions) {}

  get state(): LeadershipState {
    return this.current;
  }

  get holder(): string {
    return this.options.holder;
  }

  /** Leading, and the lease was last confirmed recently enough that nobody else can hold it yet. */
  isLeading(): boolean {
    if (this.current === 'leading' && this.options.clock.now() >= this.trustedUntilMs) this.lose('the lease could not be renewed before it ran out');
    return this.current === 'leading';
  }

  /**
   * One attempt to take the lease (standby only). Returns the holder it is waiting for when someone else has
   * it, or undefined once this feed leads; a storage failure counts as not taken.
   */
  async tryLead(): Promise<{ leading: true } | { leading: false; heldBy?: FeedLeaseRecord }> {
    if (this.current !== 'standby') return this.current === 'leading' ? { leading: true } : { leading: false };
    const { store, holder, timing, clock, telemetry, log } = this.options;
    const nowMs = clock.now();
    try {
      if (await store.acquire(holder, nowMs, nowMs + timing.ttlMs, utcNow(nowMs))) {
        this.trustedUntilMs = nowMs + timing.ttlMs - timing.trustMarginMs;
        this.current = 'leading';
        telemetry.count(LEASE_METRICS.acquired);
        log.info('feed lease taken: this feed leads', { holder });
        return { leading: true };
      }
      return { leading: false, heldBy: await store.current() };
    } catch (error) {
      log.error('feed lease could not be asked for', { holder, error: errorText(error) });
      return { leading: false };
    }
  }

  /**
   * Extends the lease (leading only). Taken over means lost at once; a storage failure is counted and the lease
   * is trusted until its margin, after which `isLeading()` is false.
   */
  async renew(): Promise<LeadershipState> {
    if (!this.isLeading()) return this.current;
    const { store, holder, timing, clock, telemetry, log } = this.options;
    const nowMs = clock.now();
    try {
      if (await store.renew(holder, nowMs + timing.ttlMs)) {
        this.trustedUntilMs = Math.max(this.trustedUntilMs, nowMs + timing.ttlMs - timing.trustMarginMs);
      } else if (this.current === 'leading') {
        // Not when it was released meanwhile: a renewal racing the release finds the item gone.
        this.lose('another feed holds the lease');
      }
    } catch (error) {
      telemetry.count(LEASE_METRICS.renewalFailed);
      log.error('feed lease not renewed; trusted until its margin', { holder, trustedUntil: utcNow(this.trustedUntilMs), error: errorText(error) });
    }
    return this.isLeading() ? 'leading' : this.current;
  }

  /** Gives the lease up at stop, so a successor takes it at once instead of waiting for it to expire. */
  async release(): Promise<void> {
    const was = this.current;
    this.current = 'released';
    if (was !== 'leading') return;
    try {
      await this.options.store.release(this.options.holder);
      this.options.log.info('feed lease released', { holder: this.options.holder });
    } catch (error) {
      // Not fatal: the lease expires by itself within its ttl.
      this.options.log.error('feed lease not released; it expires by itself', { holder: this.options.holder, error: errorText(error) });
    }
  }

  private lose(why: string): void {
    this.current = 'lost';
    this.options.telemetry.count(LEASE_METRICS.lost);
    this.options.log.error('feed lease lost: this feed stops leading', { holder: this.options.holder, why });
  }
}
