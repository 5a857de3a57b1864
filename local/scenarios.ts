// The local scenarios and all that differs between them: the venue's behaviour, the symbols and their
// reference data, the starting cash, the feed stall and the default strategy. The rest of a run is the same.
import type { SimulatedBrokerOptions } from '../adapters/broker/simulated-broker';
import type { InstrumentReference } from '../shared/market/marks';
import type { Strategy, StrategyOptions } from '../shared/strategy/strategy';
import createRunaway from '../strategies/runaway';
import { DEFAULT_REFERENCE, DEFAULT_SYMBOLS, RUNAWAY_REFERENCE, RUNAWAY_SYMBOLS, type SymbolSpec } from './market';
import { loadStrategy } from './strategy-loader';

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
 */
export const SCENARIOS = ['normal', 'broker-faults', 'runaway', 'feed-stall'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const DEFAULT_STARTING_CASH = '1000000';
/** The runaway account is funded so that the gross-notional cap, not leverage, is the binding exposure limit. */
const RUNAWAY_STARTING_CASH = '10000000';

/** feed-stall: the feed hangs this long after the start, and the dead-man switch allows a 5 s old heartbeat. */
const FEED_STALL_AFTER_MS = 3_000;
const FEED_STALL_HEARTBEAT_LIMIT_S = 5;

const brokerBehaviour = (scenario: Scenario): Partial<SimulatedBrokerOptions> =>
  scenario === 'broker-faults'
    ? {
        faults: { rate: 0.2, lostUpdateRate: 0.2 },
        partialFills: { probability: 0.4, maxSlices: 4 },
        cancelRace: 0.3,
        latencyMs: { min: 0, max: 15 },
        dedupeClientOrderIds: false,
      }
    : {};

export interface ScenarioProfile {
  scenario: Scenario;
  symbols: readonly SymbolSpec[];
  reference: Readonly<Record<string, InstrumentReference>>;
  /** Cash paid into the account when the run does not name its own. */
  startingCash: string;
  broker: Partial<SimulatedBrokerOptions>;
  /** The feed hangs this long after the start; absent: it never does. */
  feedStallAfterMs?: number;
  /** The dead-man switch's heartbeat limit in place of the environment's; absent: the environment's. */
  maxHeartbeatAgeSeconds?: number;
}

export const scenarioProfile = (scenario: Scenario): ScenarioProfile => ({
  scenario,
  symbols: scenario === 'runaway' ? RUNAWAY_SYMBOLS : DEFAULT_SYMBOLS,
  reference: scenario === 'runaway' ? RUNAWAY_REFERENCE : DEFAULT_REFERENCE,
  startingCash: scenario === 'runaway' ? RUNAWAY_STARTING_CASH : DEFAULT_STARTING_CASH,
  broker: brokerBehaviour(scenario),
  // The local feed beats every second, so a 5 s limit shows the trip soon after the stall.
  ...(scenario === 'feed-stall' ? { feedStallAfterMs: FEED_STALL_AFTER_MS, maxHeartbeatAgeSeconds: FEED_STALL_HEARTBEAT_LIMIT_S } : {}),
});

/** The runaway scenario trades the runaway strategy unless the run names its own. */
export const strategyFor = async (scenario: Scenario, strategyPath: string | undefined, options: StrategyOptions): Promise<Strategy> =>
  scenario === 'runaway' && !strategyPath ? createRunaway(options) : loadStrategy(strategyPath, options);
