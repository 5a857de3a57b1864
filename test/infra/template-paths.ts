// Finds resources in a synthesized template by construct path (path metadata, see synth.ts), so tests name
// what they mean ('CircuitBreaker/StateMachine') instead of hashed logical ids.
import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
};

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** The logical id of the one resource of `type` at construct path `<stack>/<path>/Resource`. */
export const logicalId = (template: Template, type: string, path: string): string => {
  const ids = Object.entries(template.findResources(type) as Record<string, Resource>)
    .filter(([, r]) => String(r.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '') === `${path}/Resource`)
    .map(([id]) => id);
  expect(ids, `${type} at ${path}`).toHaveLength(1);
  return ids[0] as string;
};

export const resource = (template: Template, type: string, path: string): Resource =>
  template.findResources(type)[logicalId(template, type, path)] as Resource;

/** The statements of the default policy of a TradingFunction's role. */
export const functionStatements = (template: Template, functionPath: string): Statement[] =>
  (resource(template, 'AWS::IAM::Policy', `${functionPath}/Function/ServiceRole/DefaultPolicy`).Properties.PolicyDocument as { Statement: Statement[] })
    .Statement;

export const actionsOf = (statement: Statement): string[] => [statement.Action].flat();
