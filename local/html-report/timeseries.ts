// What the visual report draws, and the sampler that gathers its time series during a run: equity, P&L and
// gross exposure every 250 ms, the trading-state timeline with its marked events, and the latency histogram.
import * as z from 'zod';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import type { AccountBook } from '../../shared/ledger/account-book';
import { valueLedger, type PositionMark } from '../../shared/ledger/valuation';
import type { Position } from '../../shared/ledger/position';
import { dec, toDecimalString, ZERO } from '../../shared/money/decimal';
import { TradingStateSchema, type TradingState } from '../../shared/trading-state/trading-state';
import { percentile } from '../report';

/** Exact money as the ledger computes it: a decimal string of any scale (turned into a number only to plot). */
const MoneySchema = z.string().regex(/^-?\d+(\.\d+)?$/, { error: 'must be a decimal string' });
/** Milliseconds since the run's clock started (everything up, the market running). */
const OffsetSchema = z.number().finite();

export const SampleSchema = z.object({
  t: OffsetSchema,
  /** Cash plus the positions' market value at the marks; null while a position has no mark. */
  equity: MoneySchema.nullable(),
  realizedPnl: MoneySchema,
  /** Null while a position has no mark (as in the JSON report). */
  unrealizedPnl: MoneySchema.nullable(),
  /** The ledger's positions at the marks, summed in absolute value; null while a position has no mark. */
  grossExposure: MoneySchema.nullable(),
  /** The venue's worst case: its positions with every open order filled, at its own prices. */
  venueGrossExposure: MoneySchema,
});
export type Sample = z.infer<typeof SampleSchema>;

/** The trading state from `t` on, and who moved it there. */
export const StatePointSchema = z.object({ t: OffsetSchema, state: TradingStateSchema, actor: z.string(), reason: z.string() });
export type StatePoint = z.infer<typeof StatePointSchema>;

export const MARKER_KINDS = ['breach', 'kill', 'release', 'approval', 'rejection'] as const;
export const MarkerSchema = z.object({ t: OffsetSchema, kind: z.enum(MARKER_KINDS), label: z.string() });
export type Marker = z.infer<typeof MarkerSchema>;

/** Decision latencies in log-spaced bins (ten a decade): a flood's queueing and a calm p50 fit one chart. */
export const LatencyHistogramSchema = z.object({
  bins: z.array(z.object({ fromMs: z.number(), toMs: z.number(), count: z.number().int().nonnegative() })),
  p50: z.number(),
  p99: z.number(),
  max: z.number(),
  samples: z.number().int().nonnegative(),
});
export type LatencyHistogram = z.infer<typeof LatencyHistogramSchema>;

export const VisualReportDataSchema = z.object({
  run: z.object({
    scenario: z.string(),
    seed: z.number(),
    strategy: z.string(),
    /** ISO instant the run's clock started: t = 0 on every time axis. */
    startedAt: z.string(),
    durationMs: z.number(),
    sampleEveryMs: z.number(),
  }),
  /** The JSON report's key figures, shown in the page's heading. */
  figures: z.object({
    haltLatencyMs: z.number().nullable(),
    ordersAfterHalt: z.number().int().nullable(),
    reconciliation: z.object({ status: z.string(), breaks: z.number().int() }),
    intents: z.number().int(),
    approved: z.number().int(),
    denied: z.number().int(),
    fills: z.number().int(),
    realizedPnl: MoneySchema,
    unrealizedPnl: MoneySchema.nullable(),
    peakGrossExposure: MoneySchema,
    stoppedBy: z.string().nullable(),
  }),
  grossExposureCap: MoneySchema,
  samples: z.array(SampleSchema),
  /** The state at the start, then every change the audit trail recorded, oldest first. */
  states: z.array(StatePointSchema),
  markers: z.array(MarkerSchema),
  latency: LatencyHistogramSchema,
  denials: z.array(z.object({ reason: z.string(), count: z.number().int().positive() })),
});
export type VisualReportData = z.infer<typeof VisualReportDataSchema>;

/**
 * One sample; pure. Equity and exposure come from the account book alone (cash and every quantity in one
 * item, moved together by each fill): cash read apart from the positions would show a fill landing between
 * the two reads as a spike. The P&L comes from the position items, each consistent in itself.
 */
export const sampleOf = (t: number, book: AccountBook, positions: readonly Position[], marks: Readonly<Record<string, PositionMark>>, venueGrossExposure: string): Sample => {
  const { totals } = valueLedger(positions, marks);
  let net = ZERO;
  let gross = ZERO;
  let priced = true;
  for (const [symbol, entry] of Object.entries(book.positions)) {
    const quantity = dec(entry.quantity);
    if (quantity.isZero()) continue;
    const mark = Object.hasOwn(marks, symbol) ? marks[symbol] : undefined;
    if (!mark) {
      priced = false;
      continue;
    }
    const value = quantity.times(dec(mark.price));
    net = net.plus(value);
    gross = gross.plus(value.abs());
  }
  return {
    t,
    equity: priced ? toDecimalString(dec(book.cash).plus(net)) : null,
    realizedPnl: totals.realizedPnl,
    unrealizedPnl: totals.unrealizedPnl,
    grossExposure: priced ? toDecimalString(gross) : null,
    venueGrossExposure,
  };
};

export interface SampleSources {
  book: () => Promise<AccountBook>;
  positions: () => Promise<readonly Position[]>;
  marks: () => Promise<Readonly<Record<string, PositionMark>>>;
  venueGrossExposure: () => string;
}

