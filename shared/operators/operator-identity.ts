// The person behind a request, from what the caller cannot choose: the IAM principal ARN API Gateway puts in
// the request context (or locally the X-Principal name), normalized against the operator policy. Invariants: an
// assumed role's session name never distinguishes two people unless Identity Center set it; every shape that is
// not a listed person (root, federated users, unknown roles and users, malformed ARNs) is refused with the shapes
// that are accepted; the same person always normalizes to the same string, which is what four-eyes compares.
import {
  identityCenterPerson,
  LOCAL_NAME,
  OPERATOR_ACTIONS,
  personOf,
  ROLE_ARN,
  USER_ARN,
  type Operator,
  type OperatorAction,
  type OperatorPolicy,
} from './operator-config';

/** A principal ARN split into what identifies it; `other` is every shape the kill switch refuses. */
export type PrincipalArn =
  | { kind: 'assumed-role'; partition: string; account: string; roleName: string; sessionName: string }
  | { kind: 'iam-user'; partition: string; account: string; path: string; userName: string }
  | { kind: 'other'; shape: string };

const NAME = '[\\w+=,.@-]';
const ASSUMED_ROLE = new RegExp(`^arn:(aws|aws-cn|aws-us-gov):sts::(\\d{12}):assumed-role/(${NAME}{1,64})/(${NAME}{2,64})$`);
/** The role IAM Identity Center makes for a permission set: `AWSReservedSSO_<permission set>_<suffix>`. */
const IDENTITY_CENTER_ROLE = /^AWSReservedSSO_(.+)_([A-Za-z0-9]+)$/;

export const ACCEPTED_SHAPES =
  'a session of a listed per-person IAM role (arn:aws:sts::<account>:assumed-role/<role>/<session>), ' +
  'an IAM Identity Center user signed in through a listed permission set (assumed-role/AWSReservedSSO_<permission set>_<suffix>/<user>), ' +
  'or a listed IAM user (arn:aws:iam::<account>:user/<name>)';

/** Splits a principal ARN; anything that is not a role session or an IAM user is `other`, named by its shape. */
export const parsePrincipalArn = (arn: string): PrincipalArn => {
  const session = ASSUMED_ROLE.exec(arn);
  if (session) return { kind: 'assumed-role', partition: session[1] ?? '', account: session[2] ?? '', roleName: session[3] ?? '', sessionName: session[4] ?? '' };
  const user = USER_ARN.exec(arn);
  if (user) return { kind: 'iam-user', partition: user[1] ?? '', account: user[2] ?? '', path: user[3] ?? '', userName: user[4] ?? '' };
  if (/^arn:[\w-]+:iam::\d{12}:root$/.test(arn)) return { kind: 'other', shape: 'the account root user' };
  if (/^arn:[\w-]+:sts::\d{12}:federated-user\//.test(arn)) return { kind: 'other', shape: 'a federated user (GetFederationToken picks its own name)' };
  if (ROLE_ARN.test(arn)) return { kind: 'other', shape: 'a role ARN (requests come from role sessions, never from the role itself)' };
  return { kind: 'other', shape: 'not an IAM principal ARN of an accepted shape' };
};

export type Identification =
  | { ok: true; person: string; actions: readonly OperatorAction[] }
  | { ok: false; message: string };

const refused = (message: string): Identification => ({ ok: false, message });
const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The listed entry a parsed principal is, if any (IAM names are unique per account without regard to case). */
const listedEntry = (principal: PrincipalArn, operators: readonly Operator[]): Operator | undefined => {
  if (principal.kind === 'other') return undefined;
  if (principal.kind === 'iam-user') {
    return operators.find((o) => {
      const m = o.user ? USER_ARN.exec(o.user) : null;
      return m !== null && m[1] === principal.partition && m[2] === principal.account && sameName(m[4] ?? '', principal.userName);
    });
  }
  const sso = IDENTITY_CENTER_ROLE.exec(principal.roleName);
  if (sso) {
    return operators.find(
      (o) => o.identityCenter?.account === principal.account && o.identityCenter.permissionSet === sso[1] && sameName(o.identityCenter.userName, principal.sessionName),
    );
  }
  return operators.find((o) => {
    const m = o.role ? ROLE_ARN.exec(o.role) : null;
    return m !== null && m[1] === principal.partition && m[2] === principal.account && sameName(m[4] ?? '', principal.roleName);
  });
};

/**
 * The person an AWS principal ARN is. Listed policy: only listed people, normalized to their entry (the role or
 * user ARN as configured, `sso:<user>` for Identity Center). Open policy: any role session or IAM user of
 * `apiAccount`, a role being one person whatever the session name (Identity Center's roles excepted).
 */
export const identifyAwsPrincipal = (userArn: string, policy: OperatorPolicy, apiAccount: string): Identification => {
  const principal = parsePrincipalArn(userArn);
  if (principal.kind === 'other') return refused(`the caller is ${principal.shape}; accepted: ${ACCEPTED_SHAPES}`);
  if (policy.kind === 'listed') {
    const entry = listedEntry(principal, policy.operators);
    if (!entry) return refused(`${userArn} is not a listed operator of this environment; accepted: ${ACCEPTED_SHAPES}`);
    return { ok: true, person: personOf(entry), actions: entry.actions };
  }
  if (principal.account !== apiAccount) return refused(`${userArn} is not of this API's account ${apiAccount}`);
  if (principal.kind === 'iam-user') return { ok: true, person: `arn:${principal.partition}:iam::${principal.account}:user/${principal.path}${principal.userName}`, actions: OPERATOR_ACTIONS };
  const person = IDENTITY_CENTER_ROLE.test(principal.roleName)
    ? identityCenterPerson(principal.sessionName)
    : `arn:${principal.partition}:iam::${principal.account}:role/${principal.roleName}`;
  return { ok: true, person, actions: OPERATOR_ACTIONS };
};

/** The person a local X-Principal name is: the name itself, when it is a plain name (and listed, under a list). */
export const identifyLocalName = (name: string, policy: OperatorPolicy): Identification => {
  if (!LOCAL_NAME.test(name)) return refused(`X-Principal must be a plain name of 3-64 letters, digits and ._@- (got ${JSON.stringify(name.slice(0, 80))})`);
  if (policy.kind === 'open') return { ok: true, person: name, actions: OPERATOR_ACTIONS };
  const entry = policy.operators.find((o) => o.local === name);
  if (!entry) return refused(`${name} is not a listed operator of this environment`);
  return { ok: true, person: name, actions: entry.actions };
};
