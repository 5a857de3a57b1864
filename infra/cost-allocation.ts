// The cost-allocation tags of a stack: its environment, the system and the cost centre from the environment's
// configuration, on every resource that takes tags and on the stack itself (CloudFormation copies stack tags onto
// the resources CDK cannot tag, such as its own custom-resource providers).
import { Tags, type Stack } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../shared/config/environments';

/** What every resource of the system is tagged with, whatever the environment. */
export const SYSTEM_TAG = 'trading-safety';

/** The tags by key: the keys a billing report groups by (activate them once per account, docs/deployment.md). */
export const costAllocationTags = (config: EnvironmentConfig): Record<'environment' | 'system' | 'cost-centre', string> => ({
  environment: config.name,
  system: SYSTEM_TAG,
  'cost-centre': config.costCentre,
});

export const tagForCostAllocation = (stack: Stack, config: EnvironmentConfig): void => {
  for (const [key, value] of Object.entries(costAllocationTags(config))) Tags.of(stack).add(key, value);
};
