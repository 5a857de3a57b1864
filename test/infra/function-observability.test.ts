// What every function's observability rests on in the template: X-Ray tracing on, no handler response in a trace
// (it can hold account data), and its logs kept for the environment's period (a year in prod, a month elsewhere).
import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../shared/routing/routes';
import { templateFor, type DeployableEnv } from './synth';
import type { Resource } from './template-paths';

interface FunctionProps {
  TracingConfig?: { Mode?: string };
  Environment?: { Variables?: Record<string, unknown> };
  LoggingConfig?: { LogGroup?: { Ref?: string } };
}

const pathOf = (r: Resource): string => String(r.Metadata?.['aws:cdk:path']);

describe.each(['dev', 'staging', 'prod'] as const)('the %s stack', (env: DeployableEnv) => {
  const template = templateFor(env);
  const functions = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
  const props = (r: Resource) => r.Properties as FunctionProps;
  const ours = functions.filter((r) => props(r).Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined);

  it('has a Powertools function for each trading function and the two deployment hooks, and only CDK\'s own providers besides', () => {
    expect(ours.map((r) => props(r).Environment?.Variables?.POWERTOOLS_SERVICE_NAME).sort()).toEqual([...FUNCTION_NAMES, 'deploy-hook', 'deploy-hook'].sort());
    // CDK's own providers, not our code (their roles may not write traces): the post-deploy trigger, and the
    // lockdown of the feed VPC's default security group.
    expect(functions.filter((r) => !ours.includes(r)).map(pathOf).sort()).toEqual([
      expect.stringMatching(/\/AWSCDK\.TriggerCustomResourceProvider[^/]*\/Handler$/),
      expect.stringMatching(/\/Custom::VpcRestrictDefaultSGCustomResourceProvider[^/]*\/Handler$/),
    ]);
  });

  it('traces every function actively in X-Ray and never captures a handler\'s response', () => {
    for (const fn of ours) {
      expect(props(fn).TracingConfig, pathOf(fn)).toEqual({ Mode: 'Active' });
      expect(props(fn).Environment?.Variables?.POWERTOOLS_TRACER_CAPTURE_RESPONSE, pathOf(fn)).toBe('false');
    }
  });

  it(`keeps every function's logs ${env === 'prod' ? 'a year' : 'a month'}, per the environment`, () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>;
    const days = env === 'prod' ? 365 : 30;
    for (const fn of ours) {
      const logGroup = logGroups[props(fn).LoggingConfig?.LogGroup?.Ref ?? ''];
      expect(logGroup?.Properties.RetentionInDays, pathOf(fn)).toBe(days);
    }
  });
});
