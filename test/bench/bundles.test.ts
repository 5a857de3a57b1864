// npm run bench:bundles, its parts: which staged asset is which function's bundle in a synthesized stack, the
// environment a bundle is imported with, one import timed in a fresh process (which reports a module that reaches
// for the network), and the report with its limits. The synthesis here skips bundling; the bench bundles for real.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionAssets, importEnvironment, type AssetManifest, type FunctionAsset, type SynthesizedTemplate } from '../../bench/bundles/assets';
import { bundleFigures, bundleReport, importOnce, LIMITS, median, overLimits, timesFloor, type BundleFigures } from '../../bench/bundles/measure';
import { createTradingStack } from '../../infra/app';
import { BUNDLE_FILE, buildFunctionBundle } from '../../infra/function-bundle';
import { FUNCTION_NAMES, type FunctionName } from '../../shared/routing/routes';
import { fastApp } from '../infra/synth';

const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('the asset of each function', () => {
  let template: SynthesizedTemplate;
  let manifest: AssetManifest;
  beforeAll(() => {
    const app = fastApp();
    const stack = createTradingStack(app, 'dev');
    const assembly = app.synth();
    template = read(join(assembly.directory, stack.templateFile));
    manifest = read(join(assembly.directory, `${stack.artifactId}.assets.json`));
  });

  it('finds every trading function of a synthesized stack, with the asset its code is uploaded from', () => {
    const assets = functionAssets(template, manifest);
    expect(assets.map((a) => a.name)).toEqual([...FUNCTION_NAMES]);
    for (const asset of assets) {
      const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === asset.name);
      const staged = Object.values(manifest.files).find((f) => Object.values(f.destinations).some((d) => d.objectKey === fn?.Properties?.Code?.S3Key));
      expect(asset).toMatchObject({ path: staged?.source.path, handler: 'index.handler', memorySize: fn?.Properties?.MemorySize });
      expect(asset.variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: asset.name, TRADING_ENV: 'dev' });
    }
    // Six functions, six uploads: no two functions share a bundle.
    expect(new Set(assets.map((a) => Object.values(template.Resources).find((r) => r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === a.name)?.Properties?.Code?.S3Key)).size).toBe(FUNCTION_NAMES.length);
  });

  it('stands a placeholder in for a variable only CloudFormation resolves', () => {
    const risk = functionAssets(template, manifest).find((a) => a.name === 'risk');
    expect(risk?.variables.TABLE_NAME).toBe('bench-table-name');
    expect(risk?.variables.ORDER_QUEUE_URL).toBe('bench-order-queue-url');
  });

  it('refuses a template without one of the functions, naming it', () => {
    const withoutKillSwitch: SynthesizedTemplate = {
      Resources: Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== 'kill-switch')),
    };
    expect(() => functionAssets(withoutKillSwitch, manifest)).toThrow('no function in the template for kill-switch');
  });

  it('refuses a function whose code no staged asset holds', () => {
    expect(() => functionAssets(template, { files: {} })).toThrow(/^risk \(.+\): no staged asset has the object key/);
  });
});

describe('the environment a bundle is imported with', () => {
  const asset: FunctionAsset = { name: 'breaker', path: 'asset.x', handler: 'index.handler', memorySize: 512, variables: { TRADING_ENV: 'prod', TABLE_NAME: 'bench-table-name' } };

  it("is the function's variables and those Lambda sets, with tracing on and no credentials", () => {
    const env = importEnvironment(asset, '/var/task');
    expect(env).toMatchObject({
      TRADING_ENV: 'prod',
      TABLE_NAME: 'bench-table-name',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: 'index.handler',
    });
    expect(env.AWS_XRAY_DAEMON_ADDRESS).toBeDefined();
    expect(Object.keys(env).filter((k) => /ACCESS_KEY|SECRET|SESSION_TOKEN|PROFILE|^PATH$/.test(k))).toEqual([]);
  });
});

