// Specification of the feed task on Fargate: one task, handed over by a rolling deploy the lease keeps to one
// leader, ARM64 in a public subnet without NAT or inbound traffic, health checked, and a task role that may do
// only what the feed does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { KEY_IDS, type KeyPurpose } from '../../infra/encryption-keys';
import { FEED_HEALTH_COMMAND } from '../../infra/feed-service';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../../shared/config/environments';
import { DEFAULT_FEED_HEALTH_PORT, FeedRuntimeEnvSchema, RUNTIME_ENV } from '../../shared/config/runtime-env';
import { fastApp, templateFor, type DeployableEnv } from './synth';
import { actionsOf, logicalId, resource, type Resource, type Statement } from './template-paths';

const ROOT = join(import.meta.dirname, '..', '..');
const TASK_ROLE = 'FeedService/TaskDefinition/TaskRole';

interface ContainerDefinition {
  Environment: { Name: string; Value: unknown }[];
  HealthCheck: Record<string, unknown>;
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
  StopTimeout: number;
}

/** The logical id of the one resource of `type` at exactly `<stack>/<path>` (for those not named `Resource`). */
const idAt = (template: Template, type: string, path: string): string => {
  const ids = Object.entries(template.findResources(type) as Record<string, Resource>)
    .filter(([, r]) => String(r.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '') === path)
    .map(([id]) => id);
  expect(ids, `${type} at ${path}`).toHaveLength(1);
  return ids[0] as string;
};

const service = (template: Template) => template.findResources('AWS::ECS::Service')[idAt(template, 'AWS::ECS::Service', 'FeedService/Service/Service')] as Resource;

const taskDefinition = (template: Template) => resource(template, 'AWS::ECS::TaskDefinition', 'FeedService/TaskDefinition');

const container = (template: Template): ContainerDefinition => {
  const containers = taskDefinition(template).Properties.ContainerDefinitions as ContainerDefinition[];
  expect(containers).toHaveLength(1);
  return containers[0] as ContainerDefinition;
};

const environmentOf = (template: Template): Record<string, unknown> =>
  Object.fromEntries(container(template).Environment.map(({ Name, Value }) => [Name, Value]));

const taskStatements = (template: Template): Statement[] =>
  (resource(template, 'AWS::IAM::Policy', `${TASK_ROLE}/DefaultPolicy`).Properties.PolicyDocument as { Statement: Statement[] }).Statement;

/** Every statement of every policy attached to the task role (not only its default policy). */
const everyTaskRoleStatement = (template: Template): Statement[] => {
  const role = logicalId(template, 'AWS::IAM::Role', TASK_ROLE);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${role}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};

