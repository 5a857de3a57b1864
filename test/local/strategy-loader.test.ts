// Loading a run's strategy: the sample strategy by default, a module's default-exported factory or object
// otherwise, and a module that cannot give one refused before the run starts with one line saying which and why.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrategyLoadError } from '../../adapters/strategy/strategy-module';
import { loadStrategy } from '../../local/strategy-loader';

const options = { seed: 1, symbols: ['AAPL'] };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strategy-loader-'));
  await writeFile(join(dir, 'object.mjs'), "export default { name: 'fixed', onTicks: () => [] };\n");
  await writeFile(join(dir, 'factory.mjs'), "export default (o) => ({ name: `seeded-${o.seed}`, onTicks: () => [] });\n");
  await writeFile(join(dir, 'nameless.mjs'), 'export default { onTicks: () => [] };\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the strategy loader', () => {
  it('loads the sample momentum strategy when no path is given', async () => {
    expect((await loadStrategy(undefined, options)).name).toBe('sample-momentum');
  });

  it('takes a default-exported strategy object as it is', async () => {
    expect((await loadStrategy(join(dir, 'object.mjs'), options)).name).toBe('fixed');
  });

  it('calls a default-exported factory with the run options', async () => {
    expect((await loadStrategy(join(dir, 'factory.mjs'), options)).name).toBe('seeded-1');
  });

  it('refuses a module whose default export has no name or no onTicks', async () => {
    await expect(loadStrategy(join(dir, 'nameless.mjs'), options)).rejects.toThrow(
      `cannot load strategy ${join(dir, 'nameless.mjs')}: the default export is neither a strategy factory nor a strategy (an object with a name and onTicks)`,
    );
  });

  const refusal = async (path: string): Promise<StrategyLoadError> => {
    const error: unknown = await loadStrategy(path, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StrategyLoadError);
    return error as StrategyLoadError;
  };

  it.each([
    ['does-not-exist.ts', /^not found \(no file at \/.*\/test\/support\/strategies\/does-not-exist\.ts\)$/],
    ['no-default.ts', /^the module has no default export$/],
    ['not-a-strategy.ts', /^the default export is neither a strategy factory nor a strategy/],
    ['factory-throws.ts', /^its factory threw: missing configuration: THRESHOLD$/],
    ['factory-returns-nothing.ts', /^its factory did not return a strategy/],
    ['imports-missing.ts', /^the module failed to load: .*no-such-helper/],
  ])('refuses %s with a StrategyLoadError: "cannot load strategy <path>: <why>"', async (file, why) => {
    const path = `test/support/strategies/${file}`;
    const error = await refusal(path);
    expect(error.path).toBe(path);
    expect(error.why).toMatch(why);
    expect(error.message).toBe(`cannot load strategy ${path}: ${error.why}`);
  });

  it('keeps what the module threw as the cause', async () => {
    const error = await refusal('test/support/strategies/factory-throws.ts');
    expect((error.cause as Error).message).toBe('missing configuration: THRESHOLD');
  });
});
