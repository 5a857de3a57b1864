// The session's side of `--scenario stress`: while the load runs it samples the marks' age, halts the account at
// two-thirds of the run (a MANUAL breaker trip, so decisions and the order function carry on against HALTED),
// reads the intents' backlog when the strategy stops, and turns what it saw into the report's `stress` figures.
import { availableParallelism } from 'node:os';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { utcNow } from '../shared/time/utc';
import { percentile } from './report';
import type { StressPlan } from './scenarios';
import type { SessionWiring } from './session-wiring';
import type { StressFigures } from './stress-figures';

/** The marks item is read this often while the load runs (the feed writes it every 200 ms). */
export const MARK_SAMPLE_MS = 250;

/** What the drive saw, for the report. */
export interface StressRecord {
  plan: StressPlan;
  startedMs: number;
  /** When the session asked for the halt (ms after the start), planned at haltAtFraction of the duration. */
  haltPlannedAfterMs: number;
  /** When the strategy had stopped (its last intents published); undefined while it runs. */
  driveEndedMs: number | undefined;
  decidedDuringDrive: number;
  /** The oldest mark of any sample (now − its `at`), and how many samples were read. */
  oldestMarkAgeMs: number | null;
  markSamples: number;
  backlog: { visible: number; inFlight: number };
}

export interface StressDriveOptions {
  started: number;
  durationMs: number;
  onProgress?: ((line: string) => void) | undefined;
}

export class StressDrive {
  readonly record: StressRecord;
  private sampler: NodeJS.Timeout | undefined;
  private haltTimer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private halting: Promise<void> = Promise.resolve();

  constructor(
    private readonly w: SessionWiring,
    plan: StressPlan,
    private readonly options: StressDriveOptions,
  ) {
    const haltPlannedAfterMs = Math.round(options.durationMs * plan.haltAtFraction);
    this.record = { plan, startedMs: options.started, haltPlannedAfterMs, driveEndedMs: undefined, decidedDuringDrive: 0, oldestMarkAgeMs: null, markSamples: 0, backlog: { visible: 0, inFlight: 0 } };
  }

  /** Starts the marks' sampling and schedules the halt. */
  start(): void {
    this.sampler = setInterval(() => {
      this.sampling ??= this.sampleMarks().finally(() => (this.sampling = undefined));
    }, MARK_SAMPLE_MS);
    const delay = Math.max(0, this.options.started + this.record.haltPlannedAfterMs - Date.now());
    this.haltTimer = setTimeout(() => (this.halting = this.halt()), delay);
  }

  /** The strategy has stopped: no more samples, and the intents' queue as it stands before the drain decides it. */
  async endDrive(): Promise<void> {
    this.cancel();
    await this.sampling;
    await this.halting;
    this.record.driveEndedMs = Date.now();
    this.record.decidedDuringDrive = this.w.decisions.latenciesMs.length;
    this.record.backlog = await this.backlog();
  }

  /** Stops the timers (however the run ended). */
  cancel(): void {
    clearInterval(this.sampler);
    clearTimeout(this.haltTimer);
  }

  private async sampleMarks(): Promise<void> {
    try {
      const marks = await this.w.stores.marketDataStore.getMarks();
      const nowMs = this.w.clock.now();
      const symbols = new Set(this.w.settings.profile.symbols.map((s) => s.symbol));
      for (const [symbol, mark] of Object.entries(marks)) {
        if (!symbols.has(symbol)) continue;
        const age = nowMs - Date.parse(mark.at);
        if (this.record.oldestMarkAgeMs === null || age > this.record.oldestMarkAgeMs) this.record.oldestMarkAgeMs = age;
      }
      this.record.markSamples++;
    } catch (error) {
      this.w.errors.push(error);
    }
  }

