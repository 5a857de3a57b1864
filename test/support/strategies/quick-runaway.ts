// Test strategy: the runaway strategy with a 3 s warm-up instead of 10 s, so an end-to-end run of the guard
// stays short (the guard trips on the host's count, which no emulator slows down).
import createRunaway from '../../../strategies/runaway';
import type { Strategy, StrategyOptions } from '../../../shared/strategy/strategy';

export default function create(options: StrategyOptions): Strategy {
  return createRunaway({ ...options, warmupMs: 3_000 });
}
