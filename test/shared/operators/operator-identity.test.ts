// The person behind an IAM principal ARN: one per-person role is one person whatever the session name, two roles
// are never one person, an Identity Center user is the user the identity provider named, and every other shape
// (root, federated users, unlisted principals, malformed ARNs) is refused naming what is accepted.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATOR_ACTIONS, type OperatorPolicy } from '../../../shared/operators/operator-config';
import { identifyAwsPrincipal, identifyLocalName, parsePrincipalArn } from '../../../shared/operators/operator-identity';

const ACCOUNT = '123456789012';
const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-'.split(''));
const iamName = (min: number, max: number) => fc.string({ unit: nameChar, minLength: min, maxLength: max });
const roleName = iamName(1, 64).filter((n) => !n.startsWith('AWSReservedSSO_'));
const sessionName = iamName(2, 64);
const sessionArn = (role: string, session: string, account = ACCOUNT) => `arn:aws:sts::${account}:assumed-role/${role}/${session}`;
const roleArn = (role: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${role}`;

const listedRoles = (...roles: string[]): OperatorPolicy => ({ kind: 'listed', operators: roles.map((r) => ({ role: roleArn(r), actions: ['kill', 'release'] })) });
const personOf = (arn: string, policy: OperatorPolicy): string | undefined => {
  const result = identifyAwsPrincipal(arn, policy, ACCOUNT);
  return result.ok ? result.person : undefined;
};

describe('a per-person role', () => {
  it('is one person under any two session names, listed or open', () => {
    fc.assert(
      fc.property(roleName, sessionName, sessionName, (role, s1, s2) => {
        for (const policy of [listedRoles(role), { kind: 'open' } as const]) {
          const first = personOf(sessionArn(role, s1), policy);
          expect(first).toBe(roleArn(role));
          expect(personOf(sessionArn(role, s2), policy)).toBe(first);
        }
      }),
    );
  });

  it('never shares a person with another role, whatever the session names', () => {
    fc.assert(
      fc.property(roleName, roleName, sessionName, sessionName, (r1, r2, s1, s2) => {
        fc.pre(r1.toLowerCase() !== r2.toLowerCase());
        for (const policy of [listedRoles(r1, r2), { kind: 'open' } as const]) {
          const a = personOf(sessionArn(r1, s1), policy);
          const b = personOf(sessionArn(r2, s2), policy);
          expect(a).toBeDefined();
          expect(b).toBeDefined();
          expect(a).not.toBe(b);
        }
      }),
    );
  });

  it('is the role as configured (with its path), matched by name as IAM does, without case', () => {
    const policy: OperatorPolicy = { kind: 'listed', operators: [{ role: 'arn:aws:iam::123456789012:role/people/Trading-Alice', actions: ['kill'] }] };
    expect(identifyAwsPrincipal(sessionArn('trading-alice', 'xy'), policy, ACCOUNT)).toEqual({ ok: true, person: 'arn:aws:iam::123456789012:role/people/Trading-Alice', actions: ['kill'] });
  });

  it('is not the same role in another account, nor in another partition', () => {
    const policy = listedRoles('trading-alice');
    expect(personOf(sessionArn('trading-alice', 'alice', '210987654321'), policy)).toBeUndefined();
    expect(personOf('arn:aws-cn:sts::123456789012:assumed-role/trading-alice/alice', policy)).toBeUndefined();
  });

  it('is refused from another account even when nobody is listed', () => {
    expect(identifyAwsPrincipal(sessionArn('Admin', 'alice', '210987654321'), { kind: 'open' }, ACCOUNT)).toMatchObject({ ok: false, message: expect.stringContaining("not of this API's account") });
  });
});

describe('an IAM Identity Center user', () => {
  const policy: OperatorPolicy = {
    kind: 'listed',
    operators: [
      { identityCenter: { account: ACCOUNT, permissionSet: 'Trading_Ops', userName: 'alice@example.com' }, actions: ['kill'] },
      { identityCenter: { account: ACCOUNT, permissionSet: 'Trading_Ops', userName: 'bob@example.com' }, actions: ['release'] },
    ],
  };
  const ssoSession = (permissionSet: string, user: string, suffix = '0123456789abcdef') => sessionArn(`AWSReservedSSO_${permissionSet}_${suffix}`, user);

  it('is the user the identity provider named, whatever the role suffix (a new assignment changes it)', () => {
    expect(identifyAwsPrincipal(ssoSession('Trading_Ops', 'alice@example.com'), policy, ACCOUNT)).toEqual({ ok: true, person: 'sso:alice@example.com', actions: ['kill'] });
    expect(personOf(ssoSession('Trading_Ops', 'alice@example.com', 'fedcba9876543210'), policy)).toBe('sso:alice@example.com');
    expect(personOf(ssoSession('Trading_Ops', 'bob@example.com'), policy)).toBe('sso:bob@example.com');
  });

  it('is refused for a user or permission set that is not listed', () => {
    expect(personOf(ssoSession('Trading_Ops', 'mallory@example.com'), policy)).toBeUndefined();
    expect(personOf(ssoSession('AdministratorAccess', 'alice@example.com'), policy)).toBeUndefined();
  });

  it('is one person per user name, not per role, where nobody is listed', () => {
    fc.assert(
      fc.property(iamName(1, 20), iamName(1, 20), sessionName, (ps1, ps2, user) => {
        expect(personOf(ssoSession(ps1, user), { kind: 'open' })).toBe(personOf(ssoSession(ps2, user), { kind: 'open' }));
      }),
    );
  });
});

describe('an IAM user', () => {
  it('is accepted only when listed, as its ARN', () => {
    const policy: OperatorPolicy = { kind: 'listed', operators: [{ user: 'arn:aws:iam::123456789012:user/alice', actions: OPERATOR_ACTIONS.slice() }] };
    expect(personOf('arn:aws:iam::123456789012:user/alice', policy)).toBe('arn:aws:iam::123456789012:user/alice');
    expect(personOf('arn:aws:iam::123456789012:user/bob', policy)).toBeUndefined();
  });
});

describe('every other shape', () => {
  it.each([
    ['arn:aws:iam::123456789012:root', 'the account root user'],
    ['arn:aws:sts::123456789012:federated-user/alice', 'a federated user'],
    ['arn:aws:iam::123456789012:role/trading-alice', 'a role ARN'],
    ['arn:aws:sts::123456789012:assumed-role/trading-alice', 'not an IAM principal ARN'],
    ['arn:aws:sts::12345678901:assumed-role/trading-alice/alice', 'not an IAM principal ARN'],
    ['arn:aws:sts::123456789012:assumed-role/trading-alice/alice/extra', 'not an IAM principal ARN'],
    ['arn:aws:sts::123456789012:assumed-role/trading alice/alice', 'not an IAM principal ARN'],
    ['alice', 'not an IAM principal ARN'],
    ['', 'not an IAM principal ARN'],
  ])('refuses %s as %s, naming the accepted shapes', (arn, shape) => {
    for (const policy of [listedRoles('trading-alice'), { kind: 'open' } as const]) {
      const result = identifyAwsPrincipal(arn, policy, ACCOUNT);
      expect(result).toMatchObject({ ok: false, message: expect.stringContaining(shape) });
      expect(result.ok ? '' : result.message).toContain('accepted: a session of a listed per-person IAM role');
    }
  });

  it('refuses any string that is not a role session or an IAM user', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parsePrincipalArn(text);
        if (parsed.kind === 'other') expect(identifyAwsPrincipal(text, { kind: 'open' }, ACCOUNT).ok).toBe(false);
        else expect(text).toMatch(/^arn:aws(-cn|-us-gov)?:(sts|iam)::\d{12}:(assumed-role|user)\//);
      }),
    );
  });

  it('refuses a valid session ARN with one character changed into one IAM names never hold', () => {
    fc.assert(
      fc.property(roleName, sessionName, fc.nat(), fc.constantFrom(' ', ':', '*', '#', '\n', '!', '%'), (role, session, at, bad) => {
        const arn = sessionArn(role, session);
        const prefix = 'arn:aws:sts::123456789012:assumed-role/'.length;
        const index = prefix + (at % (arn.length - prefix));
        const broken = arn.slice(0, index) + bad + arn.slice(index + 1);
        const result = identifyAwsPrincipal(broken, listedRoles(role), ACCOUNT);
        expect(result).toMatchObject({ ok: false, message: expect.stringContaining('accepted:') });
      }),
    );
  });
});

describe('a local X-Principal name', () => {
  it('is the name itself, and never an ARN', () => {
    expect(identifyLocalName('alice', { kind: 'open' })).toMatchObject({ ok: true, person: 'alice' });
    expect(identifyLocalName('arn:aws:iam::123456789012:user/alice', { kind: 'open' })).toMatchObject({ ok: false });
    expect(identifyLocalName('al', { kind: 'open' })).toMatchObject({ ok: false });
  });
});
