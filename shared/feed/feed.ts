// The feed: every source's messages through one market intake (validation, gaps, failover, conflation);
// marks and the heartbeat out through the market-data store; the active source's accepted prices to the
// strategies, whose intents leave through the intent publisher; source switches out as events. It is driven
// from outside on independent cadences (receive on every source callback; `writeMarks`, `beat`,
// `runStrategies` on their own timers), so a slow strategy or a slow write never delays the heartbeat.
// Invariants: a mark is written only from accepted data of the active source; a failed mark write is retried
// with the next one (newer prices win); nothing here throws into a source's callback.
import { DETAIL_TYPES, domainEvent } from '../events/catalog';
import { marketSourceSwitchedDetail } from '../events/market-events';
import type { ConflatedMark } from '../market/conflator';
import type { MarketMessage } from '../market/market-message';
import * as fx from '../money/fixed';
import type { Clock } from '../ports/clock';
import type { Log } from '../ports/log';
import type { MarketDataSource, SourceStatus } from '../ports/market-data-source';
import type { MarketDataStore } from '../ports/market-data-store';
import type { MarketTick } from '../ports/strategy-runner';
import type { Telemetry } from '../ports/telemetry';
import type { StrategyHosts } from '../strategy/strategy-hosts';
import { utcNow } from '../time/utc';
import type { FeedConfig } from './feed-config';
import type { IntentPublisher } from './intent-publisher';
import { MarketIntake } from './market-intake';
import type { IsMarketOpen } from './silence-monitor';
import type { SourceSwitch } from './source-failover';

export const FEED_METRICS = {
  ticksRejected: 'FeedTickRejected',
  sequenceGap: 'FeedSequenceGap',
  symbolSilent: 'FeedSymbolSilent',
  sourceSwitched: 'FeedSourceSwitched',
  markWriteFailed: 'FeedMarkWriteFailed',
  heartbeatFailed: 'FeedHeartbeatFailed',
  strategiesFailed: 'FeedStrategiesFailed',
} as const;

export interface FeedOptions {
  /** Names this feed task in the heartbeat and its events. */
  feedId: string;
  account: string;
  symbols: readonly string[];
  /** Primary first. */
  sources: readonly MarketDataSource[];
  config: FeedConfig;
  isOpen: IsMarketOpen;
  marketDataStore: Pick<MarketDataStore, 'putMarks' | 'putFeedHeartbeat'>;
  /** The strategies, publishing through `publisher`. */
  strategies: StrategyHosts;
  publisher: IntentPublisher;
  clock: Clock;
  telemetry: Telemetry;
  log: Log;
}

/** What the feed did, for the run's report. */
export interface FeedReport {
  /** The source marks came from at the end; null when none was healthy. */
  source: string | null;
  sources: string[];
  /** received = accepted + rejected + held; `quarantined` counts jumps held at some point (each later accepted, rejected or still held). */
  ticks: { received: number; accepted: number; quarantined: number; held: number; rejected: Record<string, number> };
  gaps: { count: number; missing: number };
  silentEpisodes: number;
  failovers: number;
  marksWritten: number;
  markWriteFailures: number;
  heartbeatsWritten: number;
  heartbeatFailures: number;
  intentsPublished: number;
  putEventsCalls: number;
  putEventsRetriedEntries: number;
}

