// `npm run dr:rehearse`: the restore rehearsal (local/dr-rehearsal.ts) on a DynamoDB Local of its own, printing
// what each step did and how long it took. Flags: --duration <s> (trading before the export, default 10), --seed
// <n>, --out <dir> (keep the export there; default a temporary folder, removed after). Exit 0 when every item
// came back and reconciliation is clean, 2 when not, 64 on a bad command line.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatRehearsal, rehearseRestore } from './dr-rehearsal';

const USAGE = 'usage: npm run dr:rehearse -- [--duration <seconds>] [--seed <n>] [--out <dir>]';

const main = async (): Promise<number> => {
  let values: { duration?: string; seed?: string; out?: string };
  try {
    ({ values } = parseArgs({ options: { duration: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 64;
  }
  const duration = Number(values.duration ?? '10');
  const seed = Number(values.seed ?? '42');
  if (!Number.isFinite(duration) || duration <= 0 || duration > 600 || !Number.isInteger(seed)) {
    console.error(`--duration must be 1 to 600 seconds and --seed an integer\n${USAGE}`);
    return 64;
  }
  const dir = values.out ? resolve(values.out) : await mkdtemp(join(tmpdir(), 'dr-rehearsal-'));
  await mkdir(dir, { recursive: true });
  try {
    const report = await rehearseRestore({ durationMs: duration * 1000, seed, dir, onProgress: (line) => console.log(line) });
    console.log(formatRehearsal(report));
    return report.ok ? 0 : 2;
  } finally {
    if (!values.out) await rm(dir, { recursive: true, force: true });
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
