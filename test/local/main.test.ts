// `npm start` as a person runs it: a strategy module that cannot be loaded, a recording that does not exist or
// cannot be written, or Alpaca market data without a key ends the run with exit code 64 and a line on stderr
// naming what is wrong (then the usage), never a stack trace; so does a --data-dir or --resume that does not fit the directory.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const start = (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    execFile(process.execPath, [tsx, 'local/main.ts', ...args], { timeout: 110_000, env }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });

// Each case is its own child process, so they run side by side.
describe.concurrent('npm start', () => {
  it('exits 64 with one line when the --strategy module does not exist', { timeout: 120_000 }, async () => {
    const path = 'test/support/strategies/misspelled.ts';
    const { code, stderr } = await start(['--strategy', path, '--duration', '1', '--api-port', '0']);
    expect(stderr.trimEnd().split('\n')).toEqual([`cannot load strategy ${path}: not found (no file at ${process.cwd()}/${path})`]);
    expect(code).toBe(64);
  });

  it('exits 64 naming the file when the --market recording does not exist', { timeout: 60_000 }, async () => {
    const { code, stderr } = await start(['--market', 'replay:no-such-recording.jsonl']);
    expect(stderr.split('\n')[0]).toBe('--market: no recording at no-such-recording.jsonl');
    expect(code).toBe(64);
  });

  it('exits 64 naming the folder when --record cannot be written', { timeout: 60_000 }, async () => {
    const { code, stderr } = await start(['--record', 'no-such-folder/day.jsonl']);
    expect(stderr.split('\n')[0]).toBe(`--record: no folder ${process.cwd()}/no-such-folder to write no-such-folder/day.jsonl in`);
    expect(code).toBe(64);
  });

  it('exits 64 naming the variables when --market alpaca has no key', { timeout: 60_000 }, async () => {
    const { APCA_API_KEY_ID: _id, APCA_API_SECRET_KEY: _secret, ...env } = process.env;
    const { code, stderr } = await start(['--market', 'alpaca'], env);
    expect(stderr.split('\n')[0]).toContain('needs the environment variables APCA_API_KEY_ID and APCA_API_SECRET_KEY');
    expect(code).toBe(64);
  });

  it('exits 64 naming --resume when it has no --data-dir, or the directory holds no run', { timeout: 60_000 }, async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-run-'));
    try {
      expect((await start(['--resume'])).stderr.split('\n')[0]).toBe('--resume: needs --data-dir <dir>, the directory of the run to resume');
      const { code, stderr } = await start(['--data-dir', empty, '--resume']);
      expect(stderr.split('\n')[0]).toBe(`--resume: ${empty} holds no run to resume (no run.json); start one with --data-dir ${empty} alone`);
      expect(code).toBe(64);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('exits 64 naming --data-dir when a fresh run is pointed at a directory that already holds one', { timeout: 60_000 }, async () => {
    const held = mkdtempSync(join(tmpdir(), 'held-run-'));
    try {
      writeFileSync(join(held, 'run.json'), JSON.stringify({ tableName: 'trading-local-abc123', account: 'paper-1', seed: 7, createdAt: '2026-01-02T03:04:05.000Z' }));
      const { code, stderr } = await start(['--data-dir', held]);
      expect(stderr.split('\n')[0]).toBe(`--data-dir: ${held} already holds a run (table trading-local-abc123); add --resume to go on with it, or name an empty directory`);
      expect(code).toBe(64);
    } finally {
      rmSync(held, { recursive: true, force: true });
    }
  });
});
