// The runaway strategy of `npm start -- --scenario runaway`: Knight Capital's failure on purpose. After a
// warm-up of sane trading (default 10 s at 5 orders a second, so the account holds positions and orders are
// moving when it breaks, and the local pipeline has warmed as a deployed one has: DynamoDB Local answers
// several times slower in its first seconds, which a halt timed against a 1 s budget must not measure), it fires market orders at a fixed rate (default 1,500 a second, Knight's
// execution rate) round-robin across every
// symbol it is given, buying the first half of the symbols and selling the second half (Knight ended up long
// and short at once), each order worth about `notionalPerOrder` at the last price. It never stops by
// itself: the controls must stop it. Not a strategy to copy.
import type { MarketTick, Strategy, StrategyOptions, StrategyOrder } from '../shared/strategy/strategy';

export const RUNAWAY_INTENTS_PER_SECOND = 1_500;

export interface RunawayOptions extends StrategyOptions {
  intentsPerSecond?: number;
  /** Target notional of each order, in currency (default 100,000). */
  notionalPerOrder?: number;
  warmupMs?: number;
  warmupIntentsPerSecond?: number;
}

export default function createRunaway(options: RunawayOptions): Strategy {
  const rate = options.intentsPerSecond ?? RUNAWAY_INTENTS_PER_SECOND;
  const notional = options.notionalPerOrder ?? 100_000;
  const warmupMs = options.warmupMs ?? 10_000;
  const warmupRate = options.warmupIntentsPerSecond ?? 5;
  let startedMs: number | undefined;
  const prices = new Map<string, number>();
  const buying = new Set(options.symbols.slice(0, Math.ceil(options.symbols.length / 2)));
  let lastMs: number | undefined;
  // Fractions of an order carried between ticks, so the rate holds whatever the tick interval is.
  let carry = 0;
  let next = 0;

  return {
    name: 'runaway',
    onTicks(ticks: readonly MarketTick[], context): StrategyOrder[] {
      // Prices only size the orders; no money is computed here.
      for (const tick of ticks) prices.set(tick.symbol, Number(tick.price));
      const elapsedMs = lastMs === undefined ? 100 : Math.max(0, context.nowMs - lastMs);
      lastMs = context.nowMs;
      startedMs ??= context.nowMs;
      carry += ((context.nowMs - startedMs < warmupMs ? warmupRate : rate) * elapsedMs) / 1000;
      const count = Math.floor(carry);
      carry -= count;
      const orders: StrategyOrder[] = [];
      const symbols = options.symbols.filter((s) => (prices.get(s) ?? 0) > 0);
      for (let i = 0; i < count && symbols.length > 0; i++) {
        const symbol = symbols[next++ % symbols.length] ?? '';
        const quantity = Math.max(1, Math.floor(notional / (prices.get(symbol) ?? 1)));
        orders.push({ symbol, side: buying.has(symbol) ? 'buy' : 'sell', quantity: String(quantity), orderType: 'market', timeInForce: 'day' });
      }
      return orders;
    },
  };
}
