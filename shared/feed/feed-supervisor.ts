// The feed task's life around its lease: wait as a standby (connecting and publishing nothing) until the lease
// is taken, then start the feed; renew the lease with every step; a feed that loses its lease abandons at once
// (publishes nothing more); at stop, drain while still renewing, then release so a successor leads at once.
// Invariant: the feed runs only while its leadership is trusted.
import type { Log } from '../ports/log';
import type { FeedLeadership, LeadershipState } from './feed-leadership';

/** The feed once started: a graceful stop (drain until the deadline) or an abandonment (lost lease). */
export interface LeadingRun {
  stop(deadline?: Promise<unknown>): Promise<void>;
  abandon(): Promise<void>;
}

export interface FeedSupervisorOptions {
  leadership: FeedLeadership;
  /** Starts everything that needs the lease (sources, strategies, timers, the broker relay). */
  lead(): Promise<LeadingRun>;
  log: Log;
}

export class FeedSupervisor {
  private run: LeadingRun | undefined;
  private stopping = false;
  private abandoned: Promise<void> | undefined;
  private waitingFor: string | undefined;

  constructor(private readonly options: FeedSupervisorOptions) {}

  get state(): LeadershipState {
    return this.options.leadership.state;
  }

  /** Whether the feed was started (it led at some point). */
  get started(): boolean {
    return this.run !== undefined;
  }

  /**
   * One step, on the task's timer: a standby asks for the lease (and starts the feed once it has it); a leader
   * renews it; a leader that lost it abandons the feed. A feed that cannot start releases the lease and throws.
   */
  async step(): Promise<LeadershipState> {
    const { leadership } = this.options;
    if (leadership.state === 'standby' && !this.stopping) await this.tryToLead();
    else if (leadership.state === 'leading') await leadership.renew();
    if (leadership.state === 'lost') await this.abandon();
    return leadership.state;
  }

  /** Drains the feed (until `deadline`), then releases the lease; a standby only gives up waiting. */
  async stop(deadline?: Promise<unknown>): Promise<void> {
    this.stopping = true;
    if (this.run && this.options.leadership.state === 'leading') await this.run.stop(deadline);
    if (this.options.leadership.state === 'lost') await this.abandon();
    await this.options.leadership.release();
  }

  private async tryToLead(): Promise<void> {
    const { leadership, log } = this.options;
    const outcome = await leadership.tryLead();
    if (!outcome.leading) {
      const holder = outcome.heldBy?.holder;
      if (holder !== this.waitingFor) log.info('waiting for the feed lease', { heldBy: holder, expiresAtMs: outcome.heldBy?.expiresAtMs });
      this.waitingFor = holder;
      return;
    }
    try {
      this.run = await this.options.lead();
    } catch (error) {
      await leadership.release();
      throw error;
    }
  }

  private abandon(): Promise<void> {
    this.abandoned ??= this.run ? this.run.abandon() : Promise.resolve();
    return this.abandoned;
  }
}
