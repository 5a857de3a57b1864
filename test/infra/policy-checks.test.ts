// Specification of the policy checks (docs/security.md, "Policy checks"): every environment synthesizes with
// cdk-nag's AwsSolutions and NIST 800-53 rev 5 packs and no finding left unacknowledged, each acknowledgment sits
// on a resource with a reason, and the data the packs and the threat model name is encrypted with the stack's own
// rotating keys, whose policies let in only the account and, under conditions, the services that encrypt for it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { KEY_IDS, type KeyPurpose } from '../../infra/encryption-keys';
import { POLICY_PACKS } from '../../infra/policy-checks';
import { fastApp, synthesized, type DeployableEnv } from './synth';
import { logicalId, type Resource } from './template-paths';

interface KeyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: { AWS?: unknown; Service?: unknown } | '*';
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

interface Acknowledged {
  id: string;
  reason: string;
}

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** A reason that says nothing: a placeholder, or the rule's own words back. */
const PLACEHOLDER = /\b(todo|tbd|fixme|placeholder|xxx|n\/a|ok|fine|suppress(ed)?|ignored?|not (needed|required|applicable))\b/i;

const RULE_ID = new RegExp(`^(${POLICY_PACKS.map((p) => p.replace(/\./g, '\\.')).join('|')})-[A-Za-z0-9]+(\\[.+\\])?$`);

/** The account root as CDK renders it, the only principal with the key's administration. */
const ACCOUNT_ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };

const resources = (template: Template): [string, Resource][] => Object.entries(template.toJSON().Resources as Record<string, Resource>);

const pathOf = (r: Resource): string => String(r.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '');

/** The acknowledgments in the template's metadata, where cdk-nag's format keeps them (`cdk_nag.rules_to_suppress`). */
const acknowledgments = (template: Template): (Acknowledged & { path: string })[] =>
  resources(template).flatMap(([, r]) =>
    ((r.Metadata?.cdk_nag as { rules_to_suppress?: Acknowledged[] } | undefined)?.rules_to_suppress ?? []).map((a) => ({ ...a, path: pathOf(r) })),
  );

const keyId = (template: Template, purpose: KeyPurpose): string => logicalId(template, 'AWS::KMS::Key', `EncryptionKeys/${KEY_IDS[purpose]}`);

const keyRef = (template: Template, purpose: KeyPurpose) => ({ 'Fn::GetAtt': [keyId(template, purpose), 'Arn'] });

const keyStatements = (template: Template, purpose: KeyPurpose): KeyStatement[] =>
  ((template.toJSON().Resources as Record<string, Resource>)[keyId(template, purpose)]?.Properties.KeyPolicy as { Statement: KeyStatement[] }).Statement;

/** The KMS actions `rolePath`'s policy allows on `purpose`'s key. */
const keyActions = (template: Template, rolePath: string, purpose: KeyPurpose): string[] => {
  const policy = resources(template).find(([, r]) => r.Type === 'AWS::IAM::Policy' && pathOf(r) === `${rolePath}/DefaultPolicy/Resource`)?.[1];
  expect(policy, `${rolePath}'s policy`).toBeDefined();
  const statements = (policy?.Properties.PolicyDocument as { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] }).Statement;
  return statements
    .filter((s) => s.Effect === 'Allow' && JSON.stringify([s.Resource].flat()) === JSON.stringify([keyRef(template, purpose)]))
    .flatMap((s) => [s.Action].flat());
};

