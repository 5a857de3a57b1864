// Synthesizes a stack for assertions. Bundling and the CloudFormation schema check are skipped here
// (~0.05 s instead of seconds per synth); bundling.test.ts runs both on every environment's template.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createTradingStack } from '../../infra/app';
import type { TradingStack } from '../../infra/trading-stack';
import type { Operators } from '../../shared/operators/operator-config';

export type DeployableEnv = 'dev' | 'staging' | 'prod';

/**
 * The operators the staging and prod syntheses are given (`-c operators=…` at deploy), one of each kind: a person
 * who may do everything through a role of their own, one who may only kill and look, two Identity Center users of
 * one permission set who may release and approve, and an IAM user who may only look.
 */
export const EXAMPLE_OPERATORS: Operators = [
  { role: 'arn:aws:iam::123456789012:role/people/trading-alice', actions: ['kill', 'release', 'approve', 'reenable', 'flatten', 'arm', 'status'] },
  { role: 'arn:aws:iam::123456789012:role/trading-bob', actions: ['kill', 'status'] },
  { identityCenter: { account: '123456789012', permissionSet: 'TradingRelease', userName: 'carol@example.com' }, actions: ['release', 'approve', 'status'] },
  { identityCenter: { account: '123456789012', permissionSet: 'TradingRelease', userName: 'dave@example.com' }, actions: ['release', 'approve', 'status'] },
  { user: 'arn:aws:iam::123456789012:user/auditor', actions: ['status'] },
];

/** What staging and prod are synthesized with (`-c operators=… -c onCallEmail=…` at deploy): their people and a page. */
export const DEPLOY_CONTEXT = { operators: EXAMPLE_OPERATORS, onCallEmail: 'oncall@example.com' };

/** One environment's synthesis: the stack (its construct tree), the app that holds it, and its template. */
export interface Synthesized {
  app: App;
  stack: TradingStack;
  template: Template;
}

const cache = new Map<DeployableEnv, Synthesized>();

export const fastApp = (context: Record<string, unknown> = {}): App =>
  new App({
    // Path metadata (on by default under the CLI) lets tests find resources by construct path, not hash.
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true, ...context },
    builtinCloudFormationValidation: false,
  });

/** The environment synthesized once per test file (the policy checks run in it, as in every synthesis). */
export const synthesized = (envName: DeployableEnv): Synthesized => {
  const cached = cache.get(envName);
  if (cached) return cached;
  // Dev synthesizes as shipped (no list: open to its account, nobody paged); staging and prod need their people and a page.
  const app = fastApp(envName === 'dev' ? {} : DEPLOY_CONTEXT);
  const stack = createTradingStack(app, envName);
  const result = { app, stack, template: Template.fromStack(stack) };
  cache.set(envName, result);
  return result;
};

export const templateFor = (envName: DeployableEnv): Template => synthesized(envName).template;
