// Test strategy: answers with garbage, chosen by the first tick's symbol: NOT-A-LIST answers a string,
// UNCLONEABLE a list holding a function (it cannot leave a worker); any other symbol a list of junk
// entries around one valid order.
import type { Strategy, StrategyOrder } from '../../../shared/strategy/strategy';

export const VALID_ORDER: StrategyOrder = { symbol: 'AAPL', side: 'buy', quantity: '1' };

export default function create(): Strategy {
  return {
    name: 'garbage',
    onTicks(ticks) {
      const symbol = ticks[0]?.symbol;
      if (symbol === 'NOT-A-LIST') return 'buy everything' as unknown as StrategyOrder[];
      if (symbol === 'UNCLONEABLE') return [{ ...VALID_ORDER, quantity: () => '1' }] as unknown as StrategyOrder[];
      return [null, 42, 'sell', { symbol: 'AAPL', side: 'hold', quantity: '1' }, { ...VALID_ORDER, quantity: '-5' }, VALID_ORDER] as unknown as StrategyOrder[];
    },
  };
}
