// The bundle of one Lambda function: functions/<name>/handler.ts and what it imports, as index.mjs and its source
// map, ESM for Node 22, minified, with zod's locales other than English left out and Node's built-ins required, not
// imported. Invariant: the same sources give the same bytes wherever they are built, so the function's asset hash
// changes only with its code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');

/** The file Lambda loads (handler `index.handler`); `.mjs` makes it an ES module without a package.json. */
export const BUNDLE_FILE = 'index.mjs';

/** Lets bundled CommonJS dependencies call require() inside an ES module. */
export const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * What the bundles import from the Lambda runtime instead of carrying it: nothing. The SDK is bundled, so the
 * version deployed is the one tested, and a bundle with its SDK minified and tree-shaken imports faster than one
 * loading the runtime's copy (docs/deployment.md, "Function bundles").
 */
export const RUNTIME_PROVIDED: readonly string[] = [];

/** A zod module the functions never use, and what it is replaced by. */
interface Stub {
  /** The module's path inside zod's package. */
  module: RegExp;
  contents: (resolveDir: string) => string;
}

/**
 * zod's `z` namespace re-exports every locale (about 260 KB minified) and the JSON Schema reader, so a bundle
 * carries them all. The functions use neither (no z.config, no fromJSONSchema): the locales resolve to English
 * alone, zod's default, and the reader to a function that says it is not bundled.
 */
const ZOD_STUBS: readonly Stub[] = [
  { module: /\/zod\/v4\/locales\/index\.js$/, contents: () => "export { default as en } from './en.js';" },
  {
    module: /\/zod\/v4\/classic\/from-json-schema\.js$/,
    contents: () => "export function fromJSONSchema() { throw new Error('zod fromJSONSchema is not bundled in the Lambda functions'); }",
  },
];

const STUB_NAMESPACE = 'zod-stub';

export const zodStubs: Plugin = {
  name: 'zod-stubs',
  setup(bundle) {
    bundle.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return ZOD_STUBS.some((stub) => stub.module.test(path)) ? { path, namespace: STUB_NAMESPACE } : undefined;
    });
    bundle.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => {
      const stub = ZOD_STUBS.find((s) => s.module.test(args.path));
      if (!stub) throw new Error(`no zod stub for ${args.path}`);
      return { contents: stub.contents(dirname(args.path)), resolveDir: dirname(args.path), loader: 'js' };
    });
  },
};

/**
 * esbuild shakes zod only when it is imported as a namespace (`import * as z from 'zod'`, the form this repository
 * uses): a named `z` import is zod's namespace re-exported, which esbuild keeps whole, about 80 KB more a bundle.
 * Powertools' parser schemas import the named `z`; their import is rewritten to the namespace form, which binds
 * the same module's exports.
 */
const NAMED_Z_IMPORT = /^import \{ z \} from 'zod';$/m;

