// `npm run fuzz [-- --json <file>] [--runs N] [--seed S] [--only a,b]`: generated inputs (default 10,000 per entry
// point) sent to every entry point against DynamoDB Local; per entry point the inputs, accepted, rejected with a
// clear error, crashes and partial writes. Exits 1 when any entry point crashed, wrote on a rejection or got
// fewer inputs than asked (docs/testing.md).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ENTRY_POINTS, runFuzz, type EntryPoint } from './fuzz';

const { values } = parseArgs({
  options: { json: { type: 'string' }, runs: { type: 'string', default: '10000' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const only = values.only?.split(',').map((s) => s.trim()) as EntryPoint[] | undefined;
const unknown = only?.filter((name) => !ENTRY_POINTS.includes(name));
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || (unknown?.length ?? 0) > 0) {
  console.error(`usage: npm run fuzz -- [--json f.json] [--runs N>=1] [--seed S] [--only ${ENTRY_POINTS.join(',')}]`);
  process.exit(2);
}

const step = Math.max(1, Math.round(runs / 4));
const report = await runFuzz({
  runs,
  seed,
  ...(only ? { only } : {}),
  onProgress: (name, done) => {
    if (done % step === 0) console.error(`${name}: ${done}/${runs}`);
  },
});

console.log(`fuzz: seed ${report.seed}, ${report.runs} inputs per entry point, ${(report.durationMs / 1000).toFixed(1)} s`);
console.table(
  Object.fromEntries(
    Object.entries(report.entryPoints).map(([name, r]) => [name, { inputs: r.inputs, accepted: r.accepted, rejected: r.rejected, crashes: r.crashes, partialWrites: r.partialWrites, seconds: (r.durationMs / 1000).toFixed(1) }]),
  ),
);
for (const [name, r] of Object.entries(report.entryPoints)) {
  for (const example of [...r.crashExamples, ...r.partialWriteExamples]) console.log(`${name} #${example.index} (${example.kind}${example.mutation ? `: ${example.mutation}` : ''}): ${example.error}\n  input: ${example.input}${example.stack ? `\n  ${example.stack.split('\n').slice(0, 6).join('\n  ')}` : ''}`);
}
if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
if (report.failures.length > 0) {
  console.error(`fuzz failed (replay with --seed ${report.seed}):\n  ${report.failures.join('\n  ')}`);
  process.exit(1);
}