  /** A person's manual trip, as the breaker takes it: HALTED first, then cancel-all and a page. */
  private async halt(): Promise<void> {
    const { account, runStamp } = this.w.settings;
    const nowMs = this.w.clock.now();
    this.options.onProgress?.(`stress: halting ${account} at ${((nowMs - this.options.started) / 1000).toFixed(1)} s (a MANUAL breaker trip) while the load runs`);
    try {
      await this.w.breaches.start({
        breachId: `MANUAL.${account}.stress-${runStamp.toString(36)}`,
        account,
        kind: 'MANUAL',
        reason: 'stress test: the account halted at two-thirds of the run, under twice the peak load',
        detectedAt: utcNow(nowMs),
      });
    } catch (error) {
      this.w.errors.push(error);
    }
  }

  private async backlog(): Promise<StressRecord['backlog']> {
    const out = await this.w.sqsClient.send(
      new GetQueueAttributesCommand({ QueueUrl: this.w.intentQueue.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return { visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
  }
}

/** Decisions a second over a span of ms (0 for an empty span). */
export const perSecond = (count: number, spanMs: number): number => (spanMs > 0 ? count / (spanMs / 1000) : 0);

/** The report's `stress` figures from what the drive saw, the decisions and the run's limits. */
export const stressFigures = (w: SessionWiring, r: StressRecord, counts: { proposed: number; published: number; ordersAfterHalt: number | null }): StressFigures => {
  const { riskLimits, strategyHost } = w.settings.config;
  const { decisions } = w;
  const latencies = decisions.latenciesMs;
  const spanMs = decisions.firstDecidedAtMs !== undefined && decisions.lastDecidedAtMs !== undefined ? decisions.lastDecidedAtMs - decisions.firstDecidedAtMs : 0;
  const driveMs = (r.driveEndedMs ?? Date.now()) - r.startedMs;
  const sustained = perSecond(latencies.length, spanMs);
  const haltedAtMs = w.haltObserver.haltedAtMs;
  const until = w.haltObserver.haltPeriods[0]?.to;
  const cores = availableParallelism();
  const target = r.plan.intentsPerSecond;
  return {
    peakIntentsPerSecond: r.plan.peakIntentsPerSecond,
    targetIntentsPerSecond: target,
    runawayGuard: strategyHost?.runawayGuard ?? { maxIntents: 0, windowMs: 0 },
    intentFloodPerStrategyPerSecond: riskLimits.intentFlood.maxPerStrategyPerSecond,
    orderRate: { maxOrders: riskLimits.orderRate.maxOrders, windowMs: riskLimits.orderRate.windowMs },
    driveMs,
    intentsProposed: counts.proposed,
    intentsPublished: counts.published,
    proposedPerSecond: perSecond(counts.proposed, driveMs),
    decisions: latencies.length,
    decidedDuringDrive: r.decidedDuringDrive,
    decisionSpanMs: spanMs,
    sustainedDecisionsPerSecond: sustained,
    ratioToTarget: target > 0 ? sustained / target : 0,
    decisionLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    backlogAtDriveEnd: r.backlog,
    marks: { oldestAgeMs: r.oldestMarkAgeMs, limitMs: riskLimits.priceCollar.markMaxAgeMs, samples: r.markSamples },
    deniedByReason: { ...decisions.denied },
    deniedMarkStale: decisions.denied.MARK_STALE ?? 0,
    deniedIntentExpired: decisions.denied.INTENT_EXPIRED ?? 0,
    halt: { plannedAfterMs: r.haltPlannedAfterMs, haltedAfterMs: haltedAtMs === undefined ? null : haltedAtMs - r.startedMs,
      haltedForMs: haltedAtMs === undefined || until === undefined ? null : until - haltedAtMs,
      ordersAfterHalt: counts.ordersAfterHalt },
    cores,
    note:
      `a sustained rate below ${target}/s or a backlog is reported, not a failure: this run shares ${cores} core(s) between the strategy, ` +
      'every function and DynamoDB Local; the ceiling per account in AWS is in docs/scaling.md',
  };
};
