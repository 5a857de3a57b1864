// Loads the strategy a run trades: a module path's default export (a factory or a strategy object), or the
// sample momentum strategy when no path is given. A module that cannot give one is refused before the run
// with a StrategyLoadError ("cannot load strategy <path>: <why>").
import { importStrategy } from '../adapters/strategy/strategy-module';
import type { Strategy, StrategyOptions } from '../shared/strategy/strategy';
import createSampleMomentum from '../strategies/sample-momentum';

export const loadStrategy = async (path: string | undefined, options: StrategyOptions): Promise<Strategy> =>
  path ? importStrategy(path, options) : createSampleMomentum(options);
