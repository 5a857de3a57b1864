// The feed's market-data core, pure: every message from every source is checked for sequence gaps and judged
// by one validator (so any source can confirm a held jump); accepted data tells the failover which sources
// deliver, and only the active source's accepted data reaches the strategies, the silence watch and the
// conflator. Without an active source no marks are handed out. Time is passed in; nothing here does I/O.
import { Conflator, type ConflatedMark, type ConflationCounts } from '../market/conflator';
import type { MarketMessage } from '../market/market-message';
import { SequenceGaps, type GapCounts } from '../market/sequence-gaps';
import { TickValidator, type AcceptedTick, type TickCounts } from '../market/tick-validator';
import type { SourceStatus } from '../ports/market-data-source';
import type { FeedConfig } from './feed-config';
import { SilenceMonitor, type IsMarketOpen, type SilentSymbol } from './silence-monitor';
import { SourceFailover, type FailoverCounts, type SourceSwitch } from './source-failover';

export interface MarketIntakeOptions {
  /** The subscribed symbols. */
  symbols: readonly string[];
  /** Source names, primary first. */
  sources: readonly string[];
  config: Pick<FeedConfig, 'validation' | 'failover' | 'conflation'>;
  isOpen: IsMarketOpen;
  /** When the feed starts. */
  nowMs: number;
}

export interface SequenceGap {
  source: string;
  symbol: string;
  /** The sequence that arrived after the skip. */
  sequence: number;
  missing: number;
}

/** What one batch of messages produced. */
export interface IntakeBatch {
  /** Accepted data of the active source, in order (a confirmed held message just before its confirmation). */
  delivered: AcceptedTick[];
  switches: SourceSwitch[];
  gaps: SequenceGap[];
}

/** What the passing of time produced. */
export interface IntakeTick {
  switch: SourceSwitch | undefined;
  /** Symbols that became silent. */
  silent: SilentSymbol[];
  /** Marks due for writing; none without an active source. */
  marks: ConflatedMark[];
}

export interface FeedCounters {
  messages: TickCounts;
  sequence: GapCounts;
  silentEpisodes: number;
  failover: FailoverCounts;
  conflation: ConflationCounts;
}

export class MarketIntake {
  private readonly validator: TickValidator;
  private readonly gaps = new SequenceGaps();
  private readonly silence: SilenceMonitor;
  private readonly failover: SourceFailover;
  private readonly conflator: Conflator;
  /** The source and time failover last heard of accepted data: more of the same in one batch changes nothing there. */
  private lastSource: string | undefined;
  private lastSourceMs = Number.NaN;

  constructor(options: MarketIntakeOptions) {
    const { validation, failover, conflation } = options.config;
    this.validator = new TickValidator(validation, options.symbols);
    this.silence = new SilenceMonitor(options.symbols, validation.silentAfterMs, options.isOpen);
    this.failover = new SourceFailover({ sources: options.sources, silenceMs: failover.silenceMs, holdMs: failover.holdMs, nowMs: options.nowMs });
    this.conflator = new Conflator(conflation.markIntervalMs);
  }

  /** The source marks come from now; undefined when none is healthy. */
  get activeSource(): string | undefined {
    return this.failover.active;
  }

  /** Judges messages received at `nowMs`, in order. */
  receive(messages: readonly MarketMessage[], nowMs: number): IntakeBatch {
    const batch: IntakeBatch = { delivered: [], switches: [], gaps: [] };
    for (const message of messages) {
      const missing = this.gaps.observe(message);
      if (missing > 0) batch.gaps.push({ source: message.source, symbol: message.symbol, sequence: message.sequence ?? 0, missing });
      const verdict = this.validator.judge(message, nowMs);
      if (verdict.outcome !== 'accepted') continue;
      if (verdict.released !== undefined) this.take(verdict.released, nowMs, batch);
      this.take(verdict, nowMs, batch);
    }
    return batch;
  }

  /** A source reported a change of status. */
  sourceStatus(source: string, status: SourceStatus): SourceSwitch | undefined {
    return this.failover.statusChanged(source, status);
  }

  /** Time passed: failover, expired quarantines, silent symbols and the marks due. */
  tick(nowMs: number): IntakeTick {
    const switched = this.failover.tick(nowMs);
    this.validator.expire(nowMs);
    const silent = this.silence.check(nowMs);
    const marks = this.failover.active === undefined ? [] : this.conflator.due(nowMs);
    return { switch: switched, silent, marks };
  }

  counters(): FeedCounters {
    return {
      messages: this.validator.counts(),
      sequence: this.gaps.counts(),
      silentEpisodes: this.silence.silentEpisodes(),
      failover: this.failover.counts(),
      conflation: this.conflator.counts(),
    };
  }

  private take(tick: AcceptedTick, nowMs: number, batch: IntakeBatch): void {
    const { message } = tick;
    if (message.source !== this.lastSource || nowMs !== this.lastSourceMs) {
      this.lastSource = message.source;
      this.lastSourceMs = nowMs;
      const switched = this.failover.accepted(message.source, nowMs);
      if (switched !== undefined) batch.switches.push(switched);
    }
    if (message.source !== this.failover.active) return;
    this.silence.accepted(message.symbol, nowMs);
    this.conflator.offer(message.symbol, tick.price, tick.atMs, message.source);
    batch.delivered.push(tick);
  }
}
