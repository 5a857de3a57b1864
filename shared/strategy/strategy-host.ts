// Hosts one strategy: feeds it ticks through a runner, validates what it proposes and publishes each valid
// proposal as an OrderIntended event with a deterministic intent id (run id + sequence), so a replayed run
// dedupes. A strategy that throws, times out or proposes garbage gets nothing through; every failure is counted
// and logged, and too many in a row disable it (strategy-failures.ts). The runner keeps it off the feed's loop.
// Runaway guard (a message throttle at the source): a strategy that proposes more than `intentRate.maxIntents`
// intents within `intentRate.windowMs` is stopped in this host for good (a person restarts it) and an
// INTENT_RATE RiskBreach halts the account through the circuit breaker. Nothing it proposes afterwards is
// published; every refused proposal is counted. The breach is retried on later ticks until the bus takes it.
// A strategy a person switched off (the per-strategy switch) is not called at all until switched on again.
import type { Telemetry } from '../ports/telemetry';
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../events/catalog';
import { utcNow, compactUtcSecond } from '../time/utc';
import { buildMeta } from '../events/envelope';
import { boundedBreachId } from '../events/risk-events';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { Log } from '../ports/log';
import type { Pager } from '../ports/pager';
import type { StrategyRunner } from '../ports/strategy-runner';
import { InProcessStrategyRunner } from './in-process-strategy-runner';
import { StrategyOrderSchema, type MarketTick, type Strategy } from './strategy';
import { StrategyFailures, type StrategyLimits } from './strategy-failures';
import { STRATEGY_METRICS } from './strategy-metrics';


export interface IntentRateLimit {
  /** Intents allowed within any window of windowMs; the next one trips the guard. */
  maxIntents: number;
  windowMs: number;
}

/**
 * 100 intents in any second: five times the default account order-rate limit (20 a second). A strategy
 * that proposes far more orders than risk may ever approve is broken, not busy.
 */
export const DEFAULT_RUNAWAY_GUARD: IntentRateLimit = { maxIntents: 100, windowMs: 1000 };

/** What the host does around the strategy, whichever way the strategy runs. */
export interface StrategyHostDuties {
  account: string;
  /** Short run id (≤ 24 characters) so intent ids stay within the broker's 48-character limit. */
  runId: string;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  /** The runaway guard; absent: no guard in the host (risk's order-rate limit still applies). */
  intentRate?: IntentRateLimit;
  /** The tick budget and the failures that disable; absent: no budget, never disabled. */
  limits?: StrategyLimits;
  /** Where failures are logged; absent: counted only. */
  log?: Log;
  /** Who is told when the strategy is disabled; absent: nobody. */
  pager?: Pager;
}

/** The strategy as an object (run in process) or behind a runner that isolates it. */
export type StrategyHostOptions = StrategyHostDuties & ({ strategy: Strategy; runner?: never } | { runner: StrategyRunner; strategy?: never });

/** One strategy's tally for the run's report. */
export interface StrategyStats {
  /** Tick batches it ran on (whatever came of them). */
  ticks: number;
  /** Intents published. */
  intents: number;
  errors: number;
  timeouts: number;
  disabled: boolean;
}

export interface RunawayTrip {
  breachId: string;
  /** Epoch ms of the tick that tripped the guard. */
  at: number;
  /** Intents within the window when the guard tripped, the refused one included (limit + 1). */
  observed: number;
  /** Whether the breach reached the bus (it is retried on every later tick until it does). */
  published: boolean;
}

export class StrategyHost {
  private sequence = 0;
  readonly intentIds: string[] = [];
  /** Valid proposals the guard refused. */
  refused = 0;
  /** Valid proposals the strategy made, published or not. */
  proposed = 0;
  private ticks = 0;
  private published = 0;
  private readonly recent: number[] = [];
  private trip: (RunawayTrip & { event: DomainEvent }) | undefined;
  private readonly startedAt: number;
  private readonly runner: StrategyRunner;
  private starting: Promise<string> | undefined;
  /** Known once started (at once for a strategy object). */
  private strategyName: string | undefined;
  private failures: StrategyFailures | undefined;
  private off = false;

  constructor(private readonly options: StrategyHostOptions) {
    if (!/^[A-Za-z0-9-]{1,24}$/.test(options.runId)) throw new RangeError('runId must be 1-24 letters, digits or "-"');
    const limit = options.intentRate;
    if (limit && (!Number.isInteger(limit.maxIntents) || limit.maxIntents < 1 || !(limit.windowMs > 0))) {
      throw new RangeError('intentRate needs a positive integer maxIntents and a positive windowMs');
    }
    const limits = options.limits;
    if (limits && (!(limits.tickBudgetMs > 0) || !Number.isInteger(limits.maxConsecutiveFailures) || limits.maxConsecutiveFailures < 1)) {
      throw new RangeError('limits need a positive tickBudgetMs and a positive integer maxConsecutiveFailures');
    }
    this.startedAt = options.clock.now();
    this.runner = options.runner ?? new InProcessStrategyRunner(options.strategy);
    if (options.strategy) this.named(options.strategy.name);
  }

  /** The guard's trip, once it has tripped. */
  get runaway(): RunawayTrip | undefined {
    if (!this.trip) return undefined;
    const { event: _event, ...trip } = this.trip;
    return trip;
  }

  /** The strategy's name; throws before start() resolved for a strategy behind a runner. */
  get name(): string {
    if (this.strategyName === undefined) throw new Error('the strategy has not started');
    return this.strategyName;
  }

  get disabled(): boolean {
    return this.failures?.disabled ?? false;
  }

