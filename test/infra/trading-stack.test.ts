// Specification of the synthesized stack: what every environment deploys and where dev, staging and prod
// differ. Bundling is skipped here (see synth.ts); bundling.test.ts checks the real bundles.
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AlpacaSecretSchema } from '../../adapters/broker/alpaca/credentials';
import { createTradingStack } from '../../infra/app';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { EVENT_ROUTES, FUNCTION_NAMES, SCHEDULE_ROUTES, type FunctionName } from '../../shared/routing/routes';
import { DEPLOY_CONTEXT, fastApp, templateFor, type DeployableEnv } from './synth';
import { logicalId, resource } from './template-paths';

/** Construct paths of the functions; they never change once deployed. */
const CONSTRUCT_PATHS: Record<FunctionName, string> = {
  risk: 'RiskFunction',
  order: 'OrderFunction',
  reconciliation: 'ReconciliationFunction',
  breaker: 'CircuitBreaker/BreakerFunction',
  'dead-man-switch': 'Watchdog/WatchdogFunction',
  'kill-switch': 'KillSwitchApi/KillSwitchFunction',
};
const constructId = (name: FunctionName) => CONSTRUCT_PATHS[name];

const fn = (template: Template, name: FunctionName) => resource(template, 'AWS::Lambda::Function', `${constructId(name)}/Function`);
const liveAlias = (template: Template, name: FunctionName) => logicalId(template, 'AWS::Lambda::Alias', `${constructId(name)}/LiveAlias`);
const topicId = (template: Template) => logicalId(template, 'AWS::SNS::Topic', 'OnCall/Topic');
const ORDER_QUEUE = 'OrderQueue/Queue';
const ORDER_DLQ = 'OrderQueue/DeadLetterQueue';
const TABLE = 'TradingTable/Table';
const BROKER_SECRET = 'BrokerCredentials/Secret';
const BROKER_FUNCTIONS: readonly FunctionName[] = ['order', 'reconciliation', 'breaker', 'dead-man-switch', 'kill-switch'];
const FEED_TASK_POLICY = 'FeedService/TaskDefinition/TaskRole/DefaultPolicy';

