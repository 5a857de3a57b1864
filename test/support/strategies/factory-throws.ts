// Test module: its factory throws while making the strategy.
import type { Strategy } from '../../../shared/strategy/strategy';

export default function create(): Strategy {
  throw new Error('missing configuration: THRESHOLD');
}
