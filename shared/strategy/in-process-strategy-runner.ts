// Runs a strategy object on the caller's own thread: for tests and strategies passed as objects. Errors and
// garbage come back as outcomes and an awaited answer is abandoned at its budget, but a synchronous loop
// stalls the caller: only a runner with its own thread (the worker runner) protects the feed from that.
import type { MarketTick, StrategyContext, StrategyRunner, TickOutcome } from '../ports/strategy-runner';
import { callStrategy, STOPPED_OUTCOME } from './strategy-call';
import type { Strategy } from './strategy';

export class InProcessStrategyRunner implements StrategyRunner {
  private stopped = false;

  constructor(private readonly strategy: Strategy) {}

  async start(): Promise<string> {
    return this.strategy.name;
  }

  async runTicks(ticks: readonly MarketTick[], context: StrategyContext, budgetMs: number): Promise<TickOutcome> {
    if (this.stopped) return STOPPED_OUTCOME;
    const answer = callStrategy(this.strategy, ticks, context);
    if (!Number.isFinite(budgetMs)) return answer;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<TickOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), budgetMs);
    });
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}
