// Synthesizes a stack for assertions. Bundling and the CloudFormation schema check are skipped here
// (~0.05 s instead of seconds per synth); bundling.test.ts runs both on every environment's template.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createTradingStack } from '../../infra/app';

export type DeployableEnv = 'dev' | 'staging' | 'prod';

const cache = new Map<DeployableEnv, Template>();

export const fastApp = (): App =>
  new App({
    // Path metadata (on by default under the CLI) lets tests find resources by construct path, not hash.
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
    builtinCloudFormationValidation: false,
  });

export const templateFor = (envName: DeployableEnv): Template => {
  const cached = cache.get(envName);
  if (cached) return cached;
  const template = Template.fromStack(createTradingStack(fastApp(), envName));
  cache.set(envName, template);
  return template;
};
