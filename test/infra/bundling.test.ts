// The synths that run what `cdk synth` runs: real esbuild bundling (a local devDependency, so no Docker)
// and CDK's built-in CloudFormation schema validation, made strict so any finding fails the test.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppProps } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { FUNCTION_NAMES } from '../../shared/routing/routes';
import { DEPLOY_CONTEXT } from './synth';

/** Same flag as cdk.json: validation findings are errors, not warnings (the App does not read cdk.json). */
const STRICT_VALIDATION = { '@aws-cdk/core:validateAgainstDefaultRules': true };

interface Template {
  Resources: Record<string, { Type: string; Properties: { Handler?: string; Code?: { S3Key?: string } } }>;
}
interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }>;
  dockerImages?: Record<string, { source: { directory: string; platform?: string } }>;
}

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const synth = (envName: string, context: AppProps['context']) => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
  outdirs.push(outdir);
  const { app, stack } = buildApp(envName, { outdir, context: { ...STRICT_VALIDATION, ...context } });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const read = <T>(file: string) => JSON.parse(readFileSync(join(outdir, file), 'utf8')) as T;
  const report = join(outdir, 'validation-report.json');
  return {
    outdir,
    template: read<Template>(artifact.templateFile),
    assets: read<AssetManifest>(`${stack.stackName}.assets.json`),
    violations: existsSync(report)
      ? read<{ pluginReports: { violations: unknown[] }[] }>('validation-report.json').pluginReports.flatMap((r) => r.violations)
      : [],
  };
};

/** The prod synthesis with real bundling, made once: the tests below read different parts of it. */
let bundledProd: ReturnType<typeof synth> | undefined;
const prodAsDeployed = () => (bundledProd ??= synth('prod', DEPLOY_CONTEXT));

describe('synthesis as the CLI does it', () => {
  it('bundles every prod function into an ESM asset and passes template validation', { timeout: 120_000 }, () => {
    const { outdir, template, assets, violations } = prodAsDeployed();
    expect(violations).toEqual([]);

    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
    // The trading functions and the two deployment hooks.
    expect(functions).toHaveLength(FUNCTION_NAMES.length + 2);
    const zipAssets = Object.values(assets.files).filter((a) => a.source.packaging === 'zip');
    for (const fn of functions) {
      const asset = zipAssets.find((a) => Object.values(a.destinations).some((d) => d.objectKey === fn.Properties.Code?.S3Key));
      expect(asset, `asset for ${fn.Properties.Code?.S3Key}`).toBeDefined();
      const bundle = join(outdir, asset?.source.path ?? '', 'index.mjs');
      // The banner that lets bundled CommonJS dependencies call require() inside an ES module.
      expect(readFileSync(bundle, 'utf8')).toContain('createRequire');
      expect(existsSync(`${bundle}.map`)).toBe(true);
      // Loads in plain Node 22 the way Lambda loads it, and exports the configured handler.
      const loaded = execFileSync(
        process.execPath,
        ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.handler);`],
        { encoding: 'utf8', env: { PATH: process.env.PATH } },
      );
      expect(loaded).toBe('function');
    }
  });

  it("leaves zod's locales other than English out of every function bundle (infra/function-bundle.ts)", { timeout: 120_000 }, () => {
    const { outdir, template, assets } = prodAsDeployed();
    const keys = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler')
      .map((fn) => fn.Properties.Code?.S3Key);
    const bundles = Object.values(assets.files)
      .filter((a) => Object.values(a.destinations).some((d) => keys.includes(d.objectKey)))
      .map((a) => readFileSync(join(outdir, a.source.path, 'index.mjs'), 'utf8'));
    expect(bundles.length).toBeGreaterThanOrEqual(FUNCTION_NAMES.length);
    for (const text of bundles) {
      // zod's English messages stay (its default locale); its German and Spanish ones stand for the other locales.
      expect(text).toContain('Invalid input: expected');
      expect(text).not.toContain('Eingabe: erwartet');
      expect(text).not.toContain('Entrada inv');
    }
  });

  it('stages the feed bundle as the build context of the feed image, for ARM64', { timeout: 120_000 }, () => {
    const { outdir, assets } = prodAsDeployed();
    const images = Object.values(assets.dockerImages ?? {});
    expect(images).toHaveLength(1);
    expect(images[0]?.source.platform).toBe('linux/arm64');
    const context = join(outdir, images[0]?.source.directory ?? '');
    expect(readdirSync(context).sort()).toEqual(['Dockerfile', 'main.mjs', 'main.mjs.map', 'strategies', 'strategy-worker.mjs', 'strategy-worker.mjs.map']);
    expect(existsSync(join(context, 'strategies', 'sample-momentum.mjs'))).toBe(true);
  });

  it.each(['dev', 'staging'])('passes template validation for %s', { timeout: 60_000 }, (envName) => {
    expect(synth(envName, { 'aws:cdk:bundling-stacks': [], ...(envName === 'staging' ? DEPLOY_CONTEXT : {}) }).violations).toEqual([]);
  });
});