describe.each(['dev', 'staging', 'prod'] as const)('the %s stack', (env: DeployableEnv) => {
  const template = templateFor(env);
  const config = loadEnvironmentConfig(env);

  describe.each(FUNCTION_NAMES)('the %s function', (name) => {
    it('runs bundled ESM on nodejs22.x, ARM64, with X-Ray tracing', () => {
      expect(fn(template, name).Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
    });

    it('logs JSON at the environment log level to its own log group', () => {
      expect(fn(template, name).Properties).toMatchObject({
        Environment: { Variables: { POWERTOOLS_LOG_LEVEL: config.logLevel } },
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: config.logLevel, LogGroup: { Ref: logicalId(template, 'AWS::Logs::LogGroup', `${constructId(name)}/Logs`) } },
      });
    });

    it('gets the runtime variables the handler parses at cold start', () => {
      const vars = (fn(template, name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars).toMatchObject({
        [RUNTIME_ENV.environment]: env,
        [RUNTIME_ENV.tableName]: { Ref: logicalId(template, 'AWS::DynamoDB::Table', TABLE) },
        [RUNTIME_ENV.eventBusName]: `trading-${env}`,
        POWERTOOLS_SERVICE_NAME: name,
        POWERTOOLS_METRICS_NAMESPACE: 'TradingSafety',
      });
      if (name === 'risk') expect(vars[RUNTIME_ENV.orderQueueUrl]).toEqual({ Ref: logicalId(template, 'AWS::SQS::Queue', ORDER_QUEUE) });
      else expect(vars).not.toHaveProperty(RUNTIME_ENV.orderQueueUrl);
    });

    it('is invoked only through its live alias', () => {
      expect(resource(template, 'AWS::Lambda::Alias', `${constructId(name)}/LiveAlias`).Properties).toMatchObject({
        Name: 'live',
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', `${constructId(name)}/Function`) },
      });
    });

    it('alarms on live alias errors at the configured threshold and pages on-call', () => {
      expect(resource(template, 'AWS::CloudWatch::Alarm', `${constructId(name)}/ErrorAlarm`).Properties).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: expect.arrayContaining([{ Name: 'Resource', Value: expect.objectContaining({ 'Fn::Join': ['', [expect.anything(), ':live']] }) }]),
        Period: 60,
        Threshold: config.alarms.functionErrorsPerMinute,
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId(template) }],
      });
    });

    const stopPath = name === 'breaker' || name === 'kill-switch';
    it(`alarms on throttles and ${stopPath ? 'pages on-call (a stop that did not happen)' : 'makes a ticket'}`, () => {
      expect(resource(template, 'AWS::CloudWatch::Alarm', `${constructId(name)}/ThrottleAlarm`).Properties).toMatchObject({
        MetricName: 'Throttles',
        AlarmActions: [{ Ref: stopPath ? topicId(template) : logicalId(template, 'AWS::SNS::Topic', 'OnCall/TicketTopic') }],
      });
    });

    it('shifts traffic with CodeDeploy, gated by its error, throttle and duration alarms (and dead letters: deployments.test.ts), rolling back on failure or alarm', () => {
      const expected =
        config.deployment.strategy === 'canary-10-percent-5-minutes'
          ? 'CodeDeployDefault.LambdaCanary10Percent5Minutes'
          : 'CodeDeployDefault.LambdaAllAtOnce';
      expect(resource(template, 'AWS::CodeDeploy::DeploymentGroup', `${constructId(name)}/DeploymentGroup`).Properties).toMatchObject({
        DeploymentConfigName: expected,
        AlarmConfiguration: {
          Enabled: true,
          Alarms: expect.arrayContaining(
            ['ErrorAlarm', 'ThrottleAlarm', 'DurationAlarm'].map((alarm) => ({ Name: { Ref: logicalId(template, 'AWS::CloudWatch::Alarm', `${constructId(name)}/${alarm}`) } })),
          ),
        },
        AutoRollbackConfiguration: { Enabled: true, Events: expect.arrayContaining(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM']) },
      });
    });
  });

  it('has one deployment group per function', () => {
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', FUNCTION_NAMES.length);
  });

  it('creates one rule per route with the route table pattern, on the environment bus, into the live alias or its queue', () => {
    const deadLetters = { Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'EventRouting/DeadLetterQueue'), 'Arn'] } };
    for (const route of EVENT_ROUTES) {
      const into = route.queue ? { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', `EventRouting/${route.queue.id}/Queue`), 'Arn'] } : { Ref: liveAlias(template, route.target) };
      expect(resource(template, 'AWS::Events::Rule', `EventRouting/${route.id}`).Properties).toMatchObject({
        EventBusName: { Ref: logicalId(template, 'AWS::Events::EventBus', 'EventRouting/Bus') },
        EventPattern: route.pattern,
        Targets: [{ Arn: into, RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 }, DeadLetterConfig: deadLetters }],
      });
    }
  });

  it('feeds the risk function live alias from the intent queue ten at a time, with partial-failure reporting and dead letters after three receives', () => {
    const intentQueue = logicalId(template, 'AWS::SQS::Queue', 'EventRouting/IntentQueue/Queue');
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find((m) => JSON.stringify(m.Properties.EventSourceArn).includes(intentQueue));
    expect(mapping?.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(mapping?.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
    expect(JSON.stringify(mapping?.Properties.FunctionName)).toContain(liveAlias(template, 'risk'));
    expect(resource(template, 'AWS::SQS::Queue', 'EventRouting/IntentQueue/Queue').Properties).toMatchObject({
      VisibilityTimeout: 60,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'EventRouting/DeadLetterQueue'), 'Arn'] }, maxReceiveCount: 3 },
    });
  });

  it('lets only the intent rule send to the intent queue', () => {
    const intentQueue = logicalId(template, 'AWS::SQS::Queue', 'EventRouting/IntentQueue/Queue');
    const rule = logicalId(template, 'AWS::Events::Rule', 'EventRouting/OrderIntendedToRisk');
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((p) => JSON.stringify(p.Properties.Queues).includes(intentQueue));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:SendMessage',
        Condition: { ArnNotEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
      }),
    );
    // EventBridge's one Allow names no rule: with the queue under the stack's key, CDK leaves the rule out of the grant
    // (the key, the rule and the queue would otherwise depend on each other). The Deny above holds it to the one rule.
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows).toEqual([expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Action: expect.arrayContaining(['sqs:SendMessage']) })]);
  });

  it('routes breaches from the risk function, the feed and the dead-man switch to the breaker live alias', () => {
    const breakerAlias = liveAlias(template, 'breaker');
    expect(resource(template, 'AWS::Events::Rule', 'EventRouting/RiskBreachToBreaker').Properties).toMatchObject({
      EventPattern: { source: ['trading.risk', 'trading.feed', 'trading.dead-man-switch'], 'detail-type': ['RiskBreach.v1'] },
      Targets: [expect.objectContaining({ Arn: { Ref: breakerAlias } })],
    });
  });

  it('routes only reconciliation breaks two consecutive runs reported to the breaker live alias', () => {
    expect(resource(template, 'AWS::Events::Rule', 'EventRouting/ReconciliationBreakToBreaker').Properties).toMatchObject({
      EventPattern: {
        source: ['trading.reconciliation'],
        'detail-type': ['ReconciliationBreak.v1'],
        detail: { data: { break: { consecutiveRuns: [{ numeric: ['>=', 2] }] } } },
      },
      Targets: [expect.objectContaining({ Arn: { Ref: liveAlias(template, 'breaker') } })],
    });
  });

  describe('the alarms that halt trading', () => {
    const rule = () => resource(template, 'AWS::Events::Rule', 'HaltingAlarms/AlarmToBreaker').Properties;
    const alarmArn = (path: string) => ({ 'Fn::GetAtt': [logicalId(template, 'AWS::CloudWatch::Alarm', path), 'Arn'] });

    it('are matched on the default bus in state ALARM, by the ARNs of exactly the safety alarms', () => {
      expect(rule()).not.toHaveProperty('EventBusName');
      expect(rule().EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [
          alarmArn('OrderDeadLetterAlarm'),
          alarmArn('EventDeadLetterAlarm'),
          alarmArn('FailedInvocationsAlarm'),
          alarmArn('Watchdog/WatchdogFunction/ErrorAlarm'),
          alarmArn('Watchdog/SilentAlarm'),
          alarmArn('OrderIntegrity/BrokerOrderIdChangedAlarm'),
        ],
        detail: { state: { value: ['ALARM'] } },
      });
    });

    it('start the breaker through its live alias with the breach rules retries and dead-letter queue', () => {
      expect(rule().Targets).toEqual([
        expect.objectContaining({
          Arn: { Ref: liveAlias(template, 'breaker') },
          RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'EventRouting/DeadLetterQueue'), 'Arn'] } },
        }),
      ]);
    });

    it('leave out the breaker failure alarm, whose fail-closed path has halted already', () => {
      expect(JSON.stringify(rule().EventPattern)).not.toContain(logicalId(template, 'AWS::CloudWatch::Alarm', 'CircuitBreaker/FailedExecutionsAlarm'));
    });
  });

  it('pages on-call and halts when the dead-man switch has not run for five minutes', () => {
    expect(resource(template, 'AWS::CloudWatch::Alarm', 'Watchdog/SilentAlarm').Properties).toMatchObject({
      MetricName: 'Invocations',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topicId(template) }],
    });
  });

  it('retries the asynchronous risk, reconciliation, breaker and dead-man-switch invocations, then keeps them in FailedInvocations', () => {
    const failed = logicalId(template, 'AWS::SQS::Queue', 'FailedInvocations');
    for (const name of ['risk', 'reconciliation', 'breaker', 'dead-man-switch'] as const) {
      expect(resource(template, 'AWS::Lambda::EventInvokeConfig', `${constructId(name)}/LiveAlias/EventInvokeConfig`).Properties).toMatchObject({
        Qualifier: { 'Fn::Select': [7, { 'Fn::Split': [':', { Ref: liveAlias(template, name) }] }] },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 300,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failed, 'Arn'] } } },
        FunctionName: { Ref: logicalId(template, 'AWS::Lambda::Function', `${constructId(name)}/Function`) },
      });
    }
  });

  it('names the bus after the environment', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: `trading-${env}` });
  });

  it('runs each scheduled route at its interval (or the configured reconciliation interval) into the live alias', () => {
    for (const route of SCHEDULE_ROUTES) {
      const minutes = route.everyMinutes ?? config.reconciliation.scheduleMinutes;
      expect(resource(template, 'AWS::Events::Rule', `EventRouting/${route.id}`).Properties).toMatchObject({
        ScheduleExpression: `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`,
        Targets: [expect.objectContaining({ Arn: { Ref: liveAlias(template, route.target) } })],
      });
    }
  });

  it('runs the dead-man switch every minute, the finest an EventBridge schedule fires', () => {
    expect(resource(template, 'AWS::Events::Rule', 'EventRouting/DeadManSwitchSchedule').Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Targets: [expect.objectContaining({ Arn: { Ref: liveAlias(template, 'dead-man-switch') } })],
    });
  });

  it('gives the dead-man-switch function no rights beyond the table, the bus, the broker secret, its failure queue and tracing', () => {
    const { Statement } = resource(template, 'AWS::IAM::Policy', `${constructId('dead-man-switch')}/Function/ServiceRole/DefaultPolicy`)
      .Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] };
    const services = new Set(Statement.flatMap((s) => [s.Action].flat()).map((a) => a.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'events', 'kms', 'secretsmanager', 'sqs', 'xray']);
    const failed = logicalId(template, 'AWS::SQS::Queue', 'FailedInvocations');
    for (const s of Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('sqs:')))) {
      expect(s.Resource).toEqual({ 'Fn::GetAtt': [failed, 'Arn'] });
    }
    // The keys of the table and of its failure queue, nothing else (the secret's is granted through Secrets Manager).
    const keys = ['TableKey', 'QueueKey'].map((key) => ({ 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', `EncryptionKeys/${key}`), 'Arn'] }));
    for (const s of Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('kms:')))) expect(keys).toContainEqual(s.Resource);
  });

  it('queues approved orders on a FIFO queue deduplicated by the sender, redriven to a FIFO DLQ', () => {
    const dlq = logicalId(template, 'AWS::SQS::Queue', ORDER_DLQ);
    expect(resource(template, 'AWS::SQS::Queue', ORDER_QUEUE).Properties).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'EncryptionKeys/QueueKey'), 'Arn'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(resource(template, 'AWS::SQS::Queue', ORDER_DLQ).Properties).toMatchObject({ FifoQueue: true });
  });

  it('keeps an order invisible for at least six order-function timeouts', () => {
    const visibility = resource(template, 'AWS::SQS::Queue', ORDER_QUEUE).Properties.VisibilityTimeout as number;
    expect(visibility).toBeGreaterThanOrEqual(6 * (fn(template, 'order').Properties.Timeout as number));
  });

  it('refuses unencrypted transport on every queue and the topic', () => {
    const deniesInsecure = { Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    for (const queue of queues) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(deniesInsecure)]) },
      });
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(deniesInsecure)]) },
    });
  });

  it('feeds the order function live alias from the queue in batches with partial-failure reporting', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    const orderQueueArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', ORDER_QUEUE), 'Arn'] };
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find((m) => JSON.stringify(m.Properties.EventSourceArn) === JSON.stringify(orderQueueArn));
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: orderQueueArn,
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(JSON.stringify(mapping?.Properties.FunctionName)).toContain(liveAlias(template, 'order'));
  });

  it('lets only the risk function and the feed task (its broker relay) send to the order queue', () => {
    const orderQueue = logicalId(template, 'AWS::SQS::Queue', ORDER_QUEUE);
    const senders = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) =>
        (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).some(
          (s) => [s.Action].flat().includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(`"${orderQueue}"`),
        ),
      )
      .map(([id]) => id)
      .sort();
    expect(senders).toEqual([FEED_TASK_POLICY, 'RiskFunction/Function/ServiceRole/DefaultPolicy'].map((path) => logicalId(template, 'AWS::IAM::Policy', path)).sort());
  });

  it('lets every function read and write the table and put events on the bus', () => {
    const table = logicalId(template, 'AWS::DynamoDB::Table', TABLE);
    const bus = logicalId(template, 'AWS::Events::EventBus', 'EventRouting/Bus');
    for (const name of FUNCTION_NAMES) {
      const statements = resource(template, 'AWS::IAM::Policy', `${constructId(name)}/Function/ServiceRole/DefaultPolicy`).Properties
        .PolicyDocument as { Statement: unknown[] };
      expect(statements.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']), Resource: expect.arrayContaining([{ 'Fn::GetAtt': [table, 'Arn'] }]) }),
          expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [bus, 'Arn'] } }),
        ]),
      );
    }
  });

  it('keeps the construct paths of the breaker state machine, the kill-switch API and the order intake mapping', () => {
    logicalId(template, 'AWS::StepFunctions::StateMachine', 'CircuitBreaker/StateMachine');
    logicalId(template, 'AWS::ApiGateway::RestApi', 'KillSwitchApi/Api');
    // The kill switch reads this mapping's id: it is still the one SqsEventSource created on the order alias.
    const paths = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => String(m.Metadata?.['aws:cdk:path']));
    expect(paths.filter((p) => new RegExp(`^TradingSafety-${env}/OrderFunction/LiveAlias/SqsEventSource:`).test(p))).toHaveLength(1);
  });

  it('pages on-call as soon as a dead-letter queue holds a message', () => {
    for (const [alarmPath, queuePath] of [
      ['OrderDeadLetterAlarm', ORDER_DLQ],
      ['EventDeadLetterAlarm', 'EventRouting/DeadLetterQueue'],
      ['FailedInvocationsAlarm', 'FailedInvocations'],
    ] as const) {
      expect(resource(template, 'AWS::CloudWatch::Alarm', alarmPath).Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', queuePath), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        AlarmActions: [{ Ref: topicId(template) }],
      });
    }
  });

  it('keeps point-in-time recovery on the table', () => {
    expect(resource(template, 'AWS::DynamoDB::Table', TABLE).Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it(`${config.retainData ? 'retains' : 'deletes'} the table with the stack`, () => {
    const policy = config.retainData ? 'Retain' : 'Delete';
    expect(resource(template, 'AWS::DynamoDB::Table', TABLE)).toMatchObject({ DeletionPolicy: policy, UpdateReplacePolicy: policy });
  });

  describe('broker credentials', () => {
    const secretId = () => logicalId(template, 'AWS::SecretsManager::Secret', BROKER_SECRET);

    it('keeps them in one secret whose description names the venue', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      const venue = config.broker.kind === 'alpaca' ? config.broker.venue : 'none';
      expect(resource(template, 'AWS::SecretsManager::Secret', BROKER_SECRET).Properties.Description).toMatch(new RegExp(`^Alpaca ${venue} `));
    });

    it('starts the secret with the fields the credentials reader expects and a placeholder it rejects, never a real key', () => {
      const generate = resource(template, 'AWS::SecretsManager::Secret', BROKER_SECRET).Properties.GenerateSecretString as {
        SecretStringTemplate: string;
        GenerateStringKey: string;
      };
      const initial = { ...(JSON.parse(generate.SecretStringTemplate) as object), [generate.GenerateStringKey]: 'generated0123456789' };
      expect(Object.keys(initial).sort()).toEqual(Object.keys(AlpacaSecretSchema.shape).sort());
      // Rejected by the reader: an unset key is a credentials failure (ambiguous), never a refusal from Alpaca.
      expect(AlpacaSecretSchema.safeParse(initial).success).toBe(false);
      expect(resource(template, 'AWS::SecretsManager::Secret', BROKER_SECRET).Properties).not.toHaveProperty('SecretString');
    });

    it(`${config.retainData ? 'retains' : 'deletes'} the secret with the stack`, () => {
      const policy = config.retainData ? 'Retain' : 'Delete';
      expect(resource(template, 'AWS::SecretsManager::Secret', BROKER_SECRET)).toMatchObject({ DeletionPolicy: policy, UpdateReplacePolicy: policy });
    });

    it('lets only the functions that talk to the broker and the feed task read the secret', () => {
      const secret = secretId();
      const readers = Object.entries(template.findResources('AWS::IAM::Policy'))
        .filter(([, policy]) =>
          (policy.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[]; Resource: unknown }[]).some(
            (s) => s.Effect === 'Allow' && [s.Action].flat().includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes(`"${secret}"`),
          ),
        )
        .map(([id]) => id)
        .sort();
      expect(readers).toEqual(
        [...BROKER_FUNCTIONS.map((name) => `${constructId(name)}/Function/ServiceRole/DefaultPolicy`), FEED_TASK_POLICY]
          .map((path) => logicalId(template, 'AWS::IAM::Policy', path))
          .sort(),
      );
    });

    it('tells only the functions that talk to the broker the secret ARN in BROKER_SECRET_ID', () => {
      for (const name of FUNCTION_NAMES) {
        const vars = (fn(template, name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        if (BROKER_FUNCTIONS.includes(name)) expect(vars[RUNTIME_ENV.brokerSecretId], name).toEqual({ Ref: secretId() });
        else expect(vars, name).not.toHaveProperty(RUNTIME_ENV.brokerSecretId);
      }
    });
  });

  it('exports the table name, bus name, order queue URL, on-call topic ARN, broker secret ARN, kill-switch API URL and feed log group', () => {
    // RestApi adds its own `<api>Endpoint…` output (hashed id); the stable names are the ones scripts read.
    const stable = Object.keys(template.findOutputs('*')).filter((key) => !/^KillSwitchApiEndpoint/.test(key));
    expect(stable.sort()).toEqual(['BrokerSecretArn', 'EventBusName', 'FeedLogGroupName', 'KillSwitchApiUrl', 'OnCallTopicArn', 'OrderQueueUrl', 'TableName']);
    expect(template.findOutputs('BrokerSecretArn').BrokerSecretArn?.Value).toEqual({ Ref: logicalId(template, 'AWS::SecretsManager::Secret', BROKER_SECRET) });
  });

  it('tags every taggable resource with its environment', () => {
    // CDK's own providers (the deployment trigger's, the default security group's lockdown) are raw CloudFormation
    // resources, which the stack's tags reach at deployment only (cost-tags.test.ts).
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => !/CustomResourceProvider/.test(id));
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const [, fn] of functions) expect((fn as { Properties: { Tags?: unknown } }).Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'environment', Value: env }]));
    template.allResourcesProperties('AWS::SQS::Queue', { Tags: Match.arrayWith([{ Key: 'environment', Value: env }]) });
  });
});

