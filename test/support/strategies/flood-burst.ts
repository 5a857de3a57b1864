// Test strategy: the runaway strategy cut to one burst, so an end-to-end run stays short: 1 s of sane
// trading, then 1,500 intents a second until 300 have gone out, then silence. Three times the default
// flood limit of a strategy within one second, and a backlog the risk function decides in seconds.
import createRunaway from '../../../strategies/runaway';
import type { Strategy, StrategyOptions } from '../../../shared/strategy/strategy';

const BURST = 300;

export default function create(options: StrategyOptions): Strategy {
  const runaway = createRunaway({ ...options, warmupMs: 1_000 });
  let startedMs: number | undefined;
  let burst = 0;
  return {
    name: 'flood-burst',
    async onTicks(ticks, context) {
      startedMs ??= context.nowMs;
      const orders = await runaway.onTicks(ticks, context);
      if (context.nowMs - startedMs < 1_000) return orders;
      const room = Math.max(0, BURST - burst);
      burst += Math.min(room, orders.length);
      return orders.slice(0, room);
    },
  };
}
