// The local scenarios and all that differs between them: the venue's behaviour, the symbols and their
// reference data, the starting cash, the feed's faults and the default strategy. The rest of a run is the same.
import { join, resolve } from 'node:path';
import type { SimulatedBrokerOptions } from '../adapters/broker/simulated-broker';
import type { InstrumentReference } from '../shared/market/marks';
import type { RiskLimits } from '../shared/risk/limits';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import type { IntentRateLimit } from '../shared/strategy/strategy-host';
import type { ChaosRates } from './chaos';
import { CRYPTO_REFERENCE, CRYPTO_SYMBOLS, DEFAULT_REFERENCE, DEFAULT_SYMBOLS, RUNAWAY_REFERENCE, RUNAWAY_SYMBOLS, type SymbolSpec } from './market';

/**
 * `runaway`: Knight Capital on purpose. A strategy fires 1,500 market orders a second round-robin over 40
 * symbols (strategies/runaway.ts) into a well-funded account; the report measures how fast trading halts
 * and whether anything reached the broker after it (haltLatencyMs, ordersAfterHalt, peakGrossExposure).
 * `feed-stall`: the feed task hangs 3 s into the run (no ticks, marks, intents or heartbeat); the dead-man
 * switch, which allows a 5 s old heartbeat in this scenario, must cancel and halt through a FEED_STALE breach.
 * What the simulated venue does besides filling orders. `broker-faults`: a fifth of all broker calls fail
 * (5xx, 429, resets, timeouts before and after the effect), a fifth of the stream's updates are lost,
 * fills come in slices and cancels race fills; the venue does not deduplicate client order ids, so any
 * re-send of an order the broker already has would show up as a duplicate.
 * `flash-crash`: 5 s in, AAPL falls 10 % within two seconds, with bad ticks (a zero bid, a crossed quote, a
 * half-price spike, a minute-old quote) mixed into the feed: the validator rejects them, the controls act on the
 * real move. `feed-failover`: crypto pairs on Alpaca's crypto feed with Coinbase behind it; the primary dies
 * 5 s in and the backup takes over without a halt. `feed-outage`: both sources die 5 s in: the marks go stale
 * and the dead-man switch (6 s mark limit here) halts through a FEED_STALE breach.
 * `kill-drill`: a strategy keeps 30 orders a second flowing (strategies/steady-flow.ts; the account's rate
 * limit and execution throttle are raised so that holds) while the session presses the kill switch through the
 * local API at seeded random moments, waits for a clean reconciliation, releases as a second person, approves
 * the breaker's recovery as a third and trades again, ten times (local/kill-drill.ts); the report's
 * `killDrills` counts the orders that started towards the broker after a stop (must be 0).
 * `chaos`: a normal run with the broker-faults venue, where the functions' DynamoDB client also throttles and
 * cancels transactions as conflicting, PutEvents fails some entries of a batch, queue messages are delivered
 * twice and order-function invocations die between two steps, each at a small seeded rate (local/chaos.ts);
 * the report's `chaos` counts them and checks no intent reached the broker twice, every fill was booked once
 * and reconciliation ends clean.
 * `stress`: MiFID II RTS 6 art. 10's stress test. A strategy proposes twice the environment's peak
 * (`load.peakIntentsPerSecond`) for at least 60 s (strategies/stress-flow.ts), the runaway guard and the flood
 * limit raised to 2.5 times the peak, the order-rate limit left as the environment says so most intents are
 * denied; at two-thirds of the run the session halts the account (local/stress.ts); the report's `stress`
 * holds the sustained decisions a second, their latency, the backlog, the marks' age and the orders after the halt.
 */
