// Test strategy: throws on every tick batch.
import type { Strategy } from '../../../shared/strategy/strategy';

export default function create(): Strategy {
  return {
    name: 'throwing',
    onTicks() {
      throw new Error('boom: this strategy always throws');
    },
  };
}
