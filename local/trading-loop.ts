// The trading loop of a local run: every tick the simulated market steps onto the local market servers and the
// venue matches; the feed (its own program, on its own timers) takes the market in, writes marks and the
// heartbeat and runs the strategies. The dead-man check, the sweep of parked intents and the scheduled
// reconciliation run beside it, never two of one kind at once. It ends at the duration or when the run's signal aborts.
import { setTimeout as sleep } from 'node:timers/promises';
import { DETAIL_TYPES } from '../shared/events/catalog';
import type { LocalFeed } from './local-feed';
import type { ReconciliationRecord } from '../shared/ports/reconciliation-store';
import type { PeakRss } from './peak-rss';
import type { LocalReport } from './report';
import type { SessionWiring } from './session-wiring';

export interface ProgressCounters {
  intents: number;
  approved: number;
  denied: number;
  fills: number;
}

export interface TradingLoopOptions {
  feed: LocalFeed;
  /** Epoch ms the run's clock started (once everything was up): the duration counts from it. */
  started: number;
  durationMs: number;
  tickMs: number;
  /** How often the scheduled reconciliation runs. */
  reconcileEveryMs: number;
  progressEveryMs: number;
  signal?: AbortSignal;
  /** Ends the run before its duration once it returns true (the kill drills are done). */
  done?: () => boolean;
  onProgress?: (line: string) => void;
  memory: PeakRss;
}

export class TradingLoop {
  stoppedBy: LocalReport['stoppedBy'] = 'duration';
  /** Dead-man checks that found the feed stale (a check left running counts once it finishes). */
  deadManStaleChecks = 0;
  private deadManCheck: Promise<unknown> = Promise.resolve();
  private sweep: Promise<unknown> = Promise.resolve();
  private sweeping = false;
  private scheduledReconciliation: Promise<unknown> = Promise.resolve();
  private reconciling = false;
  private lastReconcile = 0;

  constructor(
    private readonly wiring: SessionWiring,
    private readonly options: TradingLoopOptions,
  ) {}

  get started(): number {
    return this.options.started;
  }

  /** Intents the strategies published, across every host. */
  get intents(): number {
    return this.options.feed.hosts.hosts.reduce((sum, host) => sum + host.intentIds.length, 0);
  }

  counters(): ProgressCounters {
    const { decisions, router } = this.wiring;
    return {
      intents: this.intents,
      approved: decisions.approved,
      denied: decisions.deniedCount,
      fills: router.published.get(DETAIL_TYPES.FillApplied) ?? 0,
    };
  }

  progress(): void {
    const c = this.counters();
    this.options.onProgress?.(`t=${((Date.now() - this.options.started) / 1000).toFixed(0)}s intents=${c.intents} approved=${c.approved} denied=${c.denied} fills=${c.fills}`);
  }

  async run(): Promise<void> {
    const { clock, broker } = this.wiring;
    const { started, durationMs, signal, feed } = this.options;
    const { feedStallAfterMs } = this.wiring.settings.profile;
    let lastCheck = Date.now();
    let lastProgress = Date.now();
    this.lastReconcile = Date.now();
    while (Date.now() - started < durationMs) {
      if (signal?.aborted) {
        this.stoppedBy = 'signal';
        break;
      }
      if (this.options.done?.()) {
        this.stoppedBy = 'done';
        break;
      }
      // feed-stall: the feed task hangs; no ticks, marks, intents or heartbeat from then on. The venue,
      // reconciliation and the dead-man switch (not part of the feed) carry on.
      if (feedStallAfterMs !== undefined && !feed.program.hung && Date.now() - started >= feedStallAfterMs) feed.program.hang();
      feed.driver?.step(clock.now());
      if (Date.now() - lastCheck >= 1000) {
        lastCheck = Date.now();
        this.checkFeed();
        this.sweepParked();
      }
      broker.advance(); // the venue matches resting orders and the next slices of partial fills
      this.reconcileOnSchedule();
      this.options.memory.sample();
      if (Date.now() - lastProgress >= this.options.progressEveryMs) {
        lastProgress = Date.now();
        this.progress();
      }
      await sleep(this.options.tickMs);
    }
  }

  /**
   * Waits for the scheduled reconciliation and the dead-man check the loop left running. The feed stops with
   * the market: no check runs after this against a heartbeat that stopped on purpose.
   */
  async settle(): Promise<void> {
    await this.scheduledReconciliation;
    await this.deadManCheck;
    await this.sweep;
  }

  /**
   * One reconciliation now (a person's check before a release), after the scheduled one if it runs: never
   * two at once. The schedule's clock restarts from it.
   */
  async reconcileNow(label: string): Promise<ReconciliationRecord | undefined> {
    while (this.reconciling) await this.scheduledReconciliation;
    this.reconciling = true;
    this.lastReconcile = Date.now();
    const run = this.wiring.reconcile(label);
    this.scheduledReconciliation = run.catch(() => undefined);
    try {
      return await run;
    } finally {
      this.reconciling = false;
    }
  }

  /**
   * The risk function's schedule, every second here instead of every minute: it decides what a decider left
   * parked. One sweep at a time; a failed one is in the run's errors.
   */
  private sweepParked(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    this.sweep = this.wiring
      .sweepParked()
      .catch((error: unknown) => void this.wiring.errors.push(error))
      .finally(() => {
        this.sweeping = false;
      });
  }

  /** Beside the loop, one check at a time (check() joins a running one); it never throws. */
  private checkFeed(): void {
    this.deadManCheck = this.wiring.deadMan.check().then((r) => {
      if (r.stale) this.deadManStaleChecks++;
    });
  }

  /**
   * Scheduled reconciliation, one run at a time, beside the loop: it settles in-flight orders and applies the
   * broker's view of every live order, as the one-minute schedule does in AWS.
   */
  private reconcileOnSchedule(): void {
    if (this.reconciling || Date.now() - this.lastReconcile < this.options.reconcileEveryMs) return;
    this.reconciling = true;
    this.lastReconcile = Date.now();
    this.scheduledReconciliation = this.wiring
      .reconcile('scheduled')
      .catch((error: unknown) => this.wiring.errors.push(error))
      .finally(() => (this.reconciling = false));
  }
}
