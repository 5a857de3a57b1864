// The trading loop of a local run: every tick the market steps, the feed writes conflated marks and beats,
// the venue matches and the strategy trades; the dead-man check and the scheduled reconciliation run beside
// it, never two of one kind at once. It ends at the duration or when the run's signal aborts.
import { setTimeout as sleep } from 'node:timers/promises';
import { DETAIL_TYPES } from '../shared/events/catalog';
import type { MarketTick, Strategy } from '../shared/strategy/strategy';
import { DEFAULT_RUNAWAY_GUARD, StrategyHost } from '../shared/strategy/strategy-host';
import type { PeakRss } from './peak-rss';
import type { LocalReport } from './report';
import type { SessionWiring } from './session-wiring';

const FEED_ID = 'local-feed';

export interface ProgressCounters {
  intents: number;
  approved: number;
  denied: number;
  fills: number;
}

export interface TradingLoopOptions {
  strategy: Strategy;
  /** Epoch ms the run's clock started (once everything was up): the duration counts from it. */
  started: number;
  durationMs: number;
  tickMs: number;
  /** How often the scheduled reconciliation runs. */
  reconcileEveryMs: number;
  progressEveryMs: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  memory: PeakRss;
}

export class TradingLoop {
  readonly host: StrategyHost;
  stoppedBy: LocalReport['stoppedBy'] = 'duration';
  /** Dead-man checks that found the feed stale (a check left running counts once it finishes). */
  deadManStaleChecks = 0;
  private deadManCheck: Promise<unknown> = Promise.resolve();
  private scheduledReconciliation: Promise<unknown> = Promise.resolve();
  private reconciling = false;
  private lastReconcile = 0;
  /** When each symbol's mark was last written. */
  private readonly lastMarkWrite = new Map<string, number>();

  constructor(
    private readonly wiring: SessionWiring,
    private readonly options: TradingLoopOptions,
  ) {
    const { account, seed, config } = wiring.settings;
    this.host = new StrategyHost({
      strategy: options.strategy,
      account,
      runId: `r${seed}-${options.started.toString(36)}`,
      bus: wiring.router,
      clock: wiring.clock,
      telemetry: wiring.telemetry,
      intentRate: config.strategyHost?.runawayGuard ?? DEFAULT_RUNAWAY_GUARD,
    });
  }

  get started(): number {
    return this.options.started;
  }

  get strategy(): Strategy {
    return this.options.strategy;
  }

  counters(): ProgressCounters {
    const { decisions, router } = this.wiring;
    return {
      intents: this.host.intentIds.length,
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
    const { clock, market, broker } = this.wiring;
    const { started, durationMs, signal } = this.options;
    const { feedStallAfterMs } = this.wiring.settings.profile;
    await this.heartbeat();
    let lastBeat = Date.now();
    let lastProgress = Date.now();
    this.lastReconcile = Date.now();
    while (Date.now() - started < durationMs) {
      if (signal?.aborted) {
        this.stoppedBy = 'signal';
        break;
      }
      const now = clock.now();
      // feed-stall: the feed task hangs; no ticks, marks, intents or heartbeat from then on. The venue,
      // reconciliation and the dead-man switch (not part of the feed) carry on.
      const feedAlive = feedStallAfterMs === undefined || Date.now() - started < feedStallAfterMs;
      const ticks = feedAlive ? market.step(now) : [];
      await this.writeMarks(ticks, now);
      if (Date.now() - lastBeat >= 1000) {
        lastBeat = Date.now();
        if (feedAlive) await this.heartbeat();
        this.checkFeed();
      }
      broker.advance(); // the venue matches resting orders and the next slices of partial fills
      if (feedAlive) await this.host.onTicks(ticks);
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
  }

  private heartbeat(): Promise<void> {
    return this.wiring.stores.marketDataStore.putFeedHeartbeat(FEED_ID, new Date(this.wiring.clock.now()).toISOString());
  }

  /** Conflated like the feed: each symbol's mark is written at most once a second, all in one update. */
  private async writeMarks(ticks: readonly MarketTick[], now: number): Promise<void> {
    const due = ticks.filter((tick) => now - (this.lastMarkWrite.get(tick.symbol) ?? 0) >= 1000);
    for (const tick of due) this.lastMarkWrite.set(tick.symbol, now);
    await this.wiring.stores.marketDataStore.putMarks(due);
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
