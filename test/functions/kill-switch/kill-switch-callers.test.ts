// Who may call the kill-switch API: only events API Gateway sent for this API and stage, only listed people
// (named by what they cannot choose: a per-person role whatever the session name, an Identity Center user, an IAM
// user), and only for the actions each holds. Every refusal is a 403 that has read and written nothing.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { createKillSwitchHandler, type KillSwitchHandlerDeps } from '../../../functions/kill-switch/handler';
import { auditEntry } from '../../../shared/audit/audit-entry';
import type { Operator } from '../../../shared/operators/operator-config';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, RecordingPager, scanAll } from '../../support/fixtures';
import { ALICE, BOB, DAVE_ROLE, gatewayContext, sessionOf, TEST_API, testCallers, quietKillSwitchDeps } from '../../support/kill-switch-api';
import { RecordingControlPlane } from '../../support/recording-control-plane';

/** Erin may only press the button and look; Frank may only look. */
const ERIN = 'arn:aws:iam::123456789012:role/trading-erin';
const FRANK = 'arn:aws:iam::123456789012:user/frank';
const LIMITED: Operator[] = [
  { role: ERIN, actions: ['kill', 'status'] },
  { user: FRANK, actions: ['status'] },
  { identityCenter: { account: '123456789012', permissionSet: 'TradingOperator', userName: 'grace@example.com' }, actions: ['kill', 'release', 'status'] },
  { identityCenter: { account: '123456789012', permissionSet: 'TradingOperator', userName: 'heidi@example.com' }, actions: ['kill', 'release', 'status'] },
  // Grace also signs in through a second permission set: still Grace.
  { identityCenter: { account: '123456789012', permissionSet: 'TradingRelease', userName: 'grace@example.com' }, actions: ['release'] },
];
const sso = (permissionSet: string, user: string) => `arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_${permissionSet}_0123456789abcdef/${user}`;

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let controlPlane: RecordingControlPlane;
let pager: RecordingPager;

const deps = (): KillSwitchHandlerDeps => quietKillSwitchDeps(stores, { controlPlane, pager, callers: testCallers(LIMITED) });
const api = () => createKillSwitchHandler(deps);

const event = (method: string, path: string, userArn: string | null, over: { requestContext?: Record<string, unknown>; body?: unknown } = {}) => ({
  resource: path,
  path,
  httpMethod: method,
  headers: { 'content-type': 'application/json' },
  queryStringParameters: method === 'GET' ? { account: ACCOUNT } : null,
  body: method === 'GET' ? null : JSON.stringify(over.body ?? { account: ACCOUNT, reason: 'drill' }),
  isBase64Encoded: false,
  requestContext: over.requestContext ?? gatewayContext(method, userArn),
});
const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

const cleanReconciliation = async (at: string) =>
  stores.reconciliationStore.recordReconciliation(
    { account: ACCOUNT, runId: `run-${at}`, status: 'clean', completedAt: at, breaks: [] },
    auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: `run-${at}`, causationId: 'test', detail: {} }),
  );

/** Asserts a 403 whose message matches, and that the table, the control plane and the pager saw nothing. */
const expectRefusedUntouched = async (call: () => Promise<APIGatewayProxyResult>, message: RegExp) => {
  const before = { items: await scanAll(client, tableName), calls: controlPlane.calls.length, pages: pager.pages.length };
  const answer = await call();
  expect(answer.statusCode).toBe(403);
  expect(bodyOf(answer)).toMatchObject({ error: 'Forbidden', message: expect.stringMatching(message) });
  expect(await scanAll(client, tableName)).toEqual(before.items);
  expect(controlPlane.calls).toHaveLength(before.calls);
  expect(pager.pages).toHaveLength(before.pages);
};

beforeEach(async () => {
  const fresh = await freshStores();
  ({ client, tableName, stores } = fresh);
  controlPlane = new RecordingControlPlane();
  pager = new RecordingPager();
  await fresh.seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
});

