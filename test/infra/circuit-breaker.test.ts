// Specification of the deployed circuit breaker: a Standard state machine built from the checked-in ASL,
// every Task invoking the breaker function's live alias, logged, traced and paging on failure; and a
// breaker function that can do what its tasks do (table, broker, bus, on-call page).
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { templateFor } from './synth';
import { actionsOf, functionStatements, logicalId, resource } from './template-paths';

const STATE_MACHINE = 'CircuitBreaker/StateMachine';
const BREAKER = 'CircuitBreaker/BreakerFunction';

interface AslState {
  Type: string;
  Parameters?: { FunctionName?: string };
  Branches?: { States: Record<string, AslState> }[];
  Iterator?: { States: Record<string, AslState> };
  ItemProcessor?: { States: Record<string, AslState> };
}

/** Every state, nested ones (Parallel branches, Map processors) included. */
const allStates = (states: Record<string, AslState>): AslState[] =>
  Object.values(states).flatMap((state) => [
    state,
    ...(state.Branches ?? []).flatMap((branch) => allStates(branch.States)),
    ...[state.Iterator, state.ItemProcessor].flatMap((inner) => (inner ? allStates(inner.States) : [])),
  ]);

/** What CloudFormation does with DefinitionSubstitutions at deploy time, with the values rendered as JSON. */
const substituted = (definition: string, substitutions: Record<string, unknown>): string =>
  Object.entries(substitutions).reduce((text, [key, value]) => text.split(`\${${key}}`).join(JSON.stringify(value).replace(/"/g, "'")), definition);

/** A Fn::Join of literals and pseudo-parameter Refs as one string (`${AWS::Region}` for a Ref). */
const rendered = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(rendered).join(join[0]);
  const ref = (value as { Ref?: string }).Ref;
  if (ref?.startsWith('AWS::')) return `\${${ref}}`;
  throw new Error(`not a literal or pseudo-parameter ARN: ${JSON.stringify(value)}`);
};

describe.each(['dev', 'prod'] as const)('the %s circuit breaker', (env) => {
  const template: Template = templateFor(env);
  const machine = () => resource(template, 'AWS::StepFunctions::StateMachine', STATE_MACHINE).Properties;
  const breakerAlias = () => logicalId(template, 'AWS::Lambda::Alias', `${BREAKER}/LiveAlias`);
  const topic = () => logicalId(template, 'AWS::SNS::Topic', 'OnCall/Topic');

  it('is a Standard workflow, so executions run exactly once and the approval can wait for a task token', () => {
    expect(machine().StateMachineType).toBe('STANDARD');
  });

  it('is defined inline from the ASL file, not from an S3 asset', () => {
    expect(typeof machine().DefinitionString).toBe('string');
    expect(machine()).not.toHaveProperty('DefinitionS3Location');
  });

  it('resolves every Task FunctionName to the breaker live alias and leaves no placeholder unsubstituted', () => {
    const definition = machine().DefinitionString as string;
    const substitutions = machine().DefinitionSubstitutions as Record<string, unknown>;
    expect(substitutions).toEqual({ BreakerTasksFunctionArn: { Ref: breakerAlias() } });

    const tasks = allStates((JSON.parse(definition) as { States: Record<string, AslState> }).States).filter((s) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(0);
    for (const task of tasks) expect(task.Parameters?.FunctionName).toBe('${BreakerTasksFunctionArn}');
    expect(substituted(definition, substitutions)).not.toContain('${');
  });

  it('logs every execution event, without its data (the task token), to its own log group, and traces with X-Ray', () => {
    expect(machine()).toMatchObject({
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup', 'CircuitBreaker/Logs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('may invoke the breaker live alias and no other function', () => {
    const role = (machine().RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`));
    const invokes = (policy?.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).filter((s) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    );
    expect(invokes.map((s) => s.Resource)).toEqual([{ Ref: breakerAlias() }]);
  });

  it('pages on-call as soon as an execution fails', () => {
    expect(resource(template, 'AWS::CloudWatch::Alarm', 'CircuitBreaker/FailedExecutionsAlarm').Properties).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(template, 'AWS::StepFunctions::StateMachine', STATE_MACHINE) } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic() }],
    });
  });

  it('tells the breaker function the on-call topic and the broker secret', () => {
    const vars = (resource(template, 'AWS::Lambda::Function', `${BREAKER}/Function`).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars).toMatchObject({
      [RUNTIME_ENV.onCallTopicArn]: { Ref: topic() },
      [RUNTIME_ENV.brokerSecretId]: { Ref: logicalId(template, 'AWS::SecretsManager::Secret', 'BrokerCredentials/Secret') },
    });
  });

  it('lets the breaker function publish pages to the on-call topic', () => {
    expect(functionStatements(template, BREAKER)).toContainEqual(expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topic() } }));
  });

  it('gives the breaker function no control-plane rights and no Step Functions right but starting executions', () => {
    const actions = functionStatements(template, BREAKER).flatMap(actionsOf);
    expect(actions.filter((a) => /^(lambda|states|events:(Disable|Enable)Rule)/.test(a))).toEqual(['states:StartExecution']);
  });

  it('names the state machine after the stack, so its ARN is known without referencing it', () => {
    expect(machine().StateMachineName).toBe(`TradingSafety-${env}-circuit-breaker`);
  });

  it('tells the breaker function the state machine’s live alias and lets it start executions there only', () => {
    const vars = (resource(template, 'AWS::Lambda::Function', `${BREAKER}/Function`).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const arn = vars[RUNTIME_ENV.breakerStateMachineArn];
    expect(rendered(arn)).toBe(`arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${String(machine().StateMachineName)}:live`);
    const starts = functionStatements(template, BREAKER).filter((s) => actionsOf(s).includes('states:StartExecution'));
    expect(starts).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'states:StartExecution', Resource: arn })]);
  });
});
