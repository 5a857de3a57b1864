// The kill-switch API's resource policy, from the operator policy: each route's path is invocable only by the
// principals holding its action, and the whole API by nobody else. With IAM authorization API Gateway evaluates
// the caller's identity policy and this one, and in the same account an Allow in either suffices, so the limits are
// explicit Denies (a Deny always wins). Invariants: a listed list denies every principal it does not name; an
// open policy (dev) denies every principal outside the API's account; the document fits API Gateway's 8,192 characters.
import { Stack } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { OPERATOR_ACTIONS, ROUTE_ACTIONS, type Operator, type OperatorAction, type OperatorPolicy } from '../shared/operators/operator-config';

/** API Gateway's limit on a REST API's resource policy, in characters. */
export const RESOURCE_POLICY_MAX_CHARS = 8_192;

/** The `execute-api:/<stage>/<METHOD>/<path>` resources of an action's routes. */
export const actionResources = (stage: string, action: OperatorAction): string[] =>
  Object.entries(ROUTE_ACTIONS)
    .filter(([, a]) => a === action)
    .map(([route]) => {
      const [method, path] = route.split(' ');
      return `execute-api:/${stage}/${method}${path}`;
    });

/**
 * The value `aws:PrincipalArn` has for an operator's requests: for a role session it is the role's ARN with its
 * path; for an Identity Center user it is the permission set's role, whose path is `aws-reserved/sso.amazonaws.com/`
 * (with a region in newer accounts) and whose name ends in a 16-character suffix. That role is shared by every user
 * of the permission set: the handler tells the users apart by the session name Identity Center sets.
 */
export const principalArnPattern = (operator: Operator): string => {
  if (operator.role) return operator.role;
  if (operator.user) return operator.user;
  if (operator.identityCenter) {
    const { account, permissionSet } = operator.identityCenter;
    return `arn:*:iam::${account}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_${permissionSet}_${'?'.repeat(16)}`;
  }
  throw new Error('operators: a local name cannot be deployed (only the local run has the X-Principal stand-in)');
};

const INVOKE = 'execute-api:Invoke';
const unique = (values: string[]): string[] => [...new Set(values)];

const listedStatements = (operators: readonly Operator[], stage: string): PolicyStatement[] => {
  const everyone = unique(operators.map(principalArnPattern));
  const statements = [
    new PolicyStatement({
      sid: 'OperatorsInvokeTheirRoutes',
      effect: Effect.ALLOW,
      principals: [new AnyPrincipal()],
      actions: [INVOKE],
      resources: OPERATOR_ACTIONS.flatMap((action) => actionResources(stage, action)),
      conditions: { ArnLike: { 'aws:PrincipalArn': everyone } },
    }),
    new PolicyStatement({
      sid: 'NobodyElse',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: [INVOKE],
      resources: ['execute-api:/*'],
      conditions: { ArnNotLike: { 'aws:PrincipalArn': everyone } },
    }),
  ];
  for (const action of OPERATOR_ACTIONS) {
    const holders = unique(operators.filter((o) => o.actions.includes(action)).map(principalArnPattern));
    statements.push(
      new PolicyStatement({
        sid: `Only${action[0]?.toUpperCase()}${action.slice(1)}Holders`,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [INVOKE],
        resources: actionResources(stage, action),
        // Nobody holding the action: the route is closed to everyone.
        ...(holders.length > 0 ? { conditions: { ArnNotLike: { 'aws:PrincipalArn': holders } } } : {}),
      }),
    );
  }
  return statements;
};

/** Dev without a list: any principal of the API's own account (the handler still names the person, or refuses). */
const openStatements = (account: string, stage: string): PolicyStatement[] => [
  new PolicyStatement({
    sid: 'AccountInvokesTheRoutes',
    effect: Effect.ALLOW,
    principals: [new AnyPrincipal()],
    actions: [INVOKE],
    resources: OPERATOR_ACTIONS.flatMap((action) => actionResources(stage, action)),
    conditions: { StringEquals: { 'aws:PrincipalAccount': account } },
  }),
  new PolicyStatement({
    sid: 'NobodyOutsideTheAccount',
    effect: Effect.DENY,
    principals: [new AnyPrincipal()],
    actions: [INVOKE],
    resources: ['execute-api:/*'],
    conditions: { StringNotEquals: { 'aws:PrincipalAccount': account } },
  }),
];

/** The resource policy for `stage` of the API in `scope`'s stack; throws when it would not fit API Gateway's limit. */
export const operatorAccessPolicy = (scope: IConstruct, policy: OperatorPolicy, stage: string): PolicyDocument => {
  const stack = Stack.of(scope);
  const document = new PolicyDocument({ statements: policy.kind === 'listed' ? listedStatements(policy.operators, stage) : openStatements(stack.account, stage) });
  const size = JSON.stringify(stack.resolve(document.toJSON())).length;
  if (size > RESOURCE_POLICY_MAX_CHARS) {
    throw new Error(
      `operators: the kill-switch API's resource policy would be ${size} characters, over API Gateway's ${RESOURCE_POLICY_MAX_CHARS}: ` +
        'list fewer principals (an Identity Center permission set covers all its users) or raise the quota',
    );
  }
  return document;
};
