// Test strategy: never returns from a tick batch (a synchronous loop that never ends).
import type { Strategy } from '../../../shared/strategy/strategy';

export default function create(): Strategy {
  return {
    name: 'looping',
    onTicks() {
      for (;;) {
        // spins for ever: only terminating its thread stops it
      }
    },
  };
}