describe('one import in a fresh process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-bundles-test-'));
    writeFileSync(join(dir, 'quiet.mjs'), 'export const handler = async () => process.env.TRADING_ENV;\n');
    writeFileSync(join(dir, 'connects.mjs'), "import net from 'node:net';\nnet.connect(1, '127.0.0.1').on('error', () => {});\nexport const handler = async () => {};\n");
    writeFileSync(join(dir, 'fetches.mjs'), "fetch('http://127.0.0.1:61999/').catch(() => {});\nexport const handler = async () => {};\n");
    writeFileSync(join(dir, 'resolves.mjs'), "import dns from 'node:dns';\ndns.lookup('bundles.bench.invalid', () => {});\nexport const handler = async () => {};\n");
    writeFileSync(join(dir, 'no-handler.mjs'), 'export const main = () => {};\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('times the import and sees the handler of a module that stays off the network', () => {
    const sample = importOnce(join(dir, 'quiet.mjs'), { TRADING_ENV: 'dev' }, dir);
    expect(sample.handler).toBe('function');
    expect(sample.network).toEqual([]);
    expect(sample.importMs).toBeGreaterThan(0);
    expect(sample.importMs).toBeLessThan(5_000);
  });

  it.each(['connects', 'fetches', 'resolves'])('reports a module that %s at import (the check itself can fail)', (name) => {
    expect(importOnce(join(dir, `${name}.mjs`), {}, dir).network).not.toEqual([]);
  });

  it('reports a module without a handler export', () => {
    expect(importOnce(join(dir, 'no-handler.mjs'), {}, dir).handler).toBe('undefined');
  });
});

describe('the report', () => {
  const names = [...FUNCTION_NAMES];
  const sizes = Object.fromEntries(names.map((name, i) => [name, 100_000 + i])) as Record<FunctionName, number>;
  const samples = Object.fromEntries(names.map((name) => [name, [30, 12, 45, 20, 90, 25, 22]])) as Record<FunctionName, number[]>;

  it("gives each function its bundle's bytes and the median of its import times, a total and the limits", () => {
    const report = bundleReport(sizes, samples, '22.0.0');
    expect(report).toMatchObject({ node: '22.0.0', runs: 7, limits: { bytes: 300_000, importMs: 50 }, overLimit: [] });
    expect(report.functions.risk).toEqual({ bytes: 100_000, importMs: 25, samplesMs: [30, 12, 45, 20, 90, 25, 22] });
    expect(Object.keys(report.functions)).toEqual(names);
    expect(report.total).toEqual({ bytes: names.reduce((sum, name) => sum + sizes[name], 0), importMs: 25 * names.length });
  });

  it('lists each function over a limit, bytes and import time alike', () => {
    const report = bundleReport({ ...sizes, order: 300_001 }, { ...samples, 'kill-switch': [51, 60, 49, 70, 52, 48, 55] });
    expect(report.overLimit).toEqual(['order: bytes 300001 > 300000', 'kill-switch: importMs 52 > 50']);
  });

  it('holds a function exactly at the limits within them', () => {
    const atLimits: Record<string, BundleFigures> = { risk: { bytes: LIMITS.bytes, importMs: LIMITS.importMs, samplesMs: [] } };
    expect(overLimits(atLimits)).toEqual([]);
    expect(overLimits({ risk: { bytes: LIMITS.bytes + 1, importMs: LIMITS.importMs + 0.1, samplesMs: [] } })).toEqual(['risk: bytes 300001 > 300000', 'risk: importMs 50.1 > 50']);
  });

  it("gives each function's bytes and import time as multiples of the floor's", () => {
    const floor = bundleFigures(200_000, [41.04, 39.96, 40]);
    expect(floor).toEqual({ bytes: 200_000, importMs: 40, samplesMs: [41, 40, 40] });
    const functions = { risk: { bytes: 450_000, importMs: 90, samplesMs: [] }, order: { bytes: 200_000, importMs: 30, samplesMs: [] } };
    expect(timesFloor(functions, floor)).toEqual({ risk: { bytes: 2.25, importMs: 2.25 }, order: { bytes: 1, importMs: 0.75 } });
  });

  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });
});

describe('the floor', () => {
  let dir = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bundles the SDK clients and Powertools alone into a module that imports without connecting anywhere', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
    await buildFunctionBundle(join('bench', 'bundles', 'floor-entry.ts'), dir);
    const env = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', POWERTOOLS_SERVICE_NAME: 'floor' };
    const sample = importOnce(join(dir, BUNDLE_FILE), env, dir);
    expect(sample.handler).toBe('function');
    expect(sample.network).toEqual([]);
    // The clients and utilities, with none of this repository's code (a plugin's stand-in is named by its namespace).
    const sources = (JSON.parse(readFileSync(join(dir, `${BUNDLE_FILE}.map`), 'utf8')) as { sources: string[] }).sources;
    expect(sources.filter((s) => !s.includes('node_modules/') && !/^[a-z-]+:/.test(s) && !s.endsWith('floor-entry.ts'))).toEqual([]);
    expect(sources.some((s) => s.includes('@aws-sdk/client-dynamodb/'))).toBe(true);
    expect(sources.some((s) => s.includes('@aws-lambda-powertools/tracer/'))).toBe(true);
  });
});
