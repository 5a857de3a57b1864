// The feed task's bundle, the whole build context of its container image: main.mjs, strategy-worker.mjs beside
// it (the runner starts the worker with its own extension), strategies/<name>.mjs and the Dockerfile.
// Invariant: the same sources give the same bytes wherever they are built, so the image changes only with the code.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';

export interface FeedBundleOptions {
  /** Strategy modules to include, repo-relative (default: every strategies/*.ts). */
  strategies?: readonly string[];
  /** Minified as deployed (default); off only to read the output. */
  minify?: boolean;
}

const ROOT = join(import.meta.dirname, '..');

/**
 * Where esbuild believes it writes. Source maps name their sources relative to the output folder, so building
 * against this fixed folder (and writing elsewhere) keeps a fresh temporary folder's name out of the bytes;
 * symlinks are kept as found for the same reason (node_modules may be a link into another checkout).
 */
const NOMINAL_OUT_DIR = join(ROOT, 'dist', 'feed');

/** The same banner as the Lambda bundles: lets bundled CommonJS dependencies call require() inside an ES module. */
const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

const defaultStrategies = (): string[] =>
  readdirSync(join(ROOT, 'strategies'))
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => `strategies/${name}`);

/** Builds the bundle into `outDir` (created if missing) and returns the files written, relative to it. */
export const buildFeedBundle = (outDir: string, options: FeedBundleOptions = {}): string[] => {
  const entryPoints: Record<string, string> = {
    main: join(ROOT, 'feed', 'main.ts'),
    'strategy-worker': join(ROOT, 'adapters', 'strategy', 'strategy-worker.ts'),
  };
  for (const strategy of options.strategies ?? defaultStrategies()) {
    entryPoints[`strategies/${basename(strategy, '.ts')}`] = join(ROOT, strategy);
  }
  const result = buildSync({
    entryPoints,
    outdir: NOMINAL_OUT_DIR,
    outExtension: { '.js': '.mjs' },
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: options.minify ?? true,
    sourcemap: true,
    preserveSymlinks: true,
    banner: { js: REQUIRE_BANNER },
    // Everything is bundled, the AWS SDK included: the image holds Node and nothing else.
    external: [],
    logLevel: 'error',
  });
  const written = result.outputFiles.map((file) => {
    const name = relative(NOMINAL_OUT_DIR, file.path);
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), file.contents);
    return name;
  });
  copyFileSync(join(ROOT, 'feed', 'Dockerfile'), join(outDir, 'Dockerfile'));
  return [...written, 'Dockerfile'].sort();
};

/** `npm run build:feed [-- --out <dir>]`: replaces an earlier bundle, and refuses a folder holding anything else. */
const main = (): void => {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist/feed' } } });
  const outDir = resolve(values.out);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    if (!existsSync(join(outDir, 'main.mjs')) || !existsSync(join(outDir, 'Dockerfile'))) {
      console.error(`build:feed: ${outDir} is not empty and holds no earlier feed bundle: choose another --out`);
      process.exit(64);
    }
    rmSync(outDir, { recursive: true });
  }
  const files = buildFeedBundle(outDir);
  console.log(`feed bundle in ${outDir}: ${files.join(', ')}`);
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
