// The stress-flow strategy of `npm start -- --scenario stress`: market orders at a fixed rate (the session passes
// twice the environment's peak as `intentsPerSecond`) round-robin over its symbols, sizes drawn from the seed.
// It exists to load the pipeline at a known rate, not to make money.
import { seededRandom } from '../shared/random/seeded';
import type { Strategy, StrategyOptions } from '../shared/strategy/strategy';
import { pacedFlow } from './steady-flow';

/** Twice the local environment's peak (load.peakIntentsPerSecond 100): the rate when none is passed. */
export const STRESS_FLOW_INTENTS_PER_SECOND = 200;

/**
 * A late tick proposes at most this much time's worth: a starved worker loses what it missed rather than
 * bursting to catch up, so no window of a second ever holds more than 1.2 times the rate (the runaway guard
 * and the flood limit sit at 2.5 times the peak, 1.25 times the rate).
 */
export const MAX_CATCH_UP_MS = 200;

/** Sizes of 1 to 100 shares: a few thousand to tens of thousands of notional on the local symbols. */
const MAX_SIZE = 100;

export interface StressFlowOptions extends StrategyOptions {
  intentsPerSecond?: number;
}

export default function createStressFlow(options: StressFlowOptions): Strategy {
  const random = seededRandom(options.seed * 31 + 7);
  return pacedFlow(options, {
    name: 'stress-flow',
    intentsPerSecond: options.intentsPerSecond ?? STRESS_FLOW_INTENTS_PER_SECOND,
    firstIndex: 0,
    maxCatchUpMs: MAX_CATCH_UP_MS,
    // Buy and sell in turn per symbol (pacedFlow), so the approved ones leave positions near flat.
    sizeOf: () => 1 + Math.floor(random() * MAX_SIZE),
  });
}
