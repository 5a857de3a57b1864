// Calls a strategy's onTicks and turns whatever happens into a TickOutcome: its list of proposals (still
// unvalidated), or the fault it threw or the reason its answer is no list. It never throws.
import type { MarketTick, StrategyContext, StrategyFault, TickOutcome } from '../ports/strategy-runner';
import type { Strategy } from './strategy';

const describe = (value: unknown): string => {
  if (value === null || value === undefined) return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
};

export const faultOf = (error: unknown): StrategyFault =>
  error instanceof Error
    ? { name: error.name, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) }
    : { name: 'NonErrorThrown', message: `threw ${describe(error)}: ${String(error)}` };

export const faultOutcome = (name: string, message: string): TickOutcome => ({ kind: 'error', fault: { name, message } });

/** What a stopped runner answers: the strategy is not run again. */
export const STOPPED_OUTCOME = faultOutcome('StrategyStopped', 'the strategy was stopped');

export const callStrategy = async (strategy: Strategy, ticks: readonly MarketTick[], context: StrategyContext): Promise<TickOutcome> => {
  try {
    const answer: unknown = await strategy.onTicks(ticks, context);
    if (!Array.isArray(answer)) return faultOutcome('StrategyAnswerInvalid', `onTicks returned ${describe(answer)}, not a list of orders`);
    return { kind: 'proposals', proposals: answer };
  } catch (error) {
    return { kind: 'error', fault: faultOf(error) };
  }
};
