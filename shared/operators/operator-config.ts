// Who may act on the kill-switch API, and what each may do: the people of an environment, each named by
// something the caller cannot pick (a per-person IAM role, an IAM user, an IAM Identity Center user, or locally
// a plain name), each with the actions it may take. Invariants: no person is listed twice; staging and prod
// always list their people (only local and dev may leave the list out, which lets any person act).
import * as z from 'zod';

/** One permission per door, so a team can give the kill button widely and the release narrowly. */
export const OPERATOR_ACTIONS = ['kill', 'release', 'approve', 'reenable', 'flatten', 'arm', 'status', 'strategy', 'limits', 'reference'] as const;
export const OperatorActionSchema = z.enum(OPERATOR_ACTIONS, { error: `must be one of ${OPERATOR_ACTIONS.join(', ')}` });
export type OperatorAction = z.infer<typeof OperatorActionSchema>;

/**
 * The kill-switch API's routes and the one permission each needs; the handler authorizes by it and the API's
 * resource policy grants the same paths (infra/operator-access-policy.ts).
 */
export const ROUTE_ACTIONS = {
  'POST /kill-switch': 'kill',
  'POST /kill-switch/release': 'release',
  'POST /breaker/approve': 'approve',
  // Rejecting only keeps trading halted, but it ends a recovery: the same people who may approve decide it.
  'POST /breaker/reject': 'approve',
  'POST /execution/reenable': 'reenable',
  'POST /flatten': 'flatten',
  'POST /arm': 'arm',
  // Stopping one strategy, and letting it trade again, is one door: whoever may stop a strategy may restart it.
  'POST /strategy/disable': 'strategy',
  'POST /strategy/enable': 'strategy',
  // Loosening a limit is as consequential as a release: its own permission, given narrowly.
  'PUT /limits': 'limits',
  'GET /limits': 'status',
  'POST /reference': 'reference',
  'GET /status': 'status',
  // The audit trail is read-only, like the status: whoever may see an account's state may read its timeline.
  'GET /timeline': 'status',
} as const satisfies Record<string, OperatorAction>;
export type RouteKey = keyof typeof ROUTE_ACTIONS;

/** IAM's characters for role, user and session names, and the partitions an ARN may name. */
const NAME = '[\\w+=,.@-]';
const PARTITION = '(aws|aws-cn|aws-us-gov)';
/** `arn:<partition>:iam::<account>:role/<path/><name>`; groups: partition, account, path, name. */
export const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):role/((?:${NAME}+/)*)(${NAME}{1,64})$`);
/** `arn:<partition>:iam::<account>:user/<path/><name>`; groups: partition, account, path, name. */
export const USER_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}):user/((?:${NAME}+/)*)(${NAME}{1,64})$`);
/** A local stand-in name (the X-Principal header): plain, never an ARN, so it cannot pass for an AWS identity. */
export const LOCAL_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;

const ActionsSchema = z
  .array(OperatorActionSchema)
  .min(1, { error: 'must give at least one action' })
  .refine((actions) => new Set(actions).size === actions.length, { error: 'must not repeat an action' });

export const IdentityCenterUserSchema = z
  .object({
    /** The account whose permission-set role the person signs in to (where the API is). */
    account: z.string().regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }),
    /** The permission set's name: its role is `AWSReservedSSO_<permissionSet>_<suffix>`. */
    permissionSet: z.string().regex(new RegExp(`^${NAME}{1,32}$`), { error: 'must be a permission set name (1-32 of letters, digits and +=,.@_-)' }),
    /** The user name Identity Center gives as the role session name. */
    userName: z.string().regex(new RegExp(`^${NAME}{2,64}$`), { error: 'must be the Identity Center user name (2-64 of letters, digits and +=,.@_-)' }),
  })
  .strict();
export type IdentityCenterUser = z.infer<typeof IdentityCenterUserSchema>;

const ONE_OF = 'must name the person by exactly one of role, user, identityCenter or local';

