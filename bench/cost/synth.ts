// Synthesizes an environment's stack offline for the cost model: no bundling, no Docker, no AWS credentials.
// Staging and prod refuse to synthesize without their operators and an on-call target, so they get placeholders
// here (neither changes what the bill counts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { createTradingStack } from '../../infra/app';
import type { CfnTemplate } from './deployment';

const PLACEHOLDERS = {
  operators: [{ role: 'arn:aws:iam::123456789012:role/cost-model-placeholder', actions: ['status'] }],
  onCallEmail: 'oncall@example.com',
};

export const synthesizeTemplate = (env: string): CfnTemplate => {
  const outdir = mkdtempSync(join(tmpdir(), 'cost-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...(env === 'dev' ? {} : PLACEHOLDERS) } });
    const stack = createTradingStack(app, env);
    return app.synth().getStackArtifact(stack.artifactId).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
