// The strategy runner port: runs one strategy's code where it cannot stall or crash its caller, one tick batch
// at a time within a time budget. Adapters: a worker thread per strategy, and in process (tests, objects).
// What comes back is untrusted: the caller validates every proposal.

export interface MarketTick {
  symbol: string;
  /** Decimal string. */
  price: string;
  /** UTC ISO-8601 with milliseconds. */
  at: string;
}

export interface StrategyContext {
  account: string;
  /** Epoch milliseconds of the tick batch. */
  nowMs: number;
}

/** What a strategy threw (or why its answer could not be used), as plain data: it may come from another thread. */
export interface StrategyFault {
  name: string;
  message: string;
  stack?: string;
}

export type TickOutcome =
  | { kind: 'proposals'; proposals: readonly unknown[] }
  | { kind: 'error'; fault: StrategyFault }
  /** No answer within the budget: the batch is abandoned and whatever it proposes later is dropped. */
  | { kind: 'timeout' };

export interface StrategyRunner {
  /** Loads the strategy and resolves with its name; rejects (a StrategyLoadError for a module) when it cannot. */
  start(): Promise<string>;
  /** Never rejects and, for a finite budget, settles soon after it (whatever the strategy does). */
  runTicks(ticks: readonly MarketTick[], context: StrategyContext, budgetMs: number): Promise<TickOutcome>;
  /** Stops the strategy for good; later batches come back as errors. Idempotent. */
  stop(): Promise<void>;
}
