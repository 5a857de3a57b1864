// The steady-flow strategy of `npm start -- --scenario kill-drill`: a constant stream of small market orders
// (default 30 a second) round-robin over its symbols, each symbol alternating buy and sell so positions stay
// near flat, sizes cycling 1..7 so no two orders of a symbol and side look alike within the duplicate window.
// It exists to keep orders in flight while the kill switch is pressed, not to make money.
import type { MarketTick, Strategy, StrategyOptions, StrategyOrder } from '../shared/strategy/strategy';

export const STEADY_FLOW_INTENTS_PER_SECOND = 30;

export interface SteadyFlowOptions extends StrategyOptions {
  intentsPerSecond?: number;
}

const SIZES = 7;

/** How a paced flow proposes: its name, its rate, where its round-robin starts, the catch-up cap and each order's size. */
export interface PacedFlow {
  name: string;
  intentsPerSecond: number;
  /** The round-robin's first index into the priced symbols. */
  firstIndex: number;
  /** A late tick proposes at most this much time's worth (none: all it missed). */
  maxCatchUpMs?: number;
  /** The size of a symbol's n-th order (from 0). */
  sizeOf: (n: number) => number;
}

/**
 * Market orders at a fixed rate, round-robin over the symbols priced so far, each symbol alternating buy and sell.
 * Fractions of an order are carried between ticks, so the rate holds whatever the tick interval is.
 */
export const pacedFlow = (options: StrategyOptions, flow: PacedFlow): Strategy => {
  const priced = new Set<string>();
  let lastMs: number | undefined;
  let carry = 0;
  let next = flow.firstIndex;
  const sent = new Map<string, number>();

  return {
    name: flow.name,
    onTicks(ticks: readonly MarketTick[], context): StrategyOrder[] {
      for (const tick of ticks) priced.add(tick.symbol);
      const elapsedMs = lastMs === undefined ? 100 : Math.min(flow.maxCatchUpMs ?? Number.POSITIVE_INFINITY, Math.max(0, context.nowMs - lastMs));
      lastMs = context.nowMs;
      carry += (flow.intentsPerSecond * elapsedMs) / 1000;
      const count = Math.floor(carry);
      carry -= count;
      const symbols = options.symbols.filter((s) => priced.has(s));
      const orders: StrategyOrder[] = [];
      for (let i = 0; i < count && symbols.length > 0; i++) {
        const symbol = symbols[next++ % symbols.length] ?? '';
        const n = sent.get(symbol) ?? 0;
        sent.set(symbol, n + 1);
        orders.push({ symbol, side: n % 2 === 0 ? 'buy' : 'sell', quantity: String(flow.sizeOf(n)), orderType: 'market', timeInForce: 'day' });
      }
      return orders;
    },
  };
};

export default function createSteadyFlow(options: SteadyFlowOptions): Strategy {
  return pacedFlow(options, {
    name: 'steady-flow',
    intentsPerSecond: options.intentsPerSecond ?? STEADY_FLOW_INTENTS_PER_SECOND,
    firstIndex: options.seed >>> 0,
    // buy k, sell k, buy k+1, sell k+1, …: a symbol's position never drifts by more than one order.
    sizeOf: (n) => 1 + (Math.floor(n / 2) % SIZES),
  });
}
