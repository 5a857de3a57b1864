// The messages between WorkerStrategyRunner and its worker (strategy-worker.ts): plain data, structured-cloned.
import type { MarketTick, StrategyContext, StrategyFault, TickOutcome } from '../../shared/ports/strategy-runner';
import type { StrategyOptions } from '../../shared/strategy/strategy';

export interface StrategyWorkerData {
  modulePath: string;
  options: StrategyOptions;
}

/** One tick batch; `id` pairs it with its answer. */
export interface TickBatchMessage {
  id: number;
  ticks: readonly MarketTick[];
  context: StrategyContext;
}

export type StrategyWorkerMessage =
  | { type: 'ready'; name: string }
  | { type: 'load-failed'; why: string; fault: StrategyFault }
  | { type: 'outcome'; id: number; outcome: TickOutcome };
