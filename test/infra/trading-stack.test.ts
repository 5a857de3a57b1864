import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { EVENT_ROUTES } from '../../shared/routing/routes';
import { templateFor } from './synth';

const FUNCTIONS = ['Risk', 'Order', 'Reconciliation'];

describe('trading stack', () => {
  it('runs every function on nodejs22.x, ARM64, with X-Ray tracing', () => {
    const fns = templateFor('prod').findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });
    expect(Object.keys(fns)).toHaveLength(3);
    for (const fn of Object.values(fns)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    }
  });

  it('puts every function behind a live alias', () => {
    templateFor('prod').resourceCountIs('AWS::Lambda::Alias', 3);
    templateFor('prod').allResourcesProperties('AWS::Lambda::Alias', { Name: 'live' });
  });

  it('gives every function a canary deployment group in prod that rolls back on its alarm', () => {
    const groups = templateFor('prod').findResources('AWS::CodeDeploy::DeploymentGroup');
    expect(Object.keys(groups)).toHaveLength(3);
    for (const group of Object.values(groups)) {
      expect(group.Properties).toMatchObject({
        DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        AlarmConfiguration: { Enabled: true, Alarms: [expect.anything()] },
        AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
      });
    }
  });

  it('deploys all at once in dev', () => {
    templateFor('dev').allResourcesProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
    });
  });

  it('alarms on each live alias errors and sends the alarm to the on-call topic', () => {
    const template = templateFor('prod');
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topic).toHaveLength(1);
    for (const name of FUNCTIONS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: Match.arrayWith([Match.objectLike({ Name: 'Resource', Value: Match.anyValue() })]),
        AlarmActions: [{ Ref: topic[0] }],
        AlarmDescription: Match.stringLikeRegexp(`^${name.toLowerCase()} function errors`),
      });
    }
  });

  it('pages on-call when a dead-letter queue is not empty', () => {
    const alarms = templateFor('prod').findResources('AWS::CloudWatch::Alarm', {
      Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' },
    });
    expect(Object.keys(alarms).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^OrderDeadLetterAlarm/), expect.stringMatching(/^EventDeadLetterAlarm/), expect.stringMatching(/^FailedInvocationsAlarm/)]),
    );
  });

  it('queues approved orders on a FIFO queue without content deduplication, redriven to a FIFO DLQ', () => {
    const template = templateFor('prod');
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } });
    expect(Object.keys(queues)).toHaveLength(2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
  });

  it('feeds the order function from the queue in batches with partial-failure reporting', () => {
    templateFor('prod').hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FunctionName: Match.anyValue(),
    });
  });

  it('creates one rule per route with the route table pattern, targeting the live alias', () => {
    const template = templateFor('prod');
    for (const route of EVENT_ROUTES) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: route.pattern.source, 'detail-type': route.pattern['detail-type'] },
        Targets: [Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 }, DeadLetterConfig: Match.anyValue() })],
      });
    }
  });

  it('runs reconciliation on a schedule', () => {
    templateFor('prod').hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  });

  it('retains the prod table with point-in-time recovery and deletion protection', () => {
    const tables = templateFor('prod').findResources('AWS::DynamoDB::GlobalTable');
    const [table] = Object.values(tables);
    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(table?.Properties.Replicas[0]).toMatchObject({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  it('gives the functions the environment variables the handlers parse at start', () => {
    templateFor('dev').hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRADING_ENV: 'dev', TABLE_NAME: Match.anyValue(), EVENT_BUS_NAME: 'trading-dev', ORDER_QUEUE_URL: Match.anyValue() }) },
    });
  });

  it('refuses an unknown environment with a clear message', () => {
    expect(() => createTradingStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'qa')).toThrow(/env=qa: must be one of dev, staging, prod/);
  });
});