  /** Whether a person switched the strategy off: the host then calls it no more until it is switched on. */
  get switchedOff(): boolean {
    return this.off;
  }

  set switchedOff(off: boolean) {
    this.off = off;
  }

  stats(): StrategyStats {
    return { ticks: this.ticks, intents: this.published, errors: this.failures?.errors ?? 0, timeouts: this.failures?.timeouts ?? 0, disabled: this.disabled };
  }

  /** Starts the runner once (onTicks starts it too); rejects when the strategy cannot be loaded. */
  start(): Promise<string> {
    this.starting ??= this.runner.start().then((name) => {
      this.named(name);
      return name;
    });
    return this.starting;
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  async onTicks(ticks: readonly MarketTick[]): Promise<number> {
    await this.start();
    const failures = this.failures as StrategyFailures;
    const { account, clock, limits } = this.options;
    if (this.off) return 0;
    if (!failures.disabled) {
      const nowMs = clock.now();
      const budgetMs = limits?.tickBudgetMs ?? Number.POSITIVE_INFINITY;
      const outcome = await this.runner.runTicks(ticks, { account, nowMs }, budgetMs);
      this.ticks++;
      if (outcome.kind === 'proposals') {
        failures.succeeded();
        return this.publish(ticks, outcome.proposals, nowMs);
      }
      if (failures.failed(outcome, budgetMs)) await this.runner.stop();
    }
    await failures.sendPage();
    await this.publishBreach();
    return 0;
  }

  private named(name: string): void {
    const { account, runId, telemetry, limits, log, pager } = this.options;
    this.strategyName = name;
    this.failures ??= new StrategyFailures({
      strategy: name,
      account,
      runId,
      telemetry,
      ...(limits ? { maxConsecutiveFailures: limits.maxConsecutiveFailures } : {}),
      ...(log ? { log } : {}),
      ...(pager ? { pager } : {}),
    });
  }

  /** Validates the proposals, admits them through the guard and publishes the intents; returns how many. */
  private async publish(ticks: readonly MarketTick[], proposals: readonly unknown[], nowMs: number): Promise<number> {
    const { account, runId, bus, telemetry } = this.options;
    const strategy = this.name;
    const events: DomainEvent[] = [];
    for (const proposal of proposals) {
      const parsed = StrategyOrderSchema.safeParse(proposal);
      if (!parsed.success) {
        telemetry.count(STRATEGY_METRICS.proposalInvalid, { strategy });
        continue;
      }
      this.proposed++;
      if (!this.admit(nowMs)) {
        this.refused++;
        telemetry.count(STRATEGY_METRICS.intentRefused, { strategy, reason: 'INTENT_RATE' });
        continue;
      }
      const intentId = `${runId}-${++this.sequence}`;
      const createdAt = utcNow(nowMs);
      events.push(
        domainEvent(DETAIL_TYPES.OrderIntended, {
          meta: buildMeta({
            detailType: DETAIL_TYPES.OrderIntended,
            occurredAt: createdAt,
            correlationId: intentId,
            causationId: ticks[0] ? `tick:${ticks[0].symbol}:${ticks[0].at}` : 'tick',
            account,
            strategy,
            producer: 'feed',
          }),
          data: { intentId, ...parsed.data, createdAt },
        }),
      );
      this.intentIds.push(intentId);
    }
    // The breach goes out first: the halt must not wait behind the intents the guard still let through.
    await this.publishBreach();
    if (events.length > 0) await bus.publish(events);
    this.published += events.length;
    return events.length;
  }

  /** Within the limit: count the intent. Over it: trip (once) and refuse this and every later proposal. */
  private admit(nowMs: number): boolean {
    const limit = this.options.intentRate;
    if (this.trip) return false;
    if (!limit) return true;
    const inWindow = this.inWindow(nowMs);
    if (inWindow < limit.maxIntents) {
      this.recent.push(nowMs);
      return true;
    }
    this.tripGuard(nowMs, inWindow + 1, limit);
    return false;
  }

  private inWindow(nowMs: number): number {
    const windowMs = this.options.intentRate?.windowMs ?? 0;
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= nowMs - windowMs) this.recent.shift();
    return this.recent.length;
  }

  private tripGuard(nowMs: number, observed: number, limit: IntentRateLimit): void {
    const { account, telemetry } = this.options;
    const strategy = this.name;
    const breachId = boundedBreachId('INTENT_RATE', account, compactUtcSecond(nowMs));
    const detectedAt = utcNow(nowMs);
    telemetry.count(STRATEGY_METRICS.runawayTripped, { strategy });
    this.trip = {
      breachId,
      at: nowMs,
      observed,
      published: false,
      event: domainEvent(DETAIL_TYPES.RiskBreach, {
        meta: buildMeta({
          detailType: DETAIL_TYPES.RiskBreach,
          occurredAt: detectedAt,
          correlationId: breachId,
          causationId: `strategy-host:${this.options.runId}`,
          account,
          strategy,
          producer: 'feed',
        }),
        data: {
          breachId,
          kind: 'INTENT_RATE',
          account,
          observed: String(observed),
          threshold: String(limit.maxIntents),
          // The host's start stands for the session: the guard's count starts with it.
          sessionStart: utcNow(this.startedAt),
          detectedAt,
        },
      }),
    };
  }

  private async publishBreach(): Promise<void> {
    const trip = this.trip;
    if (!trip || trip.published) return;
    try {
      await this.options.bus.publish([trip.event]);
      trip.published = true;
    } catch {
      // The strategy stays stopped either way; the breach is sent again on the next tick.
      this.options.telemetry.count(STRATEGY_METRICS.breachUnpublished, { strategy: this.name });
    }
  }
}
