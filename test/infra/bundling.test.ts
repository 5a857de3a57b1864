// The one synth that really bundles the functions (esbuild, no Docker), with CDK's template validation on.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';

describe('prod synthesis with bundling', () => {
  it('bundles every function as an ESM asset and validates the template', { timeout: 180_000 }, () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    const { app, stack } = buildApp('prod', { outdir });
    const assembly = app.synth();
    const template = JSON.parse(readFileSync(join(outdir, assembly.getStackByName(stack.stackName).templateFile), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Handler?: string; Code?: { S3Key?: unknown } } }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
    expect(functions).toHaveLength(3);
    for (const fn of functions) expect(fn.Properties.Code?.S3Key).toBeDefined();
    const bundles = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.') && statSync(join(outdir, d)).isDirectory())
      .map((d) => join(outdir, d, 'index.mjs'));
    expect(bundles.length).toBeGreaterThanOrEqual(3);
    for (const bundle of bundles) expect(readFileSync(bundle, 'utf8')).toContain('createRequire');
  });
});