describe('reconciliation at start-up', () => {
  it('runs reconciliation asynchronously after every deploy that changes it, once the table and the secret exist', () => {
    const template = templateFor('prod');
    const triggers = template.findResources('Custom::Trigger');
    expect(Object.keys(triggers)).toHaveLength(1);
    const [trigger] = Object.values(triggers) as { Properties: Record<string, unknown>; DependsOn?: string[] }[];
    expect(trigger?.Properties).toMatchObject({ InvocationType: 'Event', ExecuteOnHandlerChange: true });
    expect(JSON.stringify(trigger?.Properties.HandlerArn)).toContain('ReconciliationFunction');
    expect((trigger?.DependsOn ?? []).some((id) => id.startsWith('TradingTable'))).toBe(true);
    expect((trigger?.DependsOn ?? []).some((id) => id.startsWith('BrokerCredentials'))).toBe(true);
  });
});

describe('differences between environments', () => {
  it('gives every function a canary deployment group in prod', () => {
    templateFor('prod').allResourcesProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    });
  });

  it('deploys all at once in dev', () => {
    templateFor('dev').allResourcesProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
    });
  });

  it('protects the prod table from deletion, but not the dev table', () => {
    templateFor('prod').hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    templateFor('dev').hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });

  it('retains the prod table', () => {
    templateFor('prod').hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('trades on the live Alpaca venue in prod and on paper in dev and staging', () => {
    expect(loadEnvironmentConfig('prod').broker).toEqual({ kind: 'alpaca', venue: 'live' });
    expect(loadEnvironmentConfig('staging').broker).toEqual({ kind: 'alpaca', venue: 'paper' });
    expect(loadEnvironmentConfig('dev').broker).toEqual({ kind: 'alpaca', venue: 'paper' });
    templateFor('prod').hasResourceProperties('AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('^Alpaca live ') });
    templateFor('dev').hasResourceProperties('AWS::SecretsManager::Secret', { Description: Match.stringLikeRegexp('^Alpaca paper ') });
  });

  it('keeps the simulated broker to the local configuration', () => {
    expect(loadEnvironmentConfig('local').broker).toEqual({ kind: 'simulated' });
  });
});

describe('choosing the environment', () => {
  it('refuses an unknown environment with a clear message', () => {
    expect(() => createTradingStack(fastApp(), 'qa')).toThrow(/env=qa: must be one of dev, staging, prod/);
  });

  it('refuses a missing environment', () => {
    expect(() => createTradingStack(fastApp(), '')).toThrow(/env=<missing>: must be one of dev, staging, prod/);
  });

  it('refuses the local environment, which never deploys', () => {
    expect(() => createTradingStack(fastApp(), 'local')).toThrow(/env=local/);
  });

  it('accepts a loaded configuration and names the stack after it', () => {
    expect(createTradingStack(fastApp(DEPLOY_CONTEXT), loadEnvironmentConfig('staging')).stackName).toBe('TradingSafety-staging');
  });
});
