// Test strategy: proposes one order whose quantity counts the batches it has answered, so a test can tell a
// fresh instance (state lost) from the same one. A batch whose first tick is HANG never returns; EXIT ends
// its thread (process.exit in a worker ends the worker only).
import type { Strategy } from '../../../shared/strategy/strategy';

export default function create(): Strategy {
  let batches = 0;
  return {
    name: 'counting',
    onTicks(ticks) {
      const symbol = ticks[0]?.symbol;
      if (symbol === 'EXIT') process.exit(3);
      while (symbol === 'HANG') {
        // stuck on purpose
      }
      batches++;
      return [{ symbol: 'AAPL', side: 'buy', quantity: String(batches) }];
    },
  };
}
