// The operator list of an environment: each person named once by exactly one identity they cannot pick, with
// known actions; staging and prod cannot go without a list; bad entries are refused naming the field and the rule.
import { describe, expect, it } from 'vitest';
import { EnvironmentConfigSchema, loadEnvironmentConfig } from '../../../shared/config/environments';
import { issuesOf } from '../../../shared/errors/zod-issues';
import { OperatorsSchema, resolveOperatorPolicy } from '../../../shared/operators/operator-config';

const issues = (input: unknown) => {
  const result = OperatorsSchema.safeParse(input);
  return result.success ? [] : issuesOf(result.error);
};

describe('the operator list', () => {
  it('takes per-person roles, IAM users and Identity Center users, each with their actions', () => {
    expect(
      issues([
        { role: 'arn:aws:iam::123456789012:role/people/trading-alice', actions: ['kill', 'status'] },
        { user: 'arn:aws:iam::123456789012:user/bob', actions: ['release'] },
        { identityCenter: { account: '123456789012', permissionSet: 'TradingOps', userName: 'carol@example.com' }, actions: ['approve', 'reenable', 'flatten', 'arm'] },
      ]),
    ).toEqual([]);
  });

  it.each([
    [[{ role: 'arn:aws:iam::123456789012:user/alice', actions: ['kill'] }], '0.role', 'must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>'],
    [[{ role: 'arn:aws:sts::123456789012:assumed-role/r/alice', actions: ['kill'] }], '0.role', 'must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>'],
    [[{ user: 'arn:aws:iam::123456789012:root', actions: ['kill'] }], '0.user', 'must be an IAM user ARN, arn:aws:iam::<12-digit account>:user/<name>'],
    [[{ role: 'arn:aws:iam::123456789012:role/r', actions: ['kill', 'override'] }], '0.actions.1', 'must be one of kill, release, approve, reenable, flatten, arm, status, strategy, limits, reference'],
    [[{ role: 'arn:aws:iam::123456789012:role/r', actions: [] }], '0.actions', 'must give at least one action'],
    [[{ role: 'arn:aws:iam::123456789012:role/r', actions: ['kill', 'kill'] }], '0.actions', 'must not repeat an action'],
    [[{ actions: ['kill'] }], '0', 'must name the person by exactly one of role, user, identityCenter or local'],
    [[{ role: 'arn:aws:iam::123456789012:role/r', user: 'arn:aws:iam::123456789012:user/u', actions: ['kill'] }], '0', 'must name the person by exactly one of role, user, identityCenter or local'],
    [
      [{ role: 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Ops_0123456789abcdef', actions: ['kill'] }],
      '0.role',
      'is an IAM Identity Center role: name the person by identityCenter { account, permissionSet, userName }',
    ],
    [[{ identityCenter: { account: '1234', permissionSet: 'Ops', userName: 'alice' }, actions: ['kill'] }], '0.identityCenter.account', 'must be a 12-digit AWS account id'],
    [
      [
        { role: 'arn:aws:iam::123456789012:role/trading-alice', actions: ['kill'] },
        { role: 'arn:aws:iam::123456789012:role/other-path/Trading-Alice', actions: ['release'] },
      ],
      '1',
      'names the same person as operators[0]: give each person one entry with all their actions',
    ],
    [[], '(root)', 'must list at least one person (or be left out where an environment allows it)'],
  ])('refuses %j at %s: %s', (input, path, rule) => {
    expect(issues(input)).toContainEqual({ path, rule });
  });
});

describe('an environment without a list', () => {
  it('lets any person act locally and in dev', () => {
    expect(resolveOperatorPolicy(loadEnvironmentConfig('local'))).toEqual({ kind: 'open' });
    expect(resolveOperatorPolicy(loadEnvironmentConfig('dev'))).toEqual({ kind: 'open' });
  });

  it.each(['staging', 'prod'] as const)('is refused in %s, naming where the list goes', (name) => {
    expect(() => resolveOperatorPolicy(loadEnvironmentConfig(name))).toThrow(`operators: ${name} must list the people who may use the kill-switch API and their actions (operators in shared/config/environments.ts, or -c operators=<file.json> at synth`);
  });

  it('takes the list where one is given', () => {
    const operators = [{ role: 'arn:aws:iam::123456789012:role/trading-alice', actions: ['kill' as const] }];
    expect(resolveOperatorPolicy({ ...loadEnvironmentConfig('prod'), operators })).toEqual({ kind: 'listed', operators });
  });
});

describe('local names', () => {
  it('are refused outside the local environment, and AWS identities in it', () => {
    const prod = EnvironmentConfigSchema.safeParse({ ...loadEnvironmentConfig('prod'), operators: [{ local: 'alice', actions: ['kill'] }] });
    expect(prod.success ? [] : issuesOf(prod.error)).toEqual([{ path: 'operators.0', rule: 'must not be a local name outside the local environment' }]);
    const local = EnvironmentConfigSchema.safeParse({ ...loadEnvironmentConfig('local'), operators: [{ user: 'arn:aws:iam::123456789012:user/alice', actions: ['kill'] }] });
    expect(local.success ? [] : issuesOf(local.error)).toEqual([{ path: 'operators.0', rule: 'must be a local name in the local environment' }]);
  });
});
