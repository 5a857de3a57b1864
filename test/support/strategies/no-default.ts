// Test module: exports a strategy, but not as its default export.
import type { Strategy } from '../../../shared/strategy/strategy';

export const strategy: Strategy = { name: 'named-only', onTicks: () => [] };
