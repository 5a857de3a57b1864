// Specification of the deployed kill switch: a regional REST API whose routes all require IAM
// authorization and proxy to the kill-switch live alias, and a function that knows the order intake it stops
// and the breaker it hands recovery to, and may touch exactly those (the order queue's event source mapping,
// the intent rule, the breaker state machine's executions and task tokens) and nothing more.
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { KEY_IDS } from '../../infra/encryption-keys';
import { killSwitchRuntimeEnv, RUNTIME_ENV } from '../../shared/config/runtime-env';
import { ROUTE_ACTIONS } from '../../shared/operators/operator-config';
import { EXAMPLE_OPERATORS, templateFor } from './synth';
import { actionsOf, functionStatements, logicalId, resource, type Resource } from './template-paths';

const KILL_SWITCH = 'KillSwitchApi/KillSwitchFunction';
const API = 'KillSwitchApi/Api';
const INTENT_RULE = 'EventRouting/OrderIntendedToRisk';

/** The method paths, `POST /kill-switch`, built from the Resource tree. */
const routes = (template: Template): string[] => {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Record<string, Resource>;
  const pathOf = (id: string): string => {
    const r = resources[id];
    if (!r) return '';
    const parent = r.Properties.ParentId as { Ref?: string };
    return `${parent.Ref ? pathOf(parent.Ref) : ''}/${String(r.Properties.PathPart)}`;
  };
  return Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>)
    .map((m) => `${String(m.Properties.HttpMethod)} ${pathOf((m.Properties.ResourceId as { Ref?: string }).Ref ?? '') || '/'}`)
    .sort();
};

