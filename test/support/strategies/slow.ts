// Test strategy: keeps its thread busy for 50 ms on every tick batch, then proposes one order whose quantity
// counts the batches it has seen (so a test can tell its state survived).
import type { Strategy } from '../../../shared/strategy/strategy';

export const SLOW_MS = 50;

export default function create(): Strategy {
  let batches = 0;
  return {
    name: 'slow',
    onTicks() {
      const until = Date.now() + SLOW_MS;
      while (Date.now() < until) {
        // busy on purpose: slow work, not waiting
      }
      batches++;
      return [{ symbol: 'AAPL', side: 'buy', quantity: String(batches) }];
    },
  };
}
