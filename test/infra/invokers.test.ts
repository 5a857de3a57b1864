// Who may reach the controls in the synthesized stack: the kill-switch API's resource policy lets each operator
// invoke only the routes of their actions and everyone else nothing (evaluated here statement by statement, as IAM
// does: an explicit Deny wins); only this API may invoke the kill-switch function; only the state machine and the
// breach rules may invoke the breaker; only the risk function and the feed task may send to the order queue.
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { principalArnPattern } from '../../infra/operator-access-policy';
import { ROUTE_ACTIONS, type RouteKey } from '../../shared/operators/operator-config';
import { EXAMPLE_OPERATORS, fastApp, templateFor } from './synth';
import { logicalId, resource, type Resource } from './template-paths';

interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const API = 'KillSwitchApi/Api';
const KILL_SWITCH = 'KillSwitchApi/KillSwitchFunction';
const BREAKER = 'CircuitBreaker/BreakerFunction';

/** IAM's `*` and `?` wildcards, as ArnLike and resource matching apply them. */
const glob = (pattern: string, value: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

const conditionHolds = (condition: PolicyStatement['Condition'], principalArn: string): boolean =>
  Object.entries(condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => {
      expect(key).toBe('aws:PrincipalArn');
      const matches = [values].flat().some((v) => glob(v, principalArn));
      if (operator === 'ArnLike') return matches;
      if (operator === 'ArnNotLike') return !matches;
      throw new Error(`unexpected condition operator ${operator}`);
    }),
  );

/** The resource policy's verdict on `principalArn` invoking `route` (no identity policy: only this policy speaks). */
const verdict = (statements: PolicyStatement[], principalArn: string, route: RouteKey, stage: string): 'allowed' | 'denied' | 'not allowed' => {
  const [method, path] = route.split(' ');
  const target = `execute-api:/${stage}/${method}${path}`;
  const applies = (s: PolicyStatement) =>
    [s.Action].flat().includes('execute-api:Invoke') && [s.Resource].flat().some((r) => glob(r, target)) && conditionHolds(s.Condition, principalArn);
  if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return 'denied';
  return statements.some((s) => s.Effect === 'Allow' && applies(s)) ? 'allowed' : 'not allowed';
};

const apiPolicy = (template: Template): PolicyStatement[] =>
  (resource(template, 'AWS::ApiGateway::RestApi', API).Properties.Policy as { Statement: PolicyStatement[] } | undefined)?.Statement ?? [];

