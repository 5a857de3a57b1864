// Sample strategy: a toy momentum rule over the simulated market. Buys a symbol after it rose on two ticks
// in a row, sells after two falls; sizes are small and whole. It exists to exercise the pipeline, not to
// make money. Every 25th order is deliberately oversized (x1000) so a run shows the notional control
// denying it. Copy it as the starting point of your own strategy (see README, "Writing a strategy").
import type { MarketTick, Strategy, StrategyOptions, StrategyOrder } from '../shared/strategy/strategy';

export default function createSampleMomentum(options: StrategyOptions): Strategy {
  const last = new Map<string, { price: string; direction: number; streak: number }>();
  // A tiny seeded generator so the same seed gives the same sizes.
  let state = options.seed >>> 0 || 1;
  const nextInt = (max: number) => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state % max;
  };

  let proposals = 0;

  return {
    name: 'sample-momentum',
    onTicks(ticks: readonly MarketTick[]): StrategyOrder[] {
      const orders: StrategyOrder[] = [];
      for (const tick of ticks) {
        const previous = last.get(tick.symbol);
        // Compare as decimals via string-safe ordering: equal-scale prices compare by Number safely enough
        // for a signal, and no money is computed here.
        const direction = previous ? Math.sign(Number(tick.price) - Number(previous.price)) : 0;
        const streak = previous && direction !== 0 && direction === previous.direction ? previous.streak + 1 : 1;
        last.set(tick.symbol, { price: tick.price, direction, streak });
        if (direction !== 0 && streak === 2) {
          const size = 1 + nextInt(10);
          const fatFinger = ++proposals % 25 === 0;
          orders.push({ symbol: tick.symbol, side: direction > 0 ? 'buy' : 'sell', quantity: String(fatFinger ? size * 1000 : size) });
        }
      }
      return orders;
    },
  };
}
