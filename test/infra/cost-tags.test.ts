// Specification of cost allocation: every resource of every environment's stack that takes tags carries the
// environment, the system and the cost centre from the environment's configuration, and so does the stack, whose
// tags CloudFormation copies onto the resources CDK cannot tag (its own custom-resource providers).
import { CfnResource, TagManager, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { costAllocationTags } from '../../infra/cost-allocation';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { synthesized, type DeployableEnv } from './synth';
import type { Resource } from './template-paths';

/** A resource's tags as a map, whichever of CloudFormation's two shapes it uses (a Key/Value list or a map). */
const tagsOf = (resource: Resource | undefined): Record<string, unknown> => {
  const tags = resource?.Properties?.Tags;
  if (Array.isArray(tags)) return Object.fromEntries((tags as { Key: string; Value: unknown }[]).map((t) => [t.Key, t.Value]));
  return (tags as Record<string, unknown> | undefined) ?? {};
};

const taggable = (c: IConstruct): c is CfnResource => CfnResource.isCfnResource(c) && (TagManager.isTaggable(c) || TagManager.isTaggableV2(c));

const logicalIdOf = (stack: Stack, resource: CfnResource): string => stack.resolve(resource.logicalId) as string;

describe.each(['dev', 'staging', 'prod'] as const)('cost allocation in the %s stack', (env: DeployableEnv) => {
  const { stack, template } = synthesized(env);
  const expected = costAllocationTags(loadEnvironmentConfig(env));
  const templateResources = (template as Template).toJSON().Resources as Record<string, Resource>;

  it('takes the environment, the system and the cost centre from the configuration', () => {
    expect(expected).toEqual({ environment: env, system: 'trading-safety', 'cost-centre': loadEnvironmentConfig(env).costCentre });
  });

  it('tags the stack itself, so CloudFormation tags what CDK cannot', () => {
    expect(stack.tags.tagValues()).toMatchObject(expected);
  });

  it('tags every resource that takes tags with all three', () => {
    const resources = stack.node.findAll().filter(taggable);
    expect(resources.length).toBeGreaterThan(50);
    const missing = resources
      .map((r) => ({ path: r.node.path, type: r.cfnResourceType, tags: tagsOf(templateResources[logicalIdOf(stack, r)]) }))
      .filter(({ tags }) => Object.entries(expected).some(([key, value]) => tags[key] !== value));
    expect(missing).toEqual([]);
  });

  it('leaves untagged, of the types that take tags, only CDK’s own custom-resource providers', () => {
    const taggedTypes = new Set(Object.values(templateResources).filter((r) => Object.keys(tagsOf(r)).length > 0).map((r) => r.Type));
    const untagged = Object.entries(templateResources)
      .filter(([, r]) => taggedTypes.has(r.Type) && tagsOf(r).environment !== env)
      .map(([id]) => id);
    for (const id of untagged) expect(id).toMatch(/CustomResourceProvider(Role|Handler)/);
  });
});
