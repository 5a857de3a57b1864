// The feed's container bundle, built as synthesis builds it and run in plain Node 22 the way the image runs it:
// from the bundle folder, with nothing else installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeedBundle } from '../../infra/feed-bundle';

const runNode = (args: string[], cwd: string) =>
  spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: 20_000 });

describe('the feed bundle', () => {
  let dir = '';
  let files: string[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'feed-bundle-'));
    files = buildFeedBundle(dir);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the program, the strategy worker beside it, every strategy and the Dockerfile, each with its source map', () => {
    expect(files).toEqual([
      'Dockerfile',
      'main.mjs',
      'main.mjs.map',
      'strategies/runaway.mjs',
      'strategies/runaway.mjs.map',
      'strategies/sample-momentum.mjs',
      'strategies/sample-momentum.mjs.map',
      'strategies/steady-flow.mjs',
      'strategies/steady-flow.mjs.map',
      'strategies/stress-flow.mjs',
      'strategies/stress-flow.mjs.map',
      'strategy-worker.mjs',
      'strategy-worker.mjs.map',
    ]);
    for (const file of files) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toContain('CMD ["node", "--enable-source-maps", "main.mjs"]');
  });

  it('bundles the AWS SDK and carries the createRequire banner', () => {
    const main = readFileSync(join(dir, 'main.mjs'), 'utf8');
    expect(main.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
    expect(main).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(main).toContain('SecretsManager');
  });

  it('gives the same bytes built twice into different folders (the image changes only with the code)', () => {
    const again = mkdtempSync(join(tmpdir(), 'feed-bundle-again-'));
    try {
      expect(buildFeedBundle(again)).toEqual(files);
      for (const file of files) expect(readFileSync(join(again, file)).equals(readFileSync(join(dir, file))), file).toBe(true);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  }, 60_000);

  it('without its environment prints one line naming the missing variables and exits 64', () => {
    const run = runNode(['main.mjs'], dir);
    expect(run.status).toBe(64);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of ['TRADING_ENV', 'TABLE_NAME', 'EVENT_BUS_NAME', 'ORDER_QUEUE_URL', 'BROKER_SECRET_ID', 'FEED_ID', 'FEED_STRATEGIES']) {
      expect(lines[0]).toContain(name);
    }
  });

  it('loads the default strategy as a module whose default export is a factory', () => {
    const url = pathToFileURL(join(dir, 'strategies', 'sample-momentum.mjs')).href;
    const loaded = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); process.stdout.write(typeof m.default);`],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    expect(loaded).toBe('function');
  });

  it('starts the strategy worker beside the program, which loads the strategy path as the task names it (from the bundle folder)', () => {
    const script = [
      "import { Worker } from 'node:worker_threads';",
      "const worker = new Worker(new URL('./strategy-worker.mjs', `file://${process.cwd()}/`), {",
      // This probe's own --input-type would not apply to a worker's file.
      '  execArgv: [],',
      "  workerData: { modulePath: 'strategies/sample-momentum.mjs', options: { seed: 1, symbols: ['AAPL'] } },",
      '});',
      'worker.once("message", (message) => { console.log(JSON.stringify(message)); void worker.terminate(); });',
      'worker.once("error", (error) => { console.error(error); process.exit(1); });',
    ].join('\n');
    const run = runNode(['--input-type=module', '-e', script], dir);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ type: 'ready', name: 'sample-momentum' });
  });
});
