// Synthesizes a stack for assertions. Bundling is skipped (0.05 s instead of seconds per synth) except in
// the one test that checks the real bundles.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createTradingStack } from '../../infra/app';

const cache = new Map<string, Template>();

export const templateFor = (envName: 'dev' | 'staging' | 'prod'): Template => {
  const cached = cache.get(envName);
  if (cached) return cached;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const template = Template.fromStack(createTradingStack(app, envName));
  cache.set(envName, template);
  return template;
};
