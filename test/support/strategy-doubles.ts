// Doubles for the strategy host's tests: a strategy that does on each batch what the test sets next, a log
// that keeps its error lines, and a bus that refuses breaches while told to.
import { DETAIL_TYPES, type DomainEvent } from '../../shared/events/catalog';
import type { Log } from '../../shared/ports/log';
import type { Strategy, StrategyOrder } from '../../shared/strategy/strategy';
import { RecordingBus } from './fixtures';

export const order: StrategyOrder = { symbol: 'AAPL', side: 'buy', quantity: '1' };
export type Step = 'ok' | 'throw' | 'hang' | 'not-a-list' | 'junk';

export class RecordingLog implements Log {
  readonly errors: { message: string; attributes: Record<string, unknown> }[] = [];
  info(): void {}
  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.errors.push({ message, attributes: Object.assign({}, ...attributes) as Record<string, unknown> });
  }
}

/** A strategy that does, on each batch, what the test sets next; `calls` counts the batches it was given. */
export const scripted = (name = 'scripted') => {
  const state = { next: 'ok' as Step, calls: 0 };
  const strategy: Strategy = {
    name,
    onTicks: () => {
      state.calls++;
      switch (state.next) {
        case 'throw':
          throw new Error(`failure ${state.calls}`);
        case 'hang':
          return new Promise<StrategyOrder[]>(() => undefined);
        case 'not-a-list':
          return { orders: [order] } as unknown as StrategyOrder[];
        case 'junk':
          return [order, { ...order, side: 'hold' }, null] as unknown as StrategyOrder[];
        default:
          return [{ ...order }];
      }
    },
  };
  return { strategy, state };
};

/** Refuses every batch holding a RiskBreach while `refusing` is true; keeps the rest. */
export class BreachRefusingBus extends RecordingBus {
  refusing = true;
  override async publish(batch: readonly DomainEvent[]): Promise<void> {
    if (this.refusing && batch.some((e) => e.detailType === DETAIL_TYPES.RiskBreach)) throw new Error('bus down');
    await super.publish(batch);
  }
}
