// `npm start` as a person runs it: a strategy module that cannot be loaded ends the run with exit code 64 and
// one line on stderr naming the module and why, never a stack trace.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const start = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    execFile(process.execPath, [tsx, 'local/main.ts', ...args], { timeout: 110_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });

describe('npm start', () => {
  it('exits 64 with one line when the --strategy module does not exist', { timeout: 120_000 }, async () => {
    const path = 'test/support/strategies/misspelled.ts';
    const { code, stderr } = await start(['--strategy', path, '--duration', '1', '--api-port', '0']);
    expect(stderr.trimEnd().split('\n')).toEqual([`cannot load strategy ${path}: not found (no file at ${process.cwd()}/${path})`]);
    expect(code).toBe(64);
  });
});