describe.each(['dev', 'staging', 'prod'] as const)('the %s feed service', (env: DeployableEnv) => {
  const template = templateFor(env);
  const config = loadEnvironmentConfig(env);
  const id = (type: string, path: string) => logicalId(template, type, path);

  it('runs one feed task and never two leaders at once: rolling 100/200 (the lease keeps one leader), rolled back when the new task fails', () => {
    template.resourceCountIs('AWS::ECS::Service', 1);
    expect(service(template).Properties).toMatchObject({
      DesiredCount: 1,
      LaunchType: 'FARGATE',
      PlatformVersion: 'LATEST',
      EnableExecuteCommand: false,
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
    });
  });

  it('runs on ARM64 Linux with 0.25 vCPU and 0.5 GB', () => {
    expect(taskDefinition(template).Properties).toMatchObject({
      Cpu: '256',
      Memory: '512',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
  });

  it('checks the container on /health at the health port and gives the program 30 s to stop after SIGTERM', () => {
    const { HealthCheck, StopTimeout } = container(template);
    expect(HealthCheck).toEqual({ Command: ['CMD', 'node', '-e', FEED_HEALTH_COMMAND], Interval: 10, Timeout: 5, Retries: 3, StartPeriod: 30 });
    expect(FEED_HEALTH_COMMAND).toContain(`http://127.0.0.1:${DEFAULT_FEED_HEALTH_PORT}/health`);
    expect(environmentOf(template)[RUNTIME_ENV.feedHealthPort]).toBe(String(DEFAULT_FEED_HEALTH_PORT));
    expect(StopTimeout).toBe(30);
  });

  it(`logs through awslogs into its own log group kept ${env === 'prod' ? 'one year' : 'one month'}`, () => {
    const logGroup = id('AWS::Logs::LogGroup', 'FeedService/Logs');
    expect(container(template).LogConfiguration).toMatchObject({ LogDriver: 'awslogs', Options: { 'awslogs-group': { Ref: logGroup }, 'awslogs-stream-prefix': 'feed' } });
    const policy = config.retainData ? 'Retain' : 'Delete';
    expect(resource(template, 'AWS::Logs::LogGroup', 'FeedService/Logs')).toMatchObject({
      Properties: { RetentionInDays: env === 'prod' ? 365 : 30 },
      DeletionPolicy: policy,
      UpdateReplacePolicy: policy,
    });
    expect(template.findOutputs('FeedLogGroupName').FeedLogGroupName?.Value).toEqual({ Ref: logGroup });
  });

  it('runs in a public subnet of two availability zones with a public IP and no NAT gateway', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EIP', 0);
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true });
    const network = (service(template).Properties.NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> })
      .AwsvpcConfiguration;
    expect(network).toEqual({
      AssignPublicIp: 'ENABLED',
      SecurityGroups: [{ 'Fn::GetAtt': [id('AWS::EC2::SecurityGroup', 'FeedService/SecurityGroup'), 'GroupId'] }],
      Subnets: [1, 2].map((n) => ({ Ref: idAt(template, 'AWS::EC2::Subnet', `FeedService/Vpc/PublicSubnet${n}/Subnet`) })),
    });
  });

  it('admits no inbound traffic and dials out only', () => {
    const group = resource(template, 'AWS::EC2::SecurityGroup', 'FeedService/SecurityGroup').Properties;
    expect(group).not.toHaveProperty('SecurityGroupIngress');
    expect(group.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('lets the task make only the calls the feed makes, each on its one resource', () => {
    // Each encrypted resource's key, for exactly the use its grant needs (infra/encryption-keys.ts).
    const key = (purpose: KeyPurpose) => ({ 'Fn::GetAtt': [id('AWS::KMS::Key', `EncryptionKeys/${KEY_IDS[purpose]}`), 'Arn'] });
    const encryptDecrypt = ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
    expect(taskStatements(template)).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: { 'Fn::GetAtt': [id('AWS::DynamoDB::Table', 'TradingTable/Table'), 'Arn'] },
        // Its items only: marks, reference data, heartbeat and lease all have the partition key MARKET.
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['MARKET'] } },
      },
      { Effect: 'Allow', Action: encryptDecrypt, Resource: key('table') },
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query', 'dynamodb:GetItem'],
        Resource: { 'Fn::GetAtt': [id('AWS::DynamoDB::Table', 'TradingTable/Table'), 'Arn'] },
        // Read only, and only its account's control partition: the strategy switches it honours.
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`CONTROL#${config.accounts[0]}`] } },
      },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: key('table') },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [id('AWS::Events::EventBus', 'EventRouting/Bus'), 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Resource: { 'Fn::GetAtt': [id('AWS::SQS::Queue', 'OrderQueue/Queue'), 'Arn'] },
      },
      { Effect: 'Allow', Action: encryptDecrypt, Resource: key('queues') },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: { Ref: id('AWS::SecretsManager::Secret', 'BrokerCredentials/Secret') },
      },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: id('AWS::SNS::Topic', 'OnCall/Topic') } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: key('notifications') },
    ]);
    expect(resource(template, 'AWS::IAM::Role', TASK_ROLE).Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  it('never lets the task scan, batch-write, query outside its control partition, use every DynamoDB action or act on every resource', () => {
    const statements = everyTaskRoleStatement(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const statement of statements) {
      expect(actionsOf(statement)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^dynamodb:(\*|Scan|BatchWriteItem)$|^\*$/)]));
      if (actionsOf(statement).includes('dynamodb:Query')) {
        expect((statement as Statement & { Condition?: unknown }).Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`CONTROL#${config.accounts[0]}`] } });
      }
      expect([statement.Resource].flat()).not.toContain('*');
    }
  });

  it('gives the task the variables the feed program parses, and no Alpaca key or override', () => {
    const vars = environmentOf(template);
    expect(vars).toEqual({
      [RUNTIME_ENV.environment]: env,
      [RUNTIME_ENV.tableName]: { Ref: id('AWS::DynamoDB::Table', 'TradingTable/Table') },
      [RUNTIME_ENV.eventBusName]: `trading-${env}`,
      [RUNTIME_ENV.orderQueueUrl]: { Ref: id('AWS::SQS::Queue', 'OrderQueue/Queue') },
      [RUNTIME_ENV.brokerSecretId]: { Ref: id('AWS::SecretsManager::Secret', 'BrokerCredentials/Secret') },
      [RUNTIME_ENV.feedId]: `feed-${env}`,
      [RUNTIME_ENV.feedStrategies]: 'strategies/sample-momentum.mjs',
      [RUNTIME_ENV.feedHealthPort]: String(DEFAULT_FEED_HEALTH_PORT),
      [RUNTIME_ENV.onCallTopicArn]: { Ref: id('AWS::SNS::Topic', 'OnCall/Topic') },
      POWERTOOLS_SERVICE_NAME: 'feed',
      POWERTOOLS_LOG_LEVEL: config.logLevel,
    });
    expect(Object.keys(vars).filter((name) => /^(APCA|ALPACA)_/.test(name))).toEqual([]);
    // With CloudFormation's values in place of the references, the program's own schema accepts them.
    const resolved = {
      ...vars,
      [RUNTIME_ENV.tableName]: 'TradingSafety-table',
      [RUNTIME_ENV.orderQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo',
      [RUNTIME_ENV.brokerSecretId]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:broker-AbCdEf',
      [RUNTIME_ENV.onCallTopicArn]: 'arn:aws:sns:eu-west-1:123456789012:on-call',
    };
    expect(FeedRuntimeEnvSchema.safeParse(resolved).success).toBe(true);
  });

  it('hosts strategies the bundle holds (strategies/<name>.mjs is built from strategies/<name>.ts)', () => {
    const strategies = String(environmentOf(template)[RUNTIME_ENV.feedStrategies]).split(',');
    for (const path of strategies) expect(existsSync(join(ROOT, path.replace(/\.mjs$/, '.ts'))), path).toBe(true);
  });

});

describe('an environment that cannot run the feed', () => {
  const withoutFeed = (config: EnvironmentConfig) => Template.fromStack(createTradingStack(fastApp(), config));

  it.each([
    ['names no market', { ...loadEnvironmentConfig('dev'), market: undefined }],
    ['has the simulated broker', { ...loadEnvironmentConfig('dev'), broker: { kind: 'simulated' as const } }],
  ])('gets no feed service when it %s', (_, config) => {
    const template = withoutFeed(config);
    template.resourceCountIs('AWS::ECS::Service', 0);
    template.resourceCountIs('AWS::ECS::TaskDefinition', 0);
    template.resourceCountIs('AWS::EC2::VPC', 0);
    expect(template.findOutputs('FeedLogGroupName')).toEqual({});
  });
});
