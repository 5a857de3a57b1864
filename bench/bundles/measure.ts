// The figures of each function bundle: its size, and how long Node takes to import it, timed inside fresh processes
// (the median of several, so one slow start on a shared machine does not decide), and the limits they are held to.
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { FunctionName } from '../../shared/routing/routes';

/** At most this many bytes of minified bundle (index.mjs, without its source map) and this long an import. */
export const LIMITS = { bytes: 300_000, importMs: 50 } as const;

/** Fresh processes per function; the median of their import times is the function's figure. */
export const DEFAULT_RUNS = 7;

/** One import in a fresh process. */
export interface ImportSample {
  importMs: number;
  /** typeof the module's `handler` export: `function` for a bundle Lambda can call. */
  handler: string;
  /** Network handles open once the import settles (a socket, a DNS lookup): a module must not connect at import. */
  network: string[];
}

export interface BundleFigures {
  bytes: number;
  importMs: number;
  samplesMs: number[];
}

export interface BundleReport {
  node: string;
  runs: number;
  limits: typeof LIMITS;
  functions: Record<FunctionName, BundleFigures>;
  total: { bytes: number; importMs: number };
  /** Each figure over its limit, as `<function>: <figure> <value> > <limit>`; empty when every function is within. */
  overLimit: string[];
}

/**
 * Runs inside the fresh process: the time of the dynamic import alone (the process's own start is not the
 * module's). Network use is watched without loading anything the module would load itself: Node's diagnostics
 * channels see every socket connect and every fetch, and the handles still open after a turn of the event loop
 * show a DNS lookup or a UDP socket.
 */
const PROBE = `
import { subscribe } from 'node:diagnostics_channel';
const seen = new Set();
for (const channel of ['net.client.socket', 'undici:request:create']) subscribe(channel, () => seen.add(channel));
const url = process.argv[1];
const started = performance.now();
const module = await import(url);
const importMs = performance.now() - started;
await new Promise((resolve) => setImmediate(resolve));
// Not PipeWrap: that is this process's own stdout, once a logger holds it (a socket on a pipe shows as PipeConnectWrap).
const open = process.getActiveResourcesInfo().filter((kind) => /TCP|UDP|TLS|Connect|GetAddrInfo|QueryWrap/i.test(kind));
await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(JSON.stringify({ importMs, handler: typeof module.handler, network: [...new Set([...seen, ...open])] }));
// A handle the module left open (a timer, a socket) would keep the process alive.
process.exit(0);
`;

/** Imports `bundle` once in a fresh Node process with exactly `env` (nothing of this shell's environment). */
export const importOnce = (bundle: string, env: Record<string, string>, cwd: string): ImportSample =>
  JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', PROBE, pathToFileURL(bundle).href], { env, cwd, encoding: 'utf8' })) as ImportSample;

export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const round = (ms: number): number => Math.round(ms * 10) / 10;

/** Every figure over its limit, in function order. */
export const overLimits = (functions: Readonly<Record<string, BundleFigures>>, limits: typeof LIMITS = LIMITS): string[] =>
  Object.entries(functions).flatMap(([name, figures]) => [
    ...(figures.bytes > limits.bytes ? [`${name}: bytes ${figures.bytes} > ${limits.bytes}`] : []),
    ...(figures.importMs > limits.importMs ? [`${name}: importMs ${figures.importMs} > ${limits.importMs}`] : []),
  ]);

/** One bundle's figures (a function's, the floor's) from its size and its import times. */
export const bundleFigures = (bytes: number, samples: readonly number[]): BundleFigures => {
  const samplesMs = samples.map(round);
  return { bytes, importMs: round(median(samplesMs)), samplesMs };
};

/** The report of every function's figures: `samples` are each function's import times, one per fresh process. */
export const bundleReport = (sizes: Readonly<Record<FunctionName, number>>, samples: Readonly<Record<FunctionName, readonly number[]>>, node = process.versions.node): BundleReport => {
  const names = Object.keys(sizes) as FunctionName[];
  const functions = Object.fromEntries(names.map((name) => [name, bundleFigures(sizes[name], samples[name] ?? [])])) as Record<FunctionName, BundleFigures>;
  const all = Object.values(functions);
  return {
    node,
    runs: Math.min(...all.map((f) => f.samplesMs.length)),
    limits: LIMITS,
    functions,
    total: { bytes: all.reduce((sum, f) => sum + f.bytes, 0), importMs: round(all.reduce((sum, f) => sum + f.importMs, 0)) },
    overLimit: overLimits(functions),
  };
};

/** Each function's bytes and import time as multiples of the floor's, measured in the same rounds (two decimals). */
export const timesFloor = (functions: Readonly<Record<string, BundleFigures>>, floor: BundleFigures): Record<string, { bytes: number; importMs: number }> =>
  Object.fromEntries(
    Object.entries(functions).map(([name, figures]) => [
      name,
      { bytes: Math.round((figures.bytes / floor.bytes) * 100) / 100, importMs: Math.round((figures.importMs / floor.importMs) * 100) / 100 },
    ]),
  );