describe.each(ENVIRONMENTS)('policy checks of the %s stack', (env: DeployableEnv) => {
  const { app, stack, template } = synthesized(env);

  it('synthesizes with both packs and no finding left unacknowledged', () => {
    // Any finding would have thrown in synthesized(); the report the CLI prints from is empty too.
    const report = join(app.synth().directory, 'validation-report.json');
    expect(existsSync(report)).toBe(true);
    const { pluginReports } = JSON.parse(readFileSync(report, 'utf8')) as { pluginReports: { pluginName: string; violations: unknown[] }[] };
    expect(pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('gives every acknowledged finding a reason a reviewer can check', () => {
    const acknowledged = acknowledgments(template);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason, path } of acknowledged) {
      expect(id, path).toMatch(RULE_ID);
      expect(reason.length, `${id} on ${path}: "${reason}"`).toBeGreaterThanOrEqual(40);
      expect(reason, `${id} on ${path}`).not.toMatch(PLACEHOLDER);
      expect(reason.toLowerCase(), `${id} on ${path}`).not.toContain(id.toLowerCase());
    }
  });

  it('acknowledges findings on the resources they concern, never for the whole stack', () => {
    const acknowledgedAt = (c: { node: { metadata: { type: string; data: unknown }[] } }) =>
      c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && Object.keys(m.data as object).some((id) => POLICY_PACKS.some((pack) => id.includes(pack))));
    expect(acknowledgedAt(stack)).toBe(false);
    expect(acknowledgedAt(app)).toBe(false);
  });

  it('encrypts the table, every queue, both topics, every log group and the broker secret with the stack’s own keys', () => {
    const encryptedWith = (type: string, property: (p: Record<string, unknown>) => unknown, purpose: KeyPurpose) => {
      const found = resources(template).filter(([, r]) => r.Type === type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const [id, r] of found) expect(property(r.Properties), `${type} ${id}`).toEqual(keyRef(template, purpose));
    };
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, SSEType: 'KMS' } });
    encryptedWith('AWS::DynamoDB::Table', (p) => (p.SSESpecification as { KMSMasterKeyId?: unknown }).KMSMasterKeyId, 'table');
    encryptedWith('AWS::SQS::Queue', (p) => p.KmsMasterKeyId, 'queues');
    encryptedWith('AWS::SNS::Topic', (p) => p.KmsMasterKeyId, 'notifications');
    encryptedWith('AWS::Logs::LogGroup', (p) => p.KmsKeyId, 'logs');
    encryptedWith('AWS::SecretsManager::Secret', (p) => p.KmsKeyId, 'broker-secret');
  });

  it('rotates every key yearly and keeps it wherever the environment keeps its data', () => {
    const keys = resources(template).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys.map(([, r]) => pathOf(r)).sort()).toEqual(Object.values(KEY_IDS).map((id) => `EncryptionKeys/${id}/Resource`).sort());
    for (const [, key] of keys) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe(env === 'dev' ? 'Delete' : 'Retain');
    }
  });

  it('lets no one use a key but the account, roles through their AWS service, and AWS services under conditions', () => {
    for (const purpose of Object.keys(KEY_IDS) as KeyPurpose[]) {
      for (const statement of keyStatements(template, purpose)) {
        const where = `${purpose} key: ${JSON.stringify(statement)}`;
        expect(statement.Effect, where).toBe('Allow');
        expect(statement.Principal, where).not.toBe('*');
        const { AWS: aws, Service: service } = statement.Principal as { AWS?: unknown; Service?: unknown };
        if (service !== undefined) {
          expect(aws, where).toBeUndefined();
          expect(Object.keys(statement.Condition ?? {}), where).not.toHaveLength(0);
        } else if (JSON.stringify(aws) !== JSON.stringify(ACCOUNT_ROOT) || statement.Condition) {
          // Anything but the account's administration is a use through one AWS service (Secrets Manager's grants).
          expect(aws, where).not.toBe('*');
          expect(Object.keys(statement.Condition?.StringEquals ?? {}), where).toContain('kms:ViaService');
        }
      }
      // The account's own administration, unconditioned: without it the key could be locked for good.
      expect(keyStatements(template, purpose)).toContainEqual(expect.objectContaining({ Action: 'kms:*', Principal: { AWS: ACCOUNT_ROOT } }));
    }
  });

  it('holds each service to its condition: logs to this account’s log groups, EventBridge to its queues, alarms to its own', () => {
    const serviceStatements = (purpose: KeyPurpose) => keyStatements(template, purpose).filter((s) => (s.Principal as { Service?: unknown }).Service !== undefined);
    for (const s of serviceStatements('logs')) expect(Object.keys(s.Condition?.ArnLike ?? {})).toEqual(['kms:EncryptionContext:aws:logs:arn']);
    const events = serviceStatements('queues');
    expect(events.length).toBeGreaterThan(0);
    for (const s of events) {
      expect(s.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(Object.keys(s.Condition?.ArnLike ?? {})).toEqual(['kms:EncryptionContext:aws:sqs:arn']);
    }
    const alarms = serviceStatements('notifications');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(alarms[0]?.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': expect.anything() } });
    expect(serviceStatements('table')).toEqual([]);
    expect(serviceStatements('broker-secret')).toEqual([]);
  });

  // What each principal reads and writes (docs/security.md, "Actors"), and so the keys it must be able to use.
  const NEEDS: [string, Partial<Record<KeyPurpose, string>>][] = [
    ['RiskFunction/Function/ServiceRole', { table: 'kms:GenerateDataKey*', queues: 'kms:GenerateDataKey*' }],
    ['OrderFunction/Function/ServiceRole', { table: 'kms:GenerateDataKey*', queues: 'kms:Decrypt' }],
    ['ReconciliationFunction/Function/ServiceRole', { table: 'kms:GenerateDataKey*', queues: 'kms:GenerateDataKey*' }],
    ['CircuitBreaker/BreakerFunction/Function/ServiceRole', { table: 'kms:GenerateDataKey*', queues: 'kms:GenerateDataKey*', notifications: 'kms:GenerateDataKey*' }],
    ['Watchdog/WatchdogFunction/Function/ServiceRole', { table: 'kms:GenerateDataKey*', queues: 'kms:GenerateDataKey*' }],
    ['KillSwitchApi/KillSwitchFunction/Function/ServiceRole', { table: 'kms:GenerateDataKey*', notifications: 'kms:GenerateDataKey*' }],
    // The feed writes the MARKET items, sends broker updates to the order queue and pages.
    ['FeedService/TaskDefinition/TaskRole', { table: 'kms:GenerateDataKey*', queues: 'kms:GenerateDataKey*', notifications: 'kms:GenerateDataKey*' }],
  ];
  it.each(NEEDS)('lets %s use the keys of the data it reads and writes', (rolePath, needs) => {
    for (const [purpose, action] of Object.entries(needs) as [KeyPurpose, string][]) {
      const actions = keyActions(template, rolePath, purpose);
      expect(actions, `${purpose} key`).toContain('kms:Decrypt');
      expect(actions, `${purpose} key`).toContain(action);
    }
  });

  it('lets the functions that read the broker secret decrypt it through Secrets Manager only', () => {
    const readers = keyStatements(template, 'broker-secret').filter((s) => JSON.stringify(s.Principal).includes('Fn::GetAtt'));
    expect(readers.length).toBeGreaterThanOrEqual(6);
    for (const s of readers) expect(s).toMatchObject({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': expect.anything() } } });
  });
});

describe('a new finding', () => {
  it('fails the synthesis, naming the rule of either pack', { timeout: 60_000 }, () => {
    const app = fastApp();
    const stack = createTradingStack(app, 'dev');
    // An unencrypted queue without TLS enforcement and a log group without a key or retention.
    new Queue(stack, 'PlantedQueue', { encryption: QueueEncryption.UNENCRYPTED });
    new LogGroup(stack, 'PlantedLogs');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4[\s\S]*NIST\.800\.53\.R5-CloudWatchLogGroupEncrypted|NIST\.800\.53\.R5-CloudWatchLogGroupEncrypted[\s\S]*AwsSolutions-SQS4/);
  });
});
