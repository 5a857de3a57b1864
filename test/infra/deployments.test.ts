// Deployments that prove themselves: every trading function's alias moves through CodeDeploy only after the
// deployment hooks probed the new version (and the alias after), and rolls back on errors, throttles, a p99
// duration near the timeout and unexplained dead letters; the breaker's state machine is published as versions behind a
// `live` alias that shifts gradually in prod, and every execution starts on that alias.
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { templateFor, type DeployableEnv } from './synth';
import { logicalId, resource, type Resource, type Statement } from './template-paths';

const FUNCTIONS = {
  risk: 'RiskFunction',
  order: 'OrderFunction',
  reconciliation: 'ReconciliationFunction',
  breaker: 'CircuitBreaker/BreakerFunction',
  'dead-man-switch': 'Watchdog/WatchdogFunction',
  'kill-switch': 'KillSwitchApi/KillSwitchFunction',
} as const;

const pathOf = (r: Resource): string => String(r.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '');

/** The alarm names (Ref ids) a deployment group rolls back on. */
const rollbackAlarms = (template: Template, fnPath: string): string[] => {
  const group = resource(template, 'AWS::CodeDeploy::DeploymentGroup', `${fnPath}/DeploymentGroup`);
  const config = group.Properties.AlarmConfiguration as { Enabled: boolean; Alarms: { Name: { Ref: string } }[] };
  expect(config.Enabled).toBe(true);
  return config.Alarms.map((a) => a.Name.Ref);
};

describe.each(['dev', 'prod'] as const)('deployments in %s', (env: DeployableEnv) => {
  const template = templateFor(env);
  const aliases = Object.values(template.findResources('AWS::Lambda::Alias') as Record<string, Resource & { UpdatePolicy?: Record<string, unknown> }>);
  const pre = logicalId(template, 'AWS::Lambda::Function', 'DeployHooks/PreTraffic');
  const post = logicalId(template, 'AWS::Lambda::Function', 'DeployHooks/PostTraffic');

  it('gives every function alias a CodeDeploy update with a before-allow-traffic and an after-allow-traffic hook', () => {
    expect(aliases).toHaveLength(Object.keys(FUNCTIONS).length);
    for (const alias of aliases) {
      expect(alias.UpdatePolicy?.CodeDeployLambdaAliasUpdate, pathOf(alias)).toMatchObject({
        BeforeAllowTrafficHook: { Ref: pre },
        AfterAllowTrafficHook: { Ref: post },
      });
    }
  });

  it.each(Object.entries(FUNCTIONS))('rolls %s back on its errors, throttles and p99 duration', (_name, path) => {
    const alarms = rollbackAlarms(template, path);
    for (const own of ['ErrorAlarm', 'ThrottleAlarm', 'DurationAlarm']) expect(alarms).toContain(logicalId(template, 'AWS::CloudWatch::Alarm', `${path}/${own}`));
  });

  it('rolls back while a dead-letter queue each function’s failures end in holds a message (none for the synchronous kill switch)', () => {
    const order = logicalId(template, 'AWS::CloudWatch::Alarm', 'OrderDeadLetterAlarm');
    const events = logicalId(template, 'AWS::CloudWatch::Alarm', 'EventDeadLetterAlarm');
    const failed = logicalId(template, 'AWS::CloudWatch::Alarm', 'FailedInvocationsAlarm');
    expect(rollbackAlarms(template, FUNCTIONS.order)).toContain(order);
    for (const path of [FUNCTIONS.risk, FUNCTIONS.reconciliation, FUNCTIONS.breaker, FUNCTIONS['dead-man-switch']]) expect(rollbackAlarms(template, path)).toEqual(expect.arrayContaining([events, failed]));
    expect(rollbackAlarms(template, FUNCTIONS['kill-switch'])).toHaveLength(3);
  });

  it('sets the duration alarm at 80 % of the function’s timeout, p99 over two minutes', () => {
    const fn = resource(template, 'AWS::Lambda::Function', `${FUNCTIONS.reconciliation}/Function`);
    const alarm = resource(template, 'AWS::CloudWatch::Alarm', `${FUNCTIONS.reconciliation}/DurationAlarm`);
    expect(alarm.Properties).toMatchObject({ ExtendedStatistic: 'p99', EvaluationPeriods: 2, Threshold: Number(fn.Properties.Timeout) * 1000 * 0.8, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it('lets the hooks only read deployments, invoke the trading functions, and report back', () => {
    for (const hook of ['DeployHooks/PreTraffic', 'DeployHooks/PostTraffic']) {
      const statements = (resource(template, 'AWS::IAM::Policy', `${hook}/ServiceRole/DefaultPolicy`).Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      const actions = new Set(statements.flatMap((s) => [s.Action].flat()));
      expect([...actions].sort()).toEqual(['codedeploy:GetDeployment', 'codedeploy:PutLifecycleEventHookExecutionStatus', 'lambda:InvokeFunction', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      // X-Ray's calls take no resource; everything else names its functions and deployment groups.
      for (const s of statements.filter((st) => ![st.Action].flat().some((a) => a.startsWith('xray:')))) expect([s.Resource].flat()).not.toContain('*');
      expect(resource(template, 'AWS::Lambda::Function', hook).Properties.Environment).toMatchObject({ Variables: { DEPLOY_HOOK_STAGE: hook.endsWith('PreTraffic') ? 'pre-traffic' : 'post-traffic' } });
    }
  });

  it('publishes the breaker as versions behind a live alias, kept after replacement, and starts every execution there', () => {
    const version = Object.values(template.findResources('AWS::StepFunctions::StateMachineVersion') as Record<string, Resource>);
    expect(version).toHaveLength(1);
    expect(version[0]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const aliases = Object.values(template.findResources('AWS::StepFunctions::StateMachineAlias') as Record<string, Resource>);
    expect(aliases.map(pathOf)).toEqual(['CircuitBreaker/LiveAlias']);
    const alias = aliases[0] as Resource;
    const preference = alias.Properties.DeploymentPreference as Record<string, unknown>;
    expect(alias.Properties.Name).toBe('live');
    if (env === 'prod') expect(preference).toMatchObject({ Type: 'CANARY', Percentage: 10, Interval: 5 });
    else expect(preference).toMatchObject({ Type: 'ALL_AT_ONCE' });
    expect(preference.Alarms).toEqual([{ Ref: logicalId(template, 'AWS::CloudWatch::Alarm', 'CircuitBreaker/FailedExecutionsAlarm') }]);
    const varsOf = (path: string) => (resource(template, 'AWS::Lambda::Function', `${path}/Function`).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    // The breaker function builds the alias ARN from the machine's name (a reference would be a cycle); the kill switch refers to the alias.
    expect(JSON.stringify(varsOf(FUNCTIONS.breaker).BREAKER_STATE_MACHINE_ARN)).toMatch(/circuit-breaker:live"/);
    expect(varsOf(FUNCTIONS['kill-switch']).BREAKER_STATE_MACHINE_ARN).toEqual({ Ref: Object.keys(template.findResources('AWS::StepFunctions::StateMachineAlias'))[0] });
  });
});
