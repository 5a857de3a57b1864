// Loading a run's strategy: the sample strategy by default, a module's default-exported factory or object
// otherwise, and a module that exports neither refused before the run starts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await expect(loadStrategy(join(dir, 'nameless.mjs'), options)).rejects.toThrow(/must default-export a strategy factory/);
  });
});
