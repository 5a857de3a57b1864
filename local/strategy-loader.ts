// Loads the strategy a run trades: a module path's default export (a factory or a strategy object), or the
// sample momentum strategy when no path is given. A module that exports neither is refused before the run.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Strategy, StrategyModule, StrategyOptions } from '../shared/strategy/strategy';
import createSampleMomentum from '../strategies/sample-momentum';

export const loadStrategy = async (path: string | undefined, options: StrategyOptions): Promise<Strategy> => {
  if (!path) return createSampleMomentum(options);
  const mod = (await import(pathToFileURL(resolve(path)).href)) as StrategyModule;
  const exported = mod.default;
  const strategy = typeof exported === 'function' ? exported(options) : exported;
  if (!strategy || typeof strategy.onTicks !== 'function' || typeof strategy.name !== 'string') {
    throw new Error(`${path} must default-export a strategy factory or an object with name and onTicks`);
  }
  return strategy;
};