export const OperatorSchema = z
  .object({
    /** One IAM role per person: whoever assumes it is that person, whatever session name they choose. */
    role: z.string().regex(ROLE_ARN, { error: 'must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>' }).optional(),
    /** An IAM user (long-term keys): accepted only when listed. */
    user: z.string().regex(USER_ARN, { error: 'must be an IAM user ARN, arn:aws:iam::<12-digit account>:user/<name>' }).optional(),
    /** An IAM Identity Center user signing in through a permission set (the identity provider sets the session name). */
    identityCenter: IdentityCenterUserSchema.optional(),
    /** The local run's X-Principal name; only in the local environment. */
    local: z.string().regex(LOCAL_NAME, { error: 'must be a plain name of 3-64 letters, digits and ._@- (not an ARN)' }).optional(),
    actions: ActionsSchema,
  })
  .strict()
  .superRefine((operator, ctx) => {
    const named = [operator.role, operator.user, operator.identityCenter, operator.local].filter((v) => v !== undefined);
    if (named.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: ONE_OF });
    // An Identity Center role is shared by every user of its permission set: as a `role` it would make them one person.
    if (operator.role && /:role\/(?:.*\/)?AWSReservedSSO_/.test(operator.role)) {
      ctx.addIssue({ code: 'custom', path: ['role'], message: 'is an IAM Identity Center role: name the person by identityCenter { account, permissionSet, userName }' });
    }
  });
export type Operator = z.infer<typeof OperatorSchema>;

/** The person an operator entry names, as the kill switch compares and records it (operator-identity.ts agrees). */
export const personOf = (operator: Operator): string => {
  if (operator.role) return operator.role;
  if (operator.user) return operator.user;
  if (operator.identityCenter) return identityCenterPerson(operator.identityCenter.userName);
  return operator.local ?? '';
};

/**
 * An Identity Center user is one person whichever permission set they sign in through, so the permission set is
 * not part of the identity; user names are compared without case (Identity Center keeps them unique that way).
 */
export const identityCenterPerson = (userName: string): string => `sso:${userName.toLowerCase()}`;

/** Which entry of the list a role or user matches: by account and name (IAM names are unique per account without case). */
const entryKey = (operator: Operator): string => {
  const arn = operator.role ?? operator.user;
  if (arn) {
    const match = ROLE_ARN.exec(arn) ?? USER_ARN.exec(arn);
    return `${operator.role ? 'role' : 'user'}:${match?.[1]}:${match?.[2]}:${match?.[4]?.toLowerCase()}`;
  }
  if (operator.identityCenter) {
    const { account, permissionSet, userName } = operator.identityCenter;
    return `sso:${account}:${permissionSet}:${userName.toLowerCase()}`;
  }
  return `local:${operator.local}`;
};

export const OperatorsSchema = z
  .array(OperatorSchema)
  .min(1, { error: 'must list at least one person (or be left out where an environment allows it)' })
  .superRefine((operators, ctx) => {
    const seen = new Map<string, number>();
    operators.forEach((operator, index) => {
      const key = entryKey(operator);
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [index], message: `names the same person as operators[${first}]: give each person one entry with all their actions` });
      else seen.set(key, index);
    });
  });
export type Operators = z.infer<typeof OperatorsSchema>;

/**
 * Who may act where the handler runs: `listed` (exactly these people and actions) or `open` (local and dev only:
 * any person of an accepted shape, every action; roles still count as one person whatever the session name).
 */
export const OperatorPolicySchema = z.discriminatedUnion(
  'kind',
  [z.object({ kind: z.literal('listed'), operators: OperatorsSchema }).strict(), z.object({ kind: z.literal('open') }).strict()],
  { error: 'must be { kind: "listed", operators: [...] } or { kind: "open" }' },
);
export type OperatorPolicy = z.infer<typeof OperatorPolicySchema>;

/** The environments that may leave the list out; every other one must list its people. */
export const OPEN_OPERATOR_ENVIRONMENTS: readonly string[] = ['local', 'dev'];

/** The policy of an environment: its list, or `open` where allowed; throws naming the fix otherwise. */
export const resolveOperatorPolicy = (config: { name: string; operators?: Operators | undefined }): OperatorPolicy => {
  if (config.operators) return { kind: 'listed', operators: config.operators };
  if (OPEN_OPERATOR_ENVIRONMENTS.includes(config.name)) return { kind: 'open' };
  throw new Error(
    `operators: ${config.name} must list the people who may use the kill-switch API and their actions ` +
      `(operators in shared/config/environments.ts, or -c operators=<file.json> at synth; see docs/kill-switch.md, "Configuring operators")`,
  );
};