/** A session's aws:PrincipalArn: the role's ARN (with its path); a user's own ARN. */
const SSO_ROLE = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_TradingRelease_0123456789abcdef';
const PEOPLE: { who: string; principalArn: string; actions: readonly string[] }[] = [
  { who: 'alice (her role, with its path)', principalArn: 'arn:aws:iam::123456789012:role/people/trading-alice', actions: EXAMPLE_OPERATORS[0]?.actions ?? [] },
  { who: 'bob (his role)', principalArn: 'arn:aws:iam::123456789012:role/trading-bob', actions: ['kill', 'status'] },
  { who: 'the TradingRelease permission set', principalArn: SSO_ROLE, actions: ['release', 'approve', 'status'] },
  { who: 'the auditor (IAM user)', principalArn: 'arn:aws:iam::123456789012:user/auditor', actions: ['status'] },
];
const OUTSIDERS = [
  ['an administrator role', 'arn:aws:iam::123456789012:role/Admin'],
  ['the account root user', 'arn:aws:iam::123456789012:root'],
  ['another permission set', 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef'],
  ['a look-alike of the permission set’s role outside aws-reserved', 'arn:aws:iam::123456789012:role/AWSReservedSSO_TradingRelease_0123456789abcdef'],
  ['alice’s role name in another account', 'arn:aws:iam::210987654321:role/people/trading-alice'],
  ['a role whose name only starts like bob’s', 'arn:aws:iam::123456789012:role/trading-bob2'],
];
const ROUTES = Object.keys(ROUTE_ACTIONS) as RouteKey[];

/**
 * The deployment hooks may invoke every trading function's versions and alias: a probe (shared/deployment/
 * deploy-probe.ts) reads and never writes, and a function answers a `deployProbe` event with nothing else.
 */
const DEPLOY_HOOK_POLICIES = ['DeployHooks/PostTraffic/ServiceRole/DefaultPolicy', 'DeployHooks/PreTraffic/ServiceRole/DefaultPolicy'];

describe('the prod kill-switch API resource policy', () => {
  const template = templateFor('prod');
  const statements = () => apiPolicy(template);

  it('is present, and names no principal but the configured operators', () => {
    expect(statements().length).toBeGreaterThan(0);
    const named = new Set(statements().flatMap((s) => Object.values(s.Condition ?? {}).flatMap((keys) => [keys['aws:PrincipalArn'] ?? []].flat())));
    expect([...named].sort()).toEqual([...new Set(EXAMPLE_OPERATORS.map(principalArnPattern))].sort());
    for (const s of statements()) expect(s.Principal).toEqual({ AWS: '*' });
  });

  it.each(PEOPLE)('lets $who invoke exactly the routes of its actions', ({ principalArn, actions }) => {
    for (const route of ROUTES) {
      expect(verdict(statements(), principalArn, route, 'prod'), route).toBe(actions.includes(ROUTE_ACTIONS[route]) ? 'allowed' : 'denied');
    }
  });

  it.each(OUTSIDERS)('denies %s every route, whatever its own IAM policy allows', (_who, principalArn) => {
    for (const route of ROUTES) expect(verdict(statements(), principalArn, route, 'prod'), route).toBe('denied');
  });

  it('denies every principal, operators too, any other stage or path', () => {
    const others = statements().filter((s) => s.Effect === 'Deny' && s.Resource === 'execute-api:/*');
    expect(others).toHaveLength(1);
    for (const { principalArn } of PEOPLE) expect(verdict(statements(), principalArn, 'POST /kill-switch', 'test-invoke-stage')).not.toBe('allowed');
  });
});

describe('the dev kill-switch API resource policy (no operator list)', () => {
  const statements = () => apiPolicy(templateFor('dev'));

  it('allows the routes to the principals of the API’s own account and denies every other account', () => {
    expect(statements()).toEqual([
      expect.objectContaining({ Effect: 'Allow', Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } } }),
      expect.objectContaining({ Effect: 'Deny', Resource: 'execute-api:/*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } } }),
    ]);
  });
});

describe('synthesis without operators', () => {
  it.each(['staging', 'prod'])('refuses %s, naming what is missing and where it goes', (env) => {
    expect(() => createTradingStack(fastApp(), env)).toThrow(`operators: ${env} must list the people who may use the kill-switch API and their actions`);
  });

  it('refuses a malformed list given with -c operators, naming the entry and the rule', () => {
    expect(() => createTradingStack(fastApp({ operators: '[{"role":"arn:aws:iam::123456789012:user/alice","actions":["kill"]}]' }), 'prod')).toThrow(
      '-c operators: operators.0.role: must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>',
    );
  });

  it('refuses a file that cannot be read', () => {
    expect(() => createTradingStack(fastApp({ operators: '/nonexistent/operators.json' }), 'prod')).toThrow('-c operators=/nonexistent/operators.json: cannot read the file (ENOENT)');
  });
});

/** The Lambda permissions whose FunctionName references `fnPath`'s alias or function. */
const permissionsOf = (template: Template, fnPath: string): Resource[] => {
  const ids = [logicalId(template, 'AWS::Lambda::Alias', `${fnPath}/LiveAlias`), logicalId(template, 'AWS::Lambda::Function', `${fnPath}/Function`)];
  return Object.values(template.findResources('AWS::Lambda::Permission') as Record<string, Resource>).filter((p) =>
    ids.some((id) => JSON.stringify(p.Properties.FunctionName).includes(`"${id}"`)),
  );
};

/** The IAM policies of the template that grant lambda:InvokeFunction on `fnPath`'s alias or function. */
const invokeGrantsOf = (template: Template, fnPath: string): string[] => {
  const ids = [logicalId(template, 'AWS::Lambda::Alias', `${fnPath}/LiveAlias`), logicalId(template, 'AWS::Lambda::Function', `${fnPath}/Function`)];
  return Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter(([, p]) =>
      (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement.some(
        (s) => [s.Action].flat().some((a) => a === 'lambda:InvokeFunction' || a === 'lambda:*') && ids.some((id) => JSON.stringify(s.Resource).includes(`"${id}"`)),
      ),
    )
    .map(([, p]) => String(p.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '').replace(/\/Resource$/, ''));
};

describe('the prod kill-switch function', () => {
  const template = templateFor('prod');

  it('may be invoked by this API only: one permission per method, each with the API as its source', () => {
    const api = logicalId(template, 'AWS::ApiGateway::RestApi', API);
    const stage = Object.keys(template.findResources('AWS::ApiGateway::Stage'))[0];
    const permissions = permissionsOf(template, KILL_SWITCH);
    expect(permissions).toHaveLength(ROUTES.length);
    const sources = permissions.map((p) => {
      expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      const source = JSON.stringify(p.Properties.SourceArn);
      expect(source).toContain(`{"Ref":"${api}"}`);
      expect(source).toContain(`{"Ref":"${stage}"}`);
      // arn:…:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>
      return (source.match(/"\/([A-Z]+)\/([^"]*)"\]\]\}$/) ?? []).slice(1).join(' /');
    });
    expect(sources.sort()).toEqual([...ROUTES].sort());
  });

  it('is granted to no IAM role of the stack but the deployment hooks’, which send it only their probe', () => {
    expect(invokeGrantsOf(template, KILL_SWITCH).sort()).toEqual(DEPLOY_HOOK_POLICIES);
  });
});

describe('the prod breaker function', () => {
  const template = templateFor('prod');
  const breakerAlias = () => logicalId(template, 'AWS::Lambda::Alias', `${BREAKER}/LiveAlias`);
  /** The rules that target the breaker alias: the breach routes, the throttle trip's page and the halting alarms. */
  const breachRules = () =>
    Object.entries(template.findResources('AWS::Events::Rule') as Record<string, Resource>)
      .filter(([, r]) => (r.Properties.Targets as { Arn: unknown }[]).some((t) => JSON.stringify(t.Arn) === JSON.stringify({ Ref: breakerAlias() })))
      .map(([id]) => id)
      .sort();

  it('is the target of exactly the breach rules, the throttle-trip rule and the halting-alarms rule', () => {
    expect(breachRules()).toEqual(
      ['EventRouting/RiskBreachToBreaker', 'EventRouting/ReconciliationBreakToBreaker', 'EventRouting/ExecutionThrottleTrippedToBreaker', 'HaltingAlarms/AlarmToBreaker'].map((path) => logicalId(template, 'AWS::Events::Rule', path)).sort(),
    );
  });

  it('may be invoked through resource permissions by those rules only, each named by its ARN', () => {
    const permissions = permissionsOf(template, BREAKER);
    for (const p of permissions) expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', FunctionName: { Ref: breakerAlias() } });
    expect(permissions.map((p) => (p.Properties.SourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]).sort()).toEqual(breachRules());
  });

  it('may be invoked through an IAM grant by the state machine’s role, and the deployment hooks’ (their probe only)', () => {
    expect(invokeGrantsOf(template, BREAKER).sort()).toEqual(['CircuitBreaker/StateMachine/Role/DefaultPolicy', ...DEPLOY_HOOK_POLICIES].sort());
  });
});

describe('the prod order queue', () => {
  const template = templateFor('prod');
  const statements = () =>
    (Object.values(template.findResources('AWS::SQS::QueuePolicy') as Record<string, Resource>).find((p) =>
      JSON.stringify(p.Properties.Queues).includes(`"${logicalId(template, 'AWS::SQS::Queue', 'OrderQueue/Queue')}"`),
    )?.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement;
  const writers = () =>
    ['RiskFunction/Function/ServiceRole', 'FeedService/TaskDefinition/TaskRole'].map((path) => ({ 'Fn::GetAtt': [logicalId(template, 'AWS::IAM::Role', path), 'Arn'] }));

  it('lets the risk function’s role and the feed task’s role send, and denies sending to every other principal', () => {
    const queue = { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'OrderQueue/Queue'), 'Arn'] };
    expect(statements()).toEqual([
      { Action: 'sqs:*', Effect: 'Deny', Principal: { AWS: '*' }, Resource: queue, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'WritersSend', Action: 'sqs:SendMessage', Effect: 'Allow', Principal: { AWS: writers() }, Resource: queue },
      { Sid: 'NobodyElseSends', Action: 'sqs:SendMessage', Effect: 'Deny', Principal: { AWS: '*' }, Resource: queue, Condition: { StringNotEquals: { 'aws:PrincipalArn': writers() } } },
    ]);
  });
});