describe('an event API Gateway did not send', () => {
  it('refuses a direct invocation whose hand-made request context carries only a request id and a principal', async () => {
    const spoofed = event('POST', '/kill-switch', ALICE, { requestContext: { requestId: 'forged-1', identity: { userArn: ALICE } } });
    await expectRefusedUntouched(() => api()(spoofed), /not a request from the kill-switch API: requestContext\.apiId, requestContext\.stage, requestContext\.accountId, requestContext\.httpMethod/);
  });

  it('refuses an event naming another API or another stage', async () => {
    await expectRefusedUntouched(() => api()(event('POST', '/kill-switch', ALICE, { requestContext: { ...gatewayContext('POST', ALICE), apiId: 'otherapi99' } })), /not a request from this kill-switch API \(apiId otherapi99/);
    await expectRefusedUntouched(() => api()(event('POST', '/kill-switch', ALICE, { requestContext: { ...gatewayContext('POST', ALICE), stage: 'prod' } })), /stage prod/);
  });

  it('refuses an event whose request context disagrees with its method', async () => {
    await expectRefusedUntouched(() => api()(event('POST', '/kill-switch', ALICE, { requestContext: gatewayContext('GET', ALICE) })), /httpMethod differs/);
  });

  it('refuses an event that is not an object at all', async () => {
    const answer = await api()('{"httpMethod":"POST"}');
    expect(answer.statusCode).toBe(403);
  });

  it('takes the same request with the API’s own context', async () => {
    expect((await api()(event('POST', '/kill-switch', ALICE))).statusCode).toBe(200);
    expect(TEST_API.apiId).toBe(deps().callers.apiId);
  });
});

describe('principals the caller cannot choose', () => {
  it('records a per-person role as the role, whatever session name the caller picked', async () => {
    const answer = await api()(event('POST', '/kill-switch', sessionOf(DAVE_ROLE, 'i-am-bob')));
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({ activatedBy: DAVE_ROLE });
  });

  it('refuses a release by the same role under another session name: 409 SAME_PRINCIPAL, though a clean reconciliation followed the kill', async () => {
    expect((await api()(event('POST', '/kill-switch', sessionOf(DAVE_ROLE, 'dave')))).statusCode).toBe(200);
    await cleanReconciliation('2026-11-23T15:10:00.000Z');
    const release = await api()(event('POST', '/kill-switch/release', sessionOf(DAVE_ROLE, 'dave2')));
    expect(release.statusCode).toBe(409);
    expect(bodyOf(release)).toMatchObject({ error: 'ReleaseRefused', reason: 'SAME_PRINCIPAL' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('lets another person release after that clean reconciliation', async () => {
    await api()(event('POST', '/kill-switch', sessionOf(DAVE_ROLE, 'dave')));
    await cleanReconciliation('2026-11-23T15:10:00.000Z');
    const release = await api()(event('POST', '/kill-switch/release', BOB));
    expect(release.statusCode).toBe(200);
    expect(bodyOf(release)).toMatchObject({ outcome: 'released', state: 'HALTED' });
  });

  it('tells Identity Center users of one permission set apart by the user name the identity provider set', async () => {
    expect((await api()(event('POST', '/kill-switch', sso('TradingOperator', 'grace@example.com')))).statusCode).toBe(200);
    await cleanReconciliation('2026-11-23T15:10:00.000Z');
    const release = await api()(event('POST', '/kill-switch/release', sso('TradingOperator', 'heidi@example.com')));
    expect(release.statusCode).toBe(200);
    await expect(stores.tradingStateStore.getKillSwitch(ACCOUNT)).resolves.toMatchObject({ activatedBy: 'sso:grace@example.com', release: { releasedBy: 'sso:heidi@example.com' } });
  });

  it('keeps an Identity Center user one person across permission sets: Grace cannot release her own kill through another one', async () => {
    await api()(event('POST', '/kill-switch', sso('TradingOperator', 'grace@example.com')));
    await cleanReconciliation('2026-11-23T15:10:00.000Z');
    const release = await api()(event('POST', '/kill-switch/release', sso('TradingRelease', 'Grace@Example.com')));
    expect(release.statusCode).toBe(409);
    expect(bodyOf(release)).toMatchObject({ reason: 'SAME_PRINCIPAL' });
  });

  it.each([
    ['the account root user', 'arn:aws:iam::123456789012:root', /the caller is the account root user; accepted: a session of a listed per-person IAM role/],
    ['a federated user', 'arn:aws:sts::123456789012:federated-user/alice', /federated user/],
    ['a role nobody listed', sessionOf('arn:aws:iam::123456789012:role/Admin', 'alice'), /is not a listed operator of this environment; accepted:/],
    ['a listed role in another account', sessionOf('arn:aws:iam::210987654321:role/trading-dave', 'dave'), /is not a listed operator/],
    ['an IAM user nobody listed', 'arn:aws:iam::123456789012:user/mallory', /is not a listed operator/],
    ['an Identity Center user nobody listed', sso('TradingOperator', 'mallory@example.com'), /is not a listed operator/],
    ['a listed user through a permission set not listed for them', sso('AdministratorAccess', 'heidi@example.com'), /is not a listed operator/],
    ['a malformed ARN', 'arn:aws:sts::123456789012:assumed-role/trading-dave', /not an IAM principal ARN of an accepted shape/],
  ])('refuses %s with 403 naming the accepted shapes', async (_what, userArn, message) => {
    await expectRefusedUntouched(() => api()(event('POST', '/kill-switch', userArn)), message);
  });
});

describe('one permission per action', () => {
  it('refuses a release by a person who may only kill: 403 naming the action, nothing written', async () => {
    await api()(event('POST', '/kill-switch', ALICE));
    await cleanReconciliation('2026-11-23T15:10:00.000Z');
    await expectRefusedUntouched(() => api()(event('POST', '/kill-switch/release', sessionOf(ERIN, 'erin'))), /trading-erin may not release: POST \/kill-switch\/release needs the "release" permission/);
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('lets that person kill and read the status', async () => {
    expect((await api()(event('POST', '/kill-switch', sessionOf(ERIN, 'erin')))).statusCode).toBe(200);
    expect((await api()(event('GET', '/status', sessionOf(ERIN, 'erin')))).statusCode).toBe(200);
  });

  it.each([
    ['POST', '/kill-switch', 'kill'],
    ['POST', '/kill-switch/release', 'release'],
    ['POST', '/breaker/approve', 'approve'],
    ['POST', '/breaker/reject', 'approve'],
    ['POST', '/arm', 'arm'],
    ['POST', '/execution/reenable', 'reenable'],
    ['POST', '/flatten', 'flatten'],
    ['POST', '/strategy/disable', 'strategy'],
    ['POST', '/strategy/enable', 'strategy'],
    ['PUT', '/limits', 'limits'],
    ['POST', '/reference', 'reference'],
  ])('refuses %s %s to a person who may only read the status (needs "%s")', async (method, path, action) => {
    await expectRefusedUntouched(() => api()(event(method, path, FRANK)), new RegExp(`may not ${action}: ${method} ${path} needs the "${action}" permission`));
  });

  it('answers an unknown account 404 only to a person allowed the action, and 403 to anyone else', async () => {
    const unknown = { account: 'paper1', reason: 'typo' };
    expect((await api()(event('POST', '/kill-switch', ALICE, { body: unknown }))).statusCode).toBe(404);
    expect((await api()(event('POST', '/kill-switch', FRANK, { body: unknown }))).statusCode).toBe(403);
  });
});

describe('the local X-Principal stand-in', () => {
  const local = (operators: KillSwitchHandlerDeps['callers']['operators']) =>
    createKillSwitchHandler(() => ({ ...deps(), callers: { ...testCallers(), operators } }), { principalFrom: 'header' });
  const withHeader = (name: string) => ({ ...event('POST', '/kill-switch', null), headers: { 'content-type': 'application/json', 'X-Principal': name } });

  it('takes any plain name where the environment lists nobody, as that name', async () => {
    const answer = await local({ kind: 'open' })(withHeader('alice'));
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({ activatedBy: 'alice' });
  });

  it('refuses a name that looks like an ARN, so a local name never passes for an AWS identity', async () => {
    await expectRefusedUntouched(() => local({ kind: 'open' })(withHeader(ALICE)), /X-Principal must be a plain name/);
  });

  it('takes only the listed names, for their actions, where the environment lists its people', async () => {
    const listed = local({ kind: 'listed', operators: [{ local: 'alice', actions: ['kill'] }, { local: 'bob', actions: ['status'] }] });
    await expectRefusedUntouched(() => listed(withHeader('bob')), /bob may not kill/);
    await expectRefusedUntouched(() => listed(withHeader('carol')), /carol is not a listed operator/);
    expect((await listed(withHeader('alice'))).statusCode).toBe(200);
  });
});