export const zodNamespaceImports: Plugin = {
  name: 'zod-namespace-imports',
  setup(bundle) {
    bundle.onLoad({ filter: /[\\/]@aws-lambda-powertools[\\/]parser[\\/]lib[\\/]esm[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return NAMED_Z_IMPORT.test(source)
        ? { contents: source.replace(NAMED_Z_IMPORT, "import * as z from 'zod';"), resolveDir: dirname(args.path), loader: 'js' }
        : undefined;
    });
  },
};

/**
 * What the SDK clients look for credentials with in a function. The SDK's default chain tries the environment,
 * then SSO, shared config files, a credential process, a web identity token, the container endpoint and
 * instance metadata, and bundles them all (with the STS, SSO and sign-in clients they call): about 120 KB a
 * function. Lambda puts the execution role's credentials in the environment; the container credentials endpoint
 * is kept for runtimes that serve them that way. The chain keeps the SDK's caching and early refresh; anything
 * else fails with an error saying which sources a bundled function reads.
 */
const LAMBDA_CREDENTIAL_CHAIN = `
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { CredentialsProviderError } from '@smithy/core/config';
import { memoizeChain } from './runtime/memoize-chain.js';
const credentialsTreatedAsExpired = (credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;
const fromContainer = (init) => async () => {
  if (!process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI && !process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) {
    throw new CredentialsProviderError('no container credentials endpoint is set', { logger: init.logger, tryNextLink: true });
  }
  return fromHttp(init)();
};
export const defaultProvider = (init = {}) => memoizeChain([
  async () => fromEnv(init)(),
  fromContainer(init),
  async () => {
    throw new CredentialsProviderError(${JSON.stringify(
      'Could not load credentials: a bundled function reads them from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or the container credentials endpoint, as Lambda provides them; profiles, SSO, web identity and instance metadata are not bundled',
    )}, { logger: init.logger, tryNextLink: false });
  },
], credentialsTreatedAsExpired);
`;

const CREDENTIALS_NAMESPACE = 'lambda-credentials';
const REAL_CHAIN = Symbol('the SDK credential chain itself');

export const lambdaCredentialChain: Plugin = {
  name: 'lambda-credential-chain',
  setup(bundle) {
    bundle.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, (args) =>
      args.pluginData === REAL_CHAIN ? undefined : { path: args.path, namespace: CREDENTIALS_NAMESPACE, pluginData: args.resolveDir },
    );
    bundle.onLoad({ filter: /.*/, namespace: CREDENTIALS_NAMESPACE }, async (args) => {
      // Resolved where the SDK's own chain lives, so its helpers and dependencies are the versions it was built with.
      const real = await bundle.resolve('@aws-sdk/credential-provider-node', {
        kind: 'import-statement',
        resolveDir: args.pluginData as string,
        pluginData: REAL_CHAIN,
      });
      if (real.errors.length > 0) throw new Error(`cannot resolve @aws-sdk/credential-provider-node: ${real.errors.map((e) => e.text).join('; ')}`);
      return { contents: LAMBDA_CREDENTIAL_CHAIN, resolveDir: dirname(real.path), loader: 'js' };
    });
  },
};

const BUILTIN = new RegExp(`^(node:)?(${builtinModules.map((name) => name.replace(/[/]/g, '\\/')).join('|')})$`);
const BUILTIN_NAMESPACE = 'node-builtin';

/**
 * Node's built-in modules are loaded with require() (the banner's), not imported: importing a built-in as an ES
 * module reads every export of it, lazy ones included, and node:http's lazy exports load undici (with http2,
 * worker_threads and web streams), a few tens of milliseconds of cold start for modules the functions never use.
 */
export const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(bundle) {
    bundle.onResolve({ filter: BUILTIN }, (args) =>
      // The require() inside the stand-in below is left to esbuild, which keeps it external.
      args.kind === 'require-call' ? undefined : { path: args.path.replace(/^node:/, ''), namespace: BUILTIN_NAMESPACE },
    );
    bundle.onLoad({ filter: /.*/, namespace: BUILTIN_NAMESPACE }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`, loader: 'js' }));
  },
};

/** The esbuild options of every function bundle, `entry` relative to the repository. */
export const functionBuildOptions = (entry: string): BuildOptions => ({
  entryPoints: [join(ROOT, entry)],
  // Where esbuild believes it writes: source maps name their sources relative to it, so a fixed folder keeps the
  // temporary folder CDK bundles into out of the bytes.
  outfile: join(ROOT, 'dist', dirname(entry), BUNDLE_FILE),
  write: false,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  banner: { js: REQUIRE_BANNER },
  external: [...RUNTIME_PROVIDED],
  plugins: [zodStubs, zodNamespaceImports, lambdaCredentialChain, builtinsByRequire],
  logLevel: 'error',
});

/** Builds the bundle of `entry` into `outDir` (created if missing) and returns the files written, relative to it. */
export const buildFunctionBundle = async (entry: string, outDir: string): Promise<string[]> => {
  const options = functionBuildOptions(entry);
  const nominalDir = dirname(options.outfile ?? '');
  const result = await build(options);
  return (result.outputFiles ?? [])
    .map((file) => {
      const name = relative(nominalDir, file.path);
      mkdirSync(dirname(join(outDir, name)), { recursive: true });
      writeFileSync(join(outDir, name), file.contents);
      return name;
    })
    .sort();
};

/** `tsx infra/function-bundle.ts <entry> <outDir>`: what CDK runs for each function at synth (infra/function-code.ts). */
const main = async (): Promise<void> => {
  const [entry, outDir] = process.argv.slice(2);
  if (!entry || !outDir) {
    console.error('usage: tsx infra/function-bundle.ts <functions/<name>/handler.ts> <outDir>');
    process.exit(64);
  }
  await buildFunctionBundle(entry, resolve(outDir));
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