/** What the feed's readiness is judged on (`shared/feed/feed-readiness.ts`). */
export interface FeedHealth {
  /** The source marks come from; undefined when none is healthy. */
  activeSource: string | undefined;
  /** When marks were last written (the feed's clock); undefined before any. */
  lastMarksWrittenAtMs: number | undefined;
  /** Whether the bus took something on the publisher's last call. */
  busReachable: boolean;
  stopped: boolean;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class Feed {
  private readonly intake: MarketIntake;
  /** The latest accepted price per symbol since the strategies last ran (a slow strategy sees the newest, not a backlog). */
  private pendingTicks = new Map<string, MarketTick>();
  /** The latest accepted price of each symbol from the active source. */
  private readonly latest = new Map<string, string>();
  /** Marks whose write failed, retried with the next write; a newer mark of the symbol replaces one. */
  private unwritten = new Map<string, ConflatedMark>();
  private strategiesRunning = false;
  private stopped = false;
  /** A hung feed: it takes and writes nothing more, as a stuck process would (a local scenario's fault). */
  private frozen = false;
  private marksWritten = 0;
  private markWriteFailures = 0;
  private heartbeatsWritten = 0;
  private heartbeatFailures = 0;
  private switchesPublished = 0;
  private lastMarksWrittenAtMs: number | undefined;
  /** When this feed started: the heartbeat carries it, so an operator arming an account knows since when the feed runs. */
  private startedAt: string | undefined;

  constructor(private readonly options: FeedOptions) {
    this.intake = new MarketIntake({
      symbols: options.symbols,
      sources: options.sources.map((source) => source.name),
      config: options.config,
      isOpen: options.isOpen,
      nowMs: options.clock.now(),
    });
  }

  get activeSource(): string | undefined {
    return this.intake.activeSource;
  }

  /** The latest accepted price of the symbol (decimal text); undefined before any. */
  lastPrice(symbol: string): string | undefined {
    return this.latest.get(symbol);
  }

  /**
   * Starts the strategies (a strategy that cannot load stops the start: no run with part of its strategies),
   * then every source. A source that is down at start-up does not hold the feed: failover decides.
   */
  async start(): Promise<void> {
    await this.options.strategies.start();
    this.startedAt = utcNow(this.options.clock.now());
    for (const source of this.options.sources) {
      source
        .start(this.options.symbols, {
          onMessages: (messages) => this.receive(messages),
          onStatus: (status) => this.sourceStatus(source.name, status),
        })
        .then(
          () => this.sourceStatus(source.name, { kind: 'live', atMs: this.options.clock.now() }),
          (error: unknown) => this.options.log.error('market-data source could not start', { source: source.name, error: errorText(error) }),
        );
    }
  }

  /** One batch of messages from a source, judged at once. */
  receive(messages: readonly MarketMessage[]): void {
    if (this.stopped || this.frozen) return;
    const { telemetry, log } = this.options;
    const before = this.intake.counters().messages.rejected;
    const batch = this.intake.receive(messages, this.options.clock.now());
    for (const tick of batch.delivered) {
      const { message } = tick;
      const price = fx.toDecimalString(tick.price);
      this.latest.set(message.symbol, price);
      this.pendingTicks.set(message.symbol, { symbol: message.symbol, price, at: utcNow(tick.atMs) });
    }
    for (const gap of batch.gaps) {
      telemetry.count(FEED_METRICS.sequenceGap, { source: gap.source }, gap.missing);
      log.info('sequence gap', { ...gap });
    }
    const after = this.intake.counters().messages.rejected;
    for (const [reason, count] of Object.entries(after)) {
      const added = count - (before[reason as keyof typeof before] ?? 0);
      if (added > 0) telemetry.count(FEED_METRICS.ticksRejected, { reason }, added);
    }
    for (const switched of batch.switches) this.switched(switched);
  }

  /** A source's status changed: failover may switch. */
  sourceStatus(source: string, status: SourceStatus): void {
    if (this.stopped || this.frozen) return;
    const switched = this.intake.sourceStatus(source, status);
    if (switched) this.switched(switched);
  }

  /** Time passed: failover, silent symbols, and the marks due (plus any whose write failed) written in one update. */
  async writeMarks(): Promise<void> {
    if (this.stopped || this.frozen) return;
    const { clock, telemetry, log, marketDataStore } = this.options;
    const tick = this.intake.tick(clock.now());
    if (tick.switch) this.switched(tick.switch);
    for (const silent of tick.silent) {
      telemetry.count(FEED_METRICS.symbolSilent);
      log.info('symbol silent', { symbol: silent.symbol, since: utcNow(silent.sinceMs) });
    }
    for (const mark of tick.marks) this.unwritten.set(mark.symbol, mark);
    if (this.unwritten.size === 0) return;
    const marks = [...this.unwritten.values()];
    this.unwritten = new Map();
    try {
      await marketDataStore.putMarks(marks);
      this.marksWritten += marks.length;
      this.lastMarksWrittenAtMs = clock.now();
    } catch (error) {
      this.markWriteFailures++;
      telemetry.count(FEED_METRICS.markWriteFailed);
      log.error('marks not written; retried with the next write', { symbols: marks.length, error: errorText(error) });
      // Anything offered meanwhile is newer and wins.
      for (const mark of marks) if (!this.unwritten.has(mark.symbol)) this.unwritten.set(mark.symbol, mark);
    }
  }

  /** The feed says it is alive (whether or not any source is: the marks' age tells that). */
  async beat(): Promise<void> {
    if (this.stopped || this.frozen) return;
    try {
      await this.options.marketDataStore.putFeedHeartbeat(this.options.feedId, utcNow(this.options.clock.now()), this.startedAt);
      this.heartbeatsWritten++;
    } catch (error) {
      this.heartbeatFailures++;
      this.options.telemetry.count(FEED_METRICS.heartbeatFailed);
      this.options.log.error('heartbeat not written', { error: errorText(error) });
    }
  }

  /** The newest accepted price of each symbol since the last run, to every strategy; skipped while a run is going. */
  async runStrategies(): Promise<number> {
    if (this.stopped || this.frozen || this.strategiesRunning || this.pendingTicks.size === 0) return 0;
    const ticks = [...this.pendingTicks.values()];
    this.pendingTicks = new Map();
    this.strategiesRunning = true;
    try {
      return await this.options.strategies.onTicks(ticks);
    } catch (error) {
      // The hosts count their own failures; what reaches here is the publisher refusing an event outright.
      this.options.telemetry.count(FEED_METRICS.strategiesFailed);
      this.options.log.error('strategy intents not published', { error: errorText(error) });
      return 0;
    } finally {
      this.strategiesRunning = false;
    }
  }

  /** The feed hangs: nothing more is taken in, written or run (the local feed-stall scenario). */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Stops the strategies (no new intents), writes the marks due, stops taking data and closes the sources,
   * and waits (until `deadline`) for the publisher to drain.
   */
  async stop(deadline?: Promise<unknown>): Promise<void> {
    if (this.stopped) return;
    await this.options.strategies.stop();
    await this.writeMarks();
    this.stopped = true;
    await Promise.allSettled(this.options.sources.map((source) => source.close()));
    const flushed = await this.options.publisher.flush(deadline);
    if (!flushed.drained) this.options.log.error('events left unpublished at stop', { left: flushed.left.length });
  }

  /**
   * For a feed that lost its lease to another: stops at once and publishes nothing more. The strategies stop,
   * every unsent event is dropped (and logged: the other feed's strategies now decide), no mark is written and
   * the sources close, freeing the provider's one connection.
   */
  async abandon(): Promise<void> {
    const dropped = this.options.publisher.discard();
    if (dropped.length > 0) this.options.log.error('events dropped: this feed lost its lease', { dropped: dropped.length, detailTypes: [...new Set(dropped.map((event) => event.detailType))] });
    // A stop under way (draining) ends as soon as nothing is left to send; it closes the rest.
    if (this.stopped) return;
    this.stopped = true;
    await this.options.strategies.stop();
    await Promise.allSettled(this.options.sources.map((source) => source.close()));
  }

  health(): FeedHealth {
    return {
      activeSource: this.intake.activeSource,
      lastMarksWrittenAtMs: this.lastMarksWrittenAtMs,
      busReachable: this.options.publisher.reachable,
      stopped: this.stopped,
    };
  }

  report(): FeedReport {
    const counters = this.intake.counters();
    const published = this.options.publisher.counters;
    const rejected = Object.fromEntries(Object.entries(counters.messages.rejected).filter(([, count]) => count > 0));
    return {
      source: this.intake.activeSource ?? null,
      sources: this.options.sources.map((source) => source.name),
      ticks: { received: counters.messages.received, accepted: counters.messages.accepted, quarantined: counters.messages.quarantined, held: counters.messages.held, rejected },
      gaps: { count: counters.sequence.gaps, missing: counters.sequence.missing },
      silentEpisodes: counters.silentEpisodes,
      failovers: counters.failover.switches,
      marksWritten: this.marksWritten,
      markWriteFailures: this.markWriteFailures,
      heartbeatsWritten: this.heartbeatsWritten,
      heartbeatFailures: this.heartbeatFailures,
      // The publisher also carries breaches and source switches; intents are what is left.
      intentsPublished: published.intentsPublished - this.switchesPublished - this.breachesPublished(),
      putEventsCalls: published.putEventsCalls,
      putEventsRetriedEntries: published.putEventsRetriedEntries,
    };
  }

  private breachesPublished(): number {
    return this.options.strategies.hosts.filter((host) => host.runaway?.published).length;
  }

  /** A switch of the active source: counted, logged and published (through the same publisher as the intents). */
  private switched(switched: SourceSwitch): void {
    const { telemetry, log, publisher, account, feedId } = this.options;
    telemetry.count(FEED_METRICS.sourceSwitched, { reason: switched.reason });
    log.info('market-data source switched', { ...switched });
    const event = domainEvent(DETAIL_TYPES.MarketSourceSwitched, marketSourceSwitchedDetail({ account, feedId, ...switched }));
    this.switchesPublished++;
    publisher.publish([event]).catch((error: unknown) => log.error('source switch not published', { error: errorText(error) }));
  }
}
