// Source failover: which market-data source the feed's marks come from. The feed starts on the primary; when
// the active source has delivered no accepted data, or has not been live, for `silenceMs`, it moves to the next
// healthy source in the list (none healthy: no active source, so no marks). It returns to the primary only
// after the primary has been healthy (live and delivering accepted data) without a break for `holdMs`.
import { SOURCE_SWITCH_REASONS, type SourceSwitchReason } from '../events/market-events';
import type { SourceStatus } from '../ports/market-data-source';

/** One change of the active source; undefined on either side means no active source. */
export interface SourceSwitch {
  from: string | undefined;
  to: string | undefined;
  reason: SourceSwitchReason;
  atMs: number;
}

export interface FailoverCounts {
  switches: number;
  byReason: Record<SourceSwitchReason, number>;
  /** Switches that left the feed without an active source. */
  toNone: number;
}

export interface SourceFailoverOptions {
  /** Primary first, then the fallbacks in order of preference; names are distinct. */
  sources: readonly string[];
  silenceMs: number;
  holdMs: number;
  /** When the feed starts: the primary's first silence is measured from here. */
  nowMs: number;
}

interface SourceHealth {
  name: string;
  live: boolean;
  /** When `live` last changed (or the start). */
  statusAtMs: number;
  lastAcceptedMs: number | undefined;
  /** Start of the current unbroken run of live, delivering health; undefined when there is none. */
  healthySinceMs: number | undefined;
}

export class SourceFailover {
  private readonly sources: SourceHealth[];
  private readonly byName = new Map<string, SourceHealth>();
  private readonly silenceMs: number;
  private readonly holdMs: number;
  private activeIndex: number | undefined = 0;
  private readonly startedAtMs: number;
  /** The latest time seen: inputs never move the clock back. */
  private nowMs: number;
  private readonly byReason = Object.fromEntries(SOURCE_SWITCH_REASONS.map((r) => [r, 0])) as Record<SourceSwitchReason, number>;
  private switches = 0;
  private toNone = 0;

  constructor(options: SourceFailoverOptions) {
    if (options.sources.length === 0) throw new RangeError('source failover needs at least one source');
    if (new Set(options.sources).size !== options.sources.length) throw new RangeError(`source names must be distinct: ${options.sources.join(', ')}`);
    this.silenceMs = options.silenceMs;
    this.holdMs = options.holdMs;
    this.nowMs = options.nowMs;
    this.startedAtMs = options.nowMs;
    this.sources = options.sources.map((name) => ({ name, live: false, statusAtMs: options.nowMs, lastAcceptedMs: undefined, healthySinceMs: undefined }));
    for (const source of this.sources) this.byName.set(source.name, source);
  }

  /** The source marks come from now; undefined when none is healthy. */
  get active(): string | undefined {
    return this.activeIndex === undefined ? undefined : this.sources[this.activeIndex]?.name;
  }

  /** `source` delivered an accepted message at `nowMs`. An unknown source changes nothing. */
  accepted(source: string, nowMs: number): SourceSwitch | undefined {
    const t = this.advance(nowMs);
    const health = this.byName.get(source);
    if (health !== undefined) {
      const broken = health.lastAcceptedMs === undefined || t - health.lastAcceptedMs >= this.silenceMs;
      if (health.live && (health.healthySinceMs === undefined || broken)) health.healthySinceMs = t;
      health.lastAcceptedMs = t;
    }
    return this.evaluate(t);
  }

  /** `source` reported a status (its `atMs` is when). A source is not live until it says so. */
  statusChanged(source: string, status: SourceStatus): SourceSwitch | undefined {
    const t = this.advance(status.atMs);
    const health = this.byName.get(source);
    const live = status.kind === 'live';
    if (health !== undefined && health.live !== live) {
      health.live = live;
      health.statusAtMs = t;
      health.healthySinceMs = undefined; // a run of health starts with data delivered while live
    }
    return this.evaluate(t);
  }

  /** Time passed: applies the rules at `nowMs`. */
  tick(nowMs: number): SourceSwitch | undefined {
    return this.evaluate(this.advance(nowMs));
  }

  counts(): FailoverCounts {
    return { switches: this.switches, byReason: { ...this.byReason }, toNone: this.toNone };
  }

  private advance(nowMs: number): number {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    return this.nowMs;
  }

  /** Live and delivering accepted data within the silence. */
  private healthy(source: SourceHealth, t: number): boolean {
    return source.live && source.healthySinceMs !== undefined && source.lastAcceptedMs !== undefined && t - source.lastAcceptedMs < this.silenceMs;
  }

  /**
   * Why the active source must be left at `t`, or undefined while it may stay. A source only becomes active
   * healthy, except the primary at the start, whose silence counts from when the feed started.
   */
  private failure(source: SourceHealth, t: number): SourceSwitchReason | undefined {
    if (!source.live && t - source.statusAtMs >= this.silenceMs) return 'SOURCE_DOWN';
    if (t - (source.lastAcceptedMs ?? this.startedAtMs) >= this.silenceMs) return 'SOURCE_SILENT';
    return undefined;
  }

  private evaluate(t: number): SourceSwitch | undefined {
    const activeIndex = this.activeIndex;
    if (activeIndex === undefined) {
      const next = this.sources.findIndex((s) => this.healthy(s, t));
      return next < 0 ? undefined : this.switchTo(next, 'SOURCE_RECOVERED', t);
    }
    const primary = this.sources[0];
    if (activeIndex !== 0 && primary !== undefined && this.healthy(primary, t) && t - (primary.healthySinceMs ?? t) >= this.holdMs) {
      return this.switchTo(0, 'PRIMARY_RESTORED', t);
    }
    const active = this.sources[activeIndex];
    const reason = active === undefined ? 'SOURCE_DOWN' : this.failure(active, t);
    if (reason === undefined) return undefined;
    return this.switchTo(this.nextHealthy(activeIndex, t), reason, t);
  }

  /** The first healthy source after `index` in list order, wrapping around; undefined when none. */
  private nextHealthy(index: number, t: number): number | undefined {
    const n = this.sources.length;
    for (let step = 1; step < n; step++) {
      const candidate = (index + step) % n;
      const source = this.sources[candidate];
      if (source !== undefined && this.healthy(source, t)) return candidate;
    }
    return undefined;
  }

  private switchTo(index: number | undefined, reason: SourceSwitchReason, t: number): SourceSwitch {
    const from = this.active;
    this.activeIndex = index;
    const to = this.active;
    this.switches++;
    this.byReason[reason]++;
    if (to === undefined) this.toNone++;
    return { from, to, reason, atMs: t };
  }
}
