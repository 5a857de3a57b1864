// Loads a strategy module by path: its default export is a factory (called with the run's options) or a
// strategy object. Whatever prevents that is one StrategyLoadError, "cannot load strategy <path>: <why>".
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Strategy, StrategyOptions } from '../../shared/strategy/strategy';

export class StrategyLoadError extends Error {
  override readonly name = 'StrategyLoadError';
  constructor(
    readonly path: string,
    /** Why, in a few words: no such file, no default export, not a strategy, what the module threw. */
    readonly why: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot load strategy ${path}: ${why}`, options);
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const isStrategy = (value: unknown): value is Strategy => {
  const candidate = value as Partial<Strategy> | null | undefined;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && candidate.name !== '' && typeof candidate.onTicks === 'function';
};

const importModule = async (path: string): Promise<unknown> => {
  const file = resolve(path);
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    // A module that exists but imports something missing fails with the same code: only the path decides.
    const notFound = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && !existsSync(file);
    throw new StrategyLoadError(path, notFound ? `not found (no file at ${file})` : `the module failed to load: ${messageOf(error)}`, { cause: error });
  }
};

export const importStrategy = async (path: string, options: StrategyOptions): Promise<Strategy> => {
  const exported = ((await importModule(path)) as { default?: unknown }).default;
  if (exported === undefined) throw new StrategyLoadError(path, 'the module has no default export');
  if (typeof exported !== 'function') {
    if (isStrategy(exported)) return exported;
    throw new StrategyLoadError(path, 'the default export is neither a strategy factory nor a strategy (an object with a name and onTicks)');
  }
  let made: unknown;
  try {
    made = await (exported as (options: StrategyOptions) => unknown)(options);
  } catch (error) {
    throw new StrategyLoadError(path, `its factory threw: ${messageOf(error)}`, { cause: error });
  }
  if (!isStrategy(made)) throw new StrategyLoadError(path, 'its factory did not return a strategy (an object with a name and onTicks)');
  return made;
};
