// `npm run bench:bundles [-- --json b.json] [--runs 7] [--env dev] [--keep]`: synthesizes the stack with its real
// bundling (the assets `cdk deploy` uploads) and reports each function's bundle: the bytes of its index.mjs and the
// median time to import it in fresh Node 22 processes, against the limits (bench/bundles/measure.ts). Exits 1
// naming each function over a limit, or when a module connects anywhere at import or exports no handler. The `floor`
// row is the same figures for the SDK clients and Powertools utilities alone (bench/bundles/floor-entry.ts), measured
// in the same rounds: what no function can go below while it uses them; `x floor` (`timesFloor` in the JSON) is each
// function's bytes and import time as multiples of it.
import { mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BUNDLE_FILE, buildFunctionBundle, RUNTIME_PROVIDED } from '../infra/function-bundle';
import type { FunctionName } from '../shared/routing/routes';
import { functionAssets, importEnvironment } from './bundles/assets';
import { bundleFigures, bundleReport, DEFAULT_RUNS, importOnce, timesFloor } from './bundles/measure';
import { synthesize } from './bundles/synth';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    runs: { type: 'string', default: String(DEFAULT_RUNS) },
    env: { type: 'string', default: 'dev' },
    keep: { type: 'boolean', default: false },
  },
});

const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer (got ${values.runs})`);
// The bundles are measured on the Node major Lambda runs them on (`npx tsx` runs the repository's Node 22).
if (process.versions.node.split('.')[0] !== '22') throw new Error(`bench:bundles runs on Node 22 (this is ${process.versions.node}): use npm run or npx tsx`);

const outdir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
try {
  console.log(`synthesizing ${values.env} into ${outdir} …`);
  const synthesized = synthesize(values.env, outdir);
  // What the bundles leave to the runtime (none when everything is bundled) resolves from the repository's packages.
  if (RUNTIME_PROVIDED.length > 0) symlinkSync(join(import.meta.dirname, '..', 'node_modules'), join(outdir, 'node_modules'), 'dir');

  const assets = functionAssets(synthesized.template, synthesized.manifest);
  const floorRoot = join(outdir, 'floor');
  await buildFunctionBundle(join('bench', 'bundles', 'floor-entry.ts'), floorRoot);
  const [first] = assets;
  if (!first) throw new Error('the synthesized template has no function assets');
  // A function's Lambda environment, without its variables (the floor reads none of them).
  const floorEnvironment = { ...importEnvironment({ ...first, variables: { POWERTOOLS_SERVICE_NAME: 'floor' } }, floorRoot), AWS_LAMBDA_FUNCTION_NAME: 'TradingSafety-bench-floor' };
  const floorSamples: number[] = [];
  const sizes = {} as Record<FunctionName, number>;
  const samples = Object.fromEntries(assets.map((a) => [a.name, [] as number[]])) as Record<FunctionName, number[]>;
  const faults: string[] = [];
  for (const asset of assets) sizes[asset.name] = statSync(join(outdir, asset.path, BUNDLE_FILE)).size;
  // Round robin, so a stretch of load on the machine falls on every function alike.
  for (let run = 0; run < runs; run++) {
    for (const asset of assets) {
      const taskRoot = join(outdir, asset.path);
      const sample = importOnce(join(taskRoot, BUNDLE_FILE), importEnvironment(asset, taskRoot), taskRoot);
      samples[asset.name].push(sample.importMs);
      if (sample.handler !== 'function') faults.push(`${asset.name}: exports no handler function (typeof handler is ${sample.handler})`);
      if (sample.network.length > 0) faults.push(`${asset.name}: network handles open after import: ${sample.network.join(', ')}`);
    }
    floorSamples.push(importOnce(join(floorRoot, BUNDLE_FILE), floorEnvironment, floorRoot).importMs);
  }

  const floor = bundleFigures(statSync(join(floorRoot, BUNDLE_FILE)).size, floorSamples);
  const functionsReport = bundleReport(sizes, samples);
  const report = { ...functionsReport, floor, timesFloor: timesFloor(functionsReport.functions, floor) };
  console.log(`\n${'function'.padEnd(16)} ${'bytes'.padStart(9)} ${'importMs'.padStart(9)} ${'x floor'.padStart(11)}  samples (ms)`);
  for (const [name, figures] of Object.entries(report.functions)) {
    const ratio = report.timesFloor[name];
    const multiples = `${ratio?.bytes.toFixed(2)}/${ratio?.importMs.toFixed(2)}`;
    console.log(`${name.padEnd(16)} ${String(figures.bytes).padStart(9)} ${figures.importMs.toFixed(1).padStart(9)} ${multiples.padStart(11)}  ${figures.samplesMs.join(' ')}`);
  }
  console.log(`${'floor'.padEnd(16)} ${String(floor.bytes).padStart(9)} ${floor.importMs.toFixed(1).padStart(9)} ${''.padStart(11)}  ${floor.samplesMs.join(' ')}  (SDK clients and Powertools alone)`);
  console.log(`${'total'.padEnd(16)} ${String(report.total.bytes).padStart(9)} ${report.total.importMs.toFixed(1).padStart(9)}`);
  console.log(`limits: ${report.limits.bytes} bytes, ${report.limits.importMs} ms per function (median of ${report.runs} fresh Node ${report.node} processes)`);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);

  const failures = [...report.overLimit, ...new Set(faults)];
  if (failures.length > 0) {
    console.error(`\nover the limits or faulty:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
} finally {
  if (values.keep) console.log(`kept ${outdir}`);
  else rmSync(outdir, { recursive: true, force: true });
}