export interface SamplerOptions {
  /** Epoch ms of t = 0. */
  startedMs: number;
  everyMs?: number;
  now?: () => number;
}

export const DEFAULT_SAMPLE_EVERY_MS = 250;

/**
 * Samples the sources every `everyMs` beside the run, one sample at a time: the next starts `everyMs` after
 * the last one started, or as soon as it finished when its reads took longer, so slow reads never pile up.
 * A failed read skips that sample and is counted. Its timer never keeps the process alive.
 */
export class TimeSeriesSampler {
  readonly everyMs: number;
  /** Samples skipped because a read failed. */
  failures = 0;
  private readonly taken: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly sources: SampleSources,
    private readonly options: SamplerOptions,
  ) {
    this.everyMs = options.everyMs ?? DEFAULT_SAMPLE_EVERY_MS;
    this.now = options.now ?? Date.now;
  }

  get samples(): readonly Sample[] {
    return this.taken;
  }

  start(): this {
    this.next();
    return this;
  }

  /** Stops sampling and takes one last sample (the state the report describes); idempotent. */
  async stop(): Promise<readonly Sample[]> {
    if (this.stopped) {
      await this.running;
      return this.taken;
    }
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.running = this.take();
    await this.running;
    return this.taken;
  }

  private next(): void {
    const begun = this.now();
    this.running = this.take().finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.next(), Math.max(0, this.everyMs - (this.now() - begun)));
      this.timer.unref();
    });
  }

  private async take(): Promise<void> {
    const t = this.now() - this.options.startedMs;
    try {
      const [book, positions, marks] = await Promise.all([this.sources.book(), this.sources.positions(), this.sources.marks()]);
      this.taken.push(sampleOf(t, book, positions, marks, this.sources.venueGrossExposure()));
    } catch {
      this.failures++;
    }
  }
}

/** A breach that started the breaker, as the session's BreachRecordingStarter noted it. */
export interface BreachNote {
  kind: string;
  breachId: string;
  /** Epoch ms it was detected. */
  at: number;
}

const stateOf = (value: unknown): TradingState | undefined => {
  const parsed = TradingStateSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
};

/**
 * The state timeline and its markers from the audit trail (state changes, breaker approvals and rejections)
 * and the breaches that started the breaker; pure. A kill is a change to KILLED, a release KILLED → HALTED.
 * `stateAtEnd` stands for the whole run when nothing changed it.
 */
export const timelineOf = (
  entries: readonly AuditEntry[],
  breaches: readonly BreachNote[],
  startedMs: number,
  stateAtEnd: TradingState | undefined,
): { states: StatePoint[]; markers: Marker[] } => {
  const sorted = [...entries].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const offset = (iso: string): number => Date.parse(iso) - startedMs;
  const changes = sorted.filter((e) => e.kind === 'TRADING_STATE_CHANGED' && stateOf(e.detail.to) !== undefined);
  const initial = stateOf(changes[0]?.detail.from) ?? (changes.length === 0 ? stateAtEnd : undefined) ?? 'ACTIVE';
  const states: StatePoint[] = [{ t: 0, state: initial, actor: 'start', reason: 'state when the run started' }];
  const markers: Marker[] = breaches.map((b) => ({ t: b.at - startedMs, kind: 'breach', label: b.kind }));
  for (const entry of sorted) {
    const t = offset(entry.occurredAt);
    if (entry.kind === 'BREAKER_APPROVED') markers.push({ t, kind: 'approval', label: `approved by ${entry.actor}` });
    if (entry.kind === 'BREAKER_REJECTED') markers.push({ t, kind: 'rejection', label: `rejected by ${entry.actor}` });
    if (entry.kind !== 'TRADING_STATE_CHANGED') continue;
    const to = stateOf(entry.detail.to);
    if (!to) continue;
    states.push({ t, state: to, actor: entry.actor, reason: typeof entry.detail.reason === 'string' ? entry.detail.reason : '' });
    if (to === 'KILLED') markers.push({ t, kind: 'kill', label: `kill by ${entry.actor}` });
    if (to === 'HALTED' && entry.detail.from === 'KILLED') markers.push({ t, kind: 'release', label: `released by ${entry.actor}` });
  }
  markers.sort((a, b) => a.t - b.t);
  return { states, markers };
};

const BINS_PER_DECADE = 10;
/** Latencies below this share the first bin: a tenth of a millisecond is as fast as a decision gets here. */
const FLOOR_MS = 0.1;

const edge = (k: number): number => Number((10 ** (k / BINS_PER_DECADE)).toPrecision(4));

/** The latencies in log-spaced bins from the fastest to the slowest (empty bins between kept); pure. */
export const latencyHistogram = (latenciesMs: readonly number[]): LatencyHistogram => {
  const figures = { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), max: percentile(latenciesMs, 100), samples: latenciesMs.length };
  if (latenciesMs.length === 0) return { bins: [], ...figures };
  const indexOf = (ms: number): number => Math.floor(Math.log10(Math.max(ms, FLOOR_MS)) * BINS_PER_DECADE + 1e-9);
  let low = Infinity;
  let high = -Infinity;
  const counts = new Map<number, number>();
  for (const ms of latenciesMs) {
    const k = indexOf(ms);
    low = Math.min(low, k);
    high = Math.max(high, k);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const bins = [];
  for (let k = low; k <= high; k++) bins.push({ fromMs: edge(k), toMs: edge(k + 1), count: counts.get(k) ?? 0 });
  return { bins, ...figures };
};