export const SCENARIOS = ['normal', 'broker-faults', 'runaway', 'feed-stall', 'flash-crash', 'feed-failover', 'feed-outage', 'kill-drill', 'chaos', 'stress'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const DEFAULT_STARTING_CASH = '1000000';
/** The runaway account is funded so that the gross-notional cap, not leverage, is the binding exposure limit. */
const RUNAWAY_STARTING_CASH = '10000000';

/** feed-stall: the feed hangs this long after the start, and the dead-man switch allows a 5 s old heartbeat. */
const FEED_STALL_AFTER_MS = 3_000;
const FEED_STALL_HEARTBEAT_LIMIT_S = 5;
/** The feed's faults (a crash, a source dying) come this long after the start. */
const FEED_FAULT_AFTER_MS = 5_000;
/** feed-outage: marks this old mean frozen prices (the environment's minute would outlast a local run). */
const FEED_OUTAGE_MARK_LIMIT_S = 6;

/** kill-drill: drills in a run, and the breaker's waits (cooldown, probation), short so ten fit in a minute. */
export const KILL_DRILLS = 10;
const KILL_DRILL_BREAKER_WAIT_MS = 600;

/**
 * kill-drill: the run's limits let a steady 30 orders a second through (the environment's 20 a second, and 500
 * fills a minute per strategy, would stop the flow the drill needs before the kill switch does).
 */
const KILL_DRILL_LIMITS: Partial<RiskLimits> = {
  orderRate: { maxOrders: 100, windowMs: 1000, perSymbol: { maxOrders: 40, windowMs: 1000 } },
  executionThrottle: { maxFills: 100_000, windowMs: 60_000, scope: 'strategy' },
};
/** kill-drill: risk decisions in flight at once (the session's default is 4), so the flow keeps up locally. */
const KILL_DRILL_RISK_CONCURRENCY = 8;

/**
 * chaos: each fault's probability at each opportunity for it (a DynamoDB request, a transaction, a PutEvents call
 * of several entries, a queue batch, an order-function step), small enough that the run still trades, large
 * enough that a 6 s run sees every kind.
 */
const CHAOS_RATES: ChaosRates = { storageThrottle: 0.008, transactionConflict: 0.05, publishPartialFailure: 0.1, redelivery: 0.05, handlerDeath: 0.06 };
/** chaos: a worker killed holding a submission lease is taken over within seconds, not after the default 30 s. */
const CHAOS_ORDER_LEASE_MS = 5_000;

/** stress: the rate driven, and the runaway guard and flood limit, as multiples of the environment's peak. */
export const STRESS_PEAK_FACTOR = 2;
const STRESS_GUARD_FACTOR = 2.5;
/** stress: the breaker's cooldown outlasts the last third of any run (600 s at most), so HALTED holds to the end. */
const STRESS_BREAKER_WAIT_MS = 600_000;

/** What the stress run drives and when it halts (stress). */
export interface StressPlan {
  /** The environment's expected peak per account (load.peakIntentsPerSecond). */
  peakIntentsPerSecond: number;
  /** What the strategy proposes: twice the peak. */
  intentsPerSecond: number;
  /** The session halts the account this far into the run (a fraction of its duration). */
  haltAtFraction: number;
}

/**
 * stress: the flood limit and the host's guard sit above twice the peak (so the load itself trips neither), the
 * order-rate limit stays the environment's (most intents are denied RATE_LIMIT_EXCEEDED: the control acting
 * under load). Its ORDER_RATE breach is off: at twice the peak the window is full every second by design, and
 * the breach would halt in the third second; the session's own halt at two-thirds stands in. The execution
 * throttle is raised, as kill-drill's, so the run is not ended by a strategy disabled 25 s in.
 */
const stressProfile = (environment: Pick<EnvironmentConfig, 'load' | 'riskLimits'>): Partial<ScenarioProfile> => {
  const peak = environment.load.peakIntentsPerSecond;
  const ceiling = Math.ceil(peak * STRESS_GUARD_FACTOR);
  const { orderRate, executionThrottle } = environment.riskLimits;
  return {
    stress: { peakIntentsPerSecond: peak, intentsPerSecond: peak * STRESS_PEAK_FACTOR, haltAtFraction: 2 / 3 },
    strategyOptions: { intentsPerSecond: peak * STRESS_PEAK_FACTOR },
    runawayGuard: { maxIntents: ceiling, windowMs: 1000 },
    riskLimits: {
      intentFlood: { maxPerStrategyPerSecond: ceiling, maxPerAccountPerSecond: 2 * ceiling },
      orderRate: { ...orderRate, breakerAfterSaturatedWindows: 0 },
      executionThrottle: { ...executionThrottle, maxFills: 100_000 },
    },
    riskConcurrency: KILL_DRILL_RISK_CONCURRENCY,
    breakerWaitMs: STRESS_BREAKER_WAIT_MS,
  };
};

const brokerBehaviour = (scenario: Scenario): Partial<SimulatedBrokerOptions> =>
  scenario === 'broker-faults' || scenario === 'chaos'
    ? {
        faults: { rate: 0.2, lostUpdateRate: 0.2 },
        partialFills: { probability: 0.4, maxSlices: 4 },
        cancelRace: 0.3,
        latencyMs: { min: 0, max: 15 },
        dedupeClientOrderIds: false,
      }
    : {};

/** The feed's faults in a scenario, in ms after the run's start. */
export interface FeedFaults {
  /** One symbol falls by `fraction` over `durationMs`, with bad ticks mixed in meanwhile. */
  crash?: { symbol: string; afterMs: number; durationMs: number; fraction: string };
  primaryDownAfterMs?: number;
  backupDownAfterMs?: number;
}

export interface ScenarioProfile {
  scenario: Scenario;
  /** Stocks come from Alpaca's stock feed; crypto from Alpaca's crypto feed, with Coinbase as the backup. */
  market: 'stocks' | 'crypto';
  symbols: readonly SymbolSpec[];
  reference: Readonly<Record<string, InstrumentReference>>;
  /** Cash paid into the account when the run does not name its own. */
  startingCash: string;
  broker: Partial<SimulatedBrokerOptions>;
  /** The feed hangs this long after the start; absent: it never does. */
  feedStallAfterMs?: number;
  /** The dead-man switch's heartbeat limit in place of the environment's; absent: the environment's. */
  maxHeartbeatAgeSeconds?: number;
  /** The dead-man switch's mark-age limit in place of the environment's; absent: the environment's. */
  maxMarkAgeSeconds?: number;
  feedFaults: FeedFaults;
  /** The breaker's Wait states last this long locally (ms); absent: the session's default. */
  breakerWaitMs?: number;
  /** Risk limits of the run in place of the environment's (merged over them, field by field). */
  riskLimits?: Partial<RiskLimits>;
  /** Risk decisions in flight at once; absent: the session's default. */
  riskConcurrency?: number;
  /** Kill drills the session runs (kill-drill): the run ends once they are done. */
  killDrills?: number;
  /** The faults the session injects and their rates (chaos); absent: none. */
  chaos?: ChaosRates;
  /** The order function's submission lease in ms; absent: the session's default (30 s). */
  orderLeaseMs?: number;
  /** What the stress run drives and when the session halts the account (stress). */
  stress?: StressPlan;
  /** Options the strategy's factory receives beside its seed and symbols (stress: its rate). */
  strategyOptions?: Readonly<Record<string, number>>;
  /** The strategy host's runaway guard in place of the environment's (stress: above twice the peak). */
  runawayGuard?: IntentRateLimit;
}

const feedFaults = (scenario: Scenario): FeedFaults => {
  switch (scenario) {
    case 'flash-crash':
      return { crash: { symbol: 'AAPL', afterMs: FEED_FAULT_AFTER_MS, durationMs: 2_000, fraction: '0.10' } };
    case 'feed-failover':
      return { primaryDownAfterMs: FEED_FAULT_AFTER_MS };
    case 'feed-outage':
      return { primaryDownAfterMs: FEED_FAULT_AFTER_MS, backupDownAfterMs: FEED_FAULT_AFTER_MS };
    default:
      return {};
  }
};

/** The scenario's profile; stress reads the environment's peak and limits (default: the local environment's). */
export const scenarioProfile = (scenario: Scenario, environment: Pick<EnvironmentConfig, 'load' | 'riskLimits'> = loadEnvironmentConfig('local')): ScenarioProfile => {
  const crypto = scenario === 'feed-failover' || scenario === 'feed-outage';
  return {
    scenario,
    market: crypto ? 'crypto' : 'stocks',
    symbols: scenario === 'runaway' ? RUNAWAY_SYMBOLS : crypto ? CRYPTO_SYMBOLS : DEFAULT_SYMBOLS,
    reference: scenario === 'runaway' ? RUNAWAY_REFERENCE : crypto ? CRYPTO_REFERENCE : DEFAULT_REFERENCE,
    startingCash: scenario === 'runaway' ? RUNAWAY_STARTING_CASH : DEFAULT_STARTING_CASH,
    broker: brokerBehaviour(scenario),
    feedFaults: feedFaults(scenario),
    // The local feed beats every second, so a 5 s limit shows the trip soon after the stall.
    ...(scenario === 'feed-stall' ? { feedStallAfterMs: FEED_STALL_AFTER_MS, maxHeartbeatAgeSeconds: FEED_STALL_HEARTBEAT_LIMIT_S } : {}),
    ...(scenario === 'feed-outage' ? { maxMarkAgeSeconds: FEED_OUTAGE_MARK_LIMIT_S } : {}),
    ...(scenario === 'kill-drill' ? { breakerWaitMs: KILL_DRILL_BREAKER_WAIT_MS, riskLimits: KILL_DRILL_LIMITS, riskConcurrency: KILL_DRILL_RISK_CONCURRENCY, killDrills: KILL_DRILLS } : {}),
    ...(scenario === 'chaos' ? { chaos: CHAOS_RATES, orderLeaseMs: CHAOS_ORDER_LEASE_MS } : {}),
    ...(scenario === 'stress' ? stressProfile(environment) : {}),
  };
};

const STRATEGIES = resolve(import.meta.dirname, '..', 'strategies');

const SCENARIO_STRATEGIES: Partial<Record<Scenario, string>> = { runaway: 'runaway.ts', 'kill-drill': 'steady-flow.ts', stress: 'stress-flow.ts' };

/** The strategy module a run trades: its own (as given, from the working directory), else the scenario's (runaway, steady flow), else the sample. */
export const strategyPathFor = (scenario: Scenario, strategyPath: string | undefined): string =>
  strategyPath ?? join(STRATEGIES, SCENARIO_STRATEGIES[scenario] ?? 'sample-momentum.ts');