describe.each(['dev', 'prod'] as const)('the %s kill-switch API', (env) => {
  const template: Template = templateFor(env);
  const alias = () => logicalId(template, 'AWS::Lambda::Alias', `${KILL_SWITCH}/LiveAlias`);
  const statements = () => functionStatements(template, KILL_SWITCH);
  // The order queue's mapping: the kill switch stops the consumer of approved orders.
  const mapping = () => {
    const orderQueue = logicalId(template, 'AWS::SQS::Queue', 'OrderQueue/Queue');
    const found = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).find(([, m]) => JSON.stringify(m.Properties.EventSourceArn).includes(orderQueue));
    return found?.[0] as string;
  };
  const rule = () => logicalId(template, 'AWS::Events::Rule', INTENT_RULE);
  /** The breaker state machine's alias (an L1 resource: found by its path without '/Resource'). */
  const breakerAlias = () => Object.keys(template.findResources('AWS::StepFunctions::StateMachineAlias'))[0] as string;

  it('serves exactly the routes that have a permission: kill, release, approve, reject, re-enable, flatten, arm, strategies, limits, reference, status and timeline', () => {
    expect(routes(template)).toEqual(Object.keys(ROUTE_ACTIONS).sort());
    expect(routes(template)).toEqual([
      'GET /limits',
      'GET /status',
      'GET /timeline',
      'POST /arm',
      'POST /breaker/approve',
      'POST /breaker/reject',
      'POST /execution/reenable',
      'POST /flatten',
      'POST /kill-switch',
      'POST /kill-switch/release',
      'POST /reference',
      'POST /strategy/disable',
      'POST /strategy/enable',
      'PUT /limits',
    ]);
  });

  it('requires IAM authorization on every method', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>);
    expect(methods).toHaveLength(14);
    for (const method of methods) expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('proxies every method to the kill-switch live alias', () => {
    for (const method of Object.values(template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>)) {
      expect(method.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Properties.Integration)).toContain(`"${alias()}"`);
    }
  });

  it('is a regional endpoint', () => {
    expect(resource(template, 'AWS::ApiGateway::RestApi', API).Properties).toMatchObject({ EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it('logs every request to its access log group, traces, and throttles the stage', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage') as Record<string, Resource>);
    expect(stage).toHaveLength(1);
    expect(stage[0]?.Properties).toMatchObject({
      StageName: env,
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup', 'KillSwitchApi/AccessLogs'), 'Arn'] } },
      TracingEnabled: true,
      MethodSettings: [expect.objectContaining({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number), DataTraceEnabled: false })],
    });
  });

  it('exports the API URL under a stable output name', () => {
    expect(JSON.stringify(template.findOutputs('KillSwitchApiUrl').KillSwitchApiUrl?.Value)).toContain(logicalId(template, 'AWS::ApiGateway::RestApi', API));
  });

  it('tells the function the order event source mapping, the bare intent rule name, the on-call topic, the breaker state machine and the broker secret', () => {
    const vars = (resource(template, 'AWS::Lambda::Function', `${KILL_SWITCH}/Function`).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars).toMatchObject({
      [RUNTIME_ENV.orderEventSourceMappingId]: { Ref: mapping() },
      // The rule's Ref on a custom bus is `bus|rule`; DisableRule wants the name, the last part of the ARN.
      [RUNTIME_ENV.intentRuleName]: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [rule(), 'Arn'] }] }] },
      [RUNTIME_ENV.onCallTopicArn]: { Ref: logicalId(template, 'AWS::SNS::Topic', 'OnCall/Topic') },
      // The machine's live alias: a recovery starts on the version the alias serves.
      [RUNTIME_ENV.breakerStateMachineArn]: { Ref: breakerAlias() },
      [RUNTIME_ENV.brokerSecretId]: { Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'BrokerCredentials/Secret') },
    });
  });

  it('tells the function the id of its API, whose events alone it answers, and the operator policy it was synthesized with', () => {
    const vars = (resource(template, 'AWS::Lambda::Function', `${KILL_SWITCH}/Function`).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars[RUNTIME_ENV.killSwitchApiId]).toEqual({ Ref: logicalId(template, 'AWS::ApiGateway::RestApi', API) });
    const operators = JSON.parse(String(vars[RUNTIME_ENV.killSwitchOperators])) as unknown;
    expect(operators).toEqual(env === 'dev' ? { kind: 'open' } : { kind: 'listed', operators: EXAMPLE_OPERATORS });
    // What the handler parses at cold start.
    expect(killSwitchRuntimeEnv({ [RUNTIME_ENV.environment]: env, [RUNTIME_ENV.killSwitchApiId]: 'abc123defg', [RUNTIME_ENV.killSwitchOperators]: String(vars[RUNTIME_ENV.killSwitchOperators]) })).toEqual({
      apiId: 'abc123defg',
      stage: env,
      operators,
    });
  });

  it('may update and read only the order queue event source mapping', () => {
    const lambda = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));
    expect(lambda).toHaveLength(1);
    expect(actionsOf(lambda[0]!).sort()).toEqual(['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping']);
    expect(JSON.stringify(lambda[0]?.Resource)).toMatch(new RegExp(`:event-source-mapping:".*\\{"Ref":"${mapping()}"\\}`));
  });

  it('may disable, enable and describe only the intent rule', () => {
    const rules = statements().filter((s) => actionsOf(s).some((a) => a.endsWith('Rule')));
    expect(rules).toEqual([{ Effect: 'Allow', Action: ['events:DisableRule', 'events:EnableRule', 'events:DescribeRule'], Resource: { 'Fn::GetAtt': [rule(), 'Arn'] } }]);
  });

  it('may start executions of the breaker state machine (on its live alias) and answer its task tokens, on that machine only', () => {
    expect(statements().filter((s) => actionsOf(s).some((a) => a.startsWith('states:')))).toEqual([
      {
        Effect: 'Allow',
        Action: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
        Resource: [{ Ref: breakerAlias() }, { Ref: logicalId(template, 'AWS::StepFunctions::StateMachine', 'CircuitBreaker/StateMachine') }],
      },
    ]);
  });

  it('has no rights beyond the table, the secret, the page, the bus, the intake switches, the breaker start and approvals, and tracing', () => {
    const allowed = new Set([
      'sns:Publish',
      'events:PutEvents',
      'secretsmanager:GetSecretValue',
      'secretsmanager:DescribeSecret',
      'lambda:UpdateEventSourceMapping',
      'lambda:GetEventSourceMapping',
      'events:DisableRule',
      'events:EnableRule',
      'events:DescribeRule',
      'states:StartExecution',
      'states:SendTaskSuccess',
      'states:SendTaskFailure',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
    ]);
    const table = logicalId(template, 'AWS::DynamoDB::Table', 'TradingTable/Table');
    // The keys of the table and the page, and no other (the secret's is granted in its key policy, through Secrets Manager).
    const keys = (['table', 'notifications'] as const).map((purpose) => ({ 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', `EncryptionKeys/${KEY_IDS[purpose]}`), 'Arn'] }));
    for (const statement of statements()) {
      expect(statement.Effect).toBe('Allow');
      for (const action of actionsOf(statement)) {
        if (action.startsWith('dynamodb:')) expect(JSON.stringify(statement.Resource), action).toContain(`"${table}"`);
        else if (action.startsWith('kms:')) expect(keys, action).toContainEqual(statement.Resource);
        else expect(allowed, action).toContain(action);
      }
    }
  });
});
