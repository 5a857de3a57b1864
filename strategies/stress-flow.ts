// The stress-flow strategy of `npm start -- --scenario stress`: market orders at a fixed rate (the session passes
// twice the environment's peak as `intentsPerSecond`) round-robin over its symbols, sizes drawn from the seed.
// It exists to load the pipeline at a known rate, not to make money.
import { seededRandom } from '../shared/random/seeded';
import type { MarketTick, Strategy, StrategyOptions, StrategyOrder } from '../shared/strategy/strategy';

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
  const rate = options.intentsPerSecond ?? STRESS_FLOW_INTENTS_PER_SECOND;
  const random = seededRandom(options.seed * 31 + 7);
  const priced = new Set<string>();
  let lastMs: number | undefined;
  // Fractions of an order carried between ticks, so the rate holds whatever the tick interval is.
  let carry = 0;
  let next = 0;
  const sent = new Map<string, number>();

  return {
    name: 'stress-flow',
    onTicks(ticks: readonly MarketTick[], context): StrategyOrder[] {
      for (const tick of ticks) priced.add(tick.symbol);
      const elapsedMs = lastMs === undefined ? 100 : Math.min(MAX_CATCH_UP_MS, Math.max(0, context.nowMs - lastMs));
      lastMs = context.nowMs;
      carry += (rate * elapsedMs) / 1000;
      const count = Math.floor(carry);
      carry -= count;
      const symbols = options.symbols.filter((s) => priced.has(s));
      const orders: StrategyOrder[] = [];
      for (let i = 0; i < count && symbols.length > 0; i++) {
        const symbol = symbols[next++ % symbols.length] ?? '';
        const n = sent.get(symbol) ?? 0;
        sent.set(symbol, n + 1);
        // Buy and sell in turn per symbol, so the approved ones leave positions near flat.
        const size = 1 + Math.floor(random() * MAX_SIZE);
        orders.push({ symbol, side: n % 2 === 0 ? 'buy' : 'sell', quantity: String(size), orderType: 'market', timeInForce: 'day' });
      }
      return orders;
    },
  };
}
