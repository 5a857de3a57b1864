// A whole-process crash, end to end: `npm start -- --data-dir <dir>` is SIGKILLed mid-trading at a moment drawn
// from its seed (its process group: the machine running the pipeline dies), its database is stopped, and `--resume`
// must settle what was in flight at start-up and trade on, with no intent sent to the venue twice and every
// venue fill booked exactly once across both runs (docs/reconciliation.md, Crash and resume).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulatedBrokerState } from '../../adapters/broker/simulated-broker';
import { isAlive, recordedDynamoPid } from '../../local/data-dir';
import type { LocalReport } from '../../local/report';
import { seededRandom } from '../../shared/random/seeded';

const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The kill point: 2 to 6 s after trading began, drawn from the seed (scrambled: small seeds draw alike), so a failure replays exactly. */
const killAfterMs = (seed: number): number => 2000 + Math.floor(seededRandom(Math.imul(seed, 0x9e3779b1) >>> 0)() * 4000);

/**
 * Runs `npm start` with the arguments (in its own process group); `killAfter` ms after trading began, SIGKILLs the
 * group and stops the DynamoDB Local JVM with SIGTERM. The table stands in for DynamoDB, which keeps every write it
 * acknowledged; DynamoDB Local commits a transaction a moment after answering it, and a SIGKILL within that moment loses
 * it (a SIGTERM lets the commit finish), which no DynamoDB outage does.
 */
const start = (args: string[], killAfter?: number): Promise<{ code: number | null; signal: string | null; output: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, 'local/main.ts', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let armed = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (killAfter === undefined || armed || !/ready in [\d.]+ s/.test(output)) return;
      armed = true;
      setTimeout(() => {
        const dir = args[args.indexOf('--data-dir') + 1] ?? '';
        const jvm = recordedDynamoPid(dir);
        process.kill(-(child.pid ?? 0), 'SIGKILL');
        if (jvm !== undefined && isAlive(jvm)) process.kill(jvm, 'SIGTERM');
      }, killAfter);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => resolve({ code, signal, output }));
  });

// The three seeds run side by side: each has its own directory, JVM and free ports, and the wall time is a third.
describe('a whole-process crash and --resume', () => {
  it.concurrent.each([1, 2, 3])(
    'seed %i: a run SIGKILLed mid-trading resumes with what was in flight settled, no intent sent twice and every fill booked once',
    { timeout: 150_000 },
    async (seed) => {
      const dir = mkdtempSync(join(tmpdir(), `crash-resume-${seed}-`));
      dirs.push(dir);
      const killed = await start(['--data-dir', dir, '--duration', '8', '--seed', String(seed), '--api-port', '0'], killAfterMs(seed));
      expect(killed.signal, killed.output).toBe('SIGKILL');
      const jvm = recordedDynamoPid(dir);
      for (let i = 0; jvm !== undefined && isAlive(jvm) && i < 50; i++) await sleep(100);
      // A run killed before its venue first changed left no book file: nothing was at the broker yet.
      const venueFile = join(dir, 'broker.json');
      const before = existsSync(venueFile) ? (JSON.parse(readFileSync(venueFile, 'utf8')) as SimulatedBrokerState).book : { orders: [], executions: [] };

      const report = join(dir, 'r.json');
      const resumed = await start(['--data-dir', dir, '--resume', '--duration', '4', '--report', report, '--api-port', '0']);
      expect(resumed.code, resumed.output).toBe(0);
      const r = JSON.parse(readFileSync(report, 'utf8')) as LocalReport;
      expect(r.seed).toBe(seed);
      expect(r.reconciliation).toMatchObject({ status: 'clean', breaks: 0, atStartup: 'clean' });
      expect(r.brokerOrders.duplicates).toBe(0);
      expect(r.crashResume?.resumed).toBe(true);
      expect(r.crashResume?.resubmittedIntents).toBe(0);
      expect(r.crashResume?.fills.booked).toBe(r.crashResume?.fills.broker);
      // The venue's book went on from the killed run's: every order it held then, it still holds.
      expect(r.brokerOrders.submitted).toBeGreaterThanOrEqual(before.orders.length);
      console.log(
        `seed ${seed}: killed ${killAfterMs(seed)} ms into trading with ${before.orders.length} broker order(s) and ${before.executions.length} fill(s); ` +
          `resume settled ${JSON.stringify(r.crashResume?.settledAtStartup)}; after it ${r.brokerOrders.submitted} order(s), ${r.crashResume?.fills.broker} fill(s), all booked once`,
      );
    },
  );
});
