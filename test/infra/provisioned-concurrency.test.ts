// Provisioned concurrency keeps the stop path warm in prod: the kill switch's and the breaker's live aliases get
// what the environment configures, and no other alias of any environment gets any.
import { describe, expect, it } from 'vitest';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { templateFor, type DeployableEnv } from './synth';
import type { Resource } from './template-paths';

/** Each alias with provisioned concurrency, by construct path (without the stack and `/Resource`). */
const provisionedAliases = (envName: DeployableEnv): Record<string, unknown> =>
  Object.fromEntries(
    Object.values(templateFor(envName).findResources('AWS::Lambda::Alias') as Record<string, Resource>)
      .filter((alias) => alias.Properties.ProvisionedConcurrencyConfig !== undefined)
      .map((alias) => [String(alias.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '').replace(/\/Resource$/, ''), alias.Properties.ProvisionedConcurrencyConfig]),
  );

describe('provisioned concurrency', () => {
  it('keeps one execution environment initialized on the kill switch and breaker live aliases in prod, as configured', () => {
    const configured = loadEnvironmentConfig('prod').deployment.provisionedConcurrency;
    expect(configured).toEqual({ 'kill-switch': 1, breaker: 1 });
    expect(provisionedAliases('prod')).toEqual({
      'KillSwitchApi/KillSwitchFunction/LiveAlias': { ProvisionedConcurrentExecutions: configured?.['kill-switch'] },
      'CircuitBreaker/BreakerFunction/LiveAlias': { ProvisionedConcurrentExecutions: configured?.breaker },
    });
  });

  it.each(['dev', 'staging'] as const)('provisions nothing in %s', (envName) => {
    expect(loadEnvironmentConfig(envName).deployment.provisionedConcurrency).toBeUndefined();
    expect(provisionedAliases(envName)).toEqual({});
  });

  it('leaves the provisioned aliases on the function version CodeDeploy shifts', () => {
    const template = templateFor('prod');
    const aliases = Object.values(template.findResources('AWS::Lambda::Alias') as Record<string, Resource>).filter((a) => a.Properties.ProvisionedConcurrencyConfig);
    for (const alias of aliases) {
      expect(alias.Properties).toMatchObject({ Name: 'live', FunctionVersion: { 'Fn::GetAtt': [expect.stringMatching(/CurrentVersion/), 'Version'] } });
    }
  });
});
