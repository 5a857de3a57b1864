// The kill-switch API as API Gateway calls it: routes, the IAM principal (and the local X-Principal stand-in),
// status codes per outcome, and 400s that name the field and the rule and write nothing.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { createKillSwitchHandler, type KillSwitchHandlerDeps } from '../../../functions/kill-switch/handler';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { ANSWER_MARGIN_MS, API_GATEWAY_LIMIT_MS } from '../../../shared/kill-switch/answer-deadline';
import { METRICS } from '../../../shared/telemetry/metrics';
import { freshStores } from '../../support/dynamo';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { ACCOUNT, ManualClock, RecordingPager, scanAll, silentLogger } from '../../support/fixtures';
import { RecordingControlPlane } from '../../support/recording-control-plane';

import { ALICE, BOB, gatewayContext, testCallers } from '../../support/kill-switch-api';

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let seeder: TableSeeder;
let telemetry: InMemoryTelemetry;
let controlPlane: RecordingControlPlane;
let pager: RecordingPager;
let recoveries: string[];

const deps = (): KillSwitchHandlerDeps => ({
  ...stores,
  controlPlane,
  pager,
  clock: new ManualClock(),
  cancelAll: async () => ({ requested: 0, canceledLocally: 0, waiting: 0 }),
  startRecovery: async (release) => void recoveries.push(release.account),
  // The full approval flow runs against the local breaker (test/functions/kill-switch/breaker-recovery.test.ts).
  approvals: { approve: () => Promise.reject(new Error('not expected')), reject: () => Promise.reject(new Error('not expected')) },
  telemetry,
  logger: silentLogger,
  accounts: [ACCOUNT],
  callers: testCallers(),
});

const iamHandler = () => createKillSwitchHandler(deps);

const apiEvent = (method: string, path: string, over: { body?: unknown; principal?: string | null; query?: Record<string, string>; headers?: Record<string, string> } = {}) => ({
  resource: path,
  path,
  httpMethod: method,
  headers: over.headers ?? { 'content-type': 'application/json' },
  queryStringParameters: over.query ?? null,
  body: over.body === undefined ? null : typeof over.body === 'string' ? over.body : JSON.stringify(over.body),
  isBase64Encoded: false,
  requestContext: gatewayContext(method, over.principal === undefined ? ALICE : over.principal),
});

const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

beforeEach(async () => {
  ({ client, tableName, stores, seeder } = await freshStores());
  telemetry = new InMemoryTelemetry();
  controlPlane = new RecordingControlPlane();
  pager = new RecordingPager();
  recoveries = [];
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
});

describe('kill-switch API', () => {
  it('POST /kill-switch answers 200 with every step done and KILLED stored', async () => {
    const response = await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ state: 'KILLED', activatedBy: ALICE, complete: true });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('counts a press of the kill switch once (the post-mortem ticket’s metric), not its repeats', async () => {
    await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'again' } }));
    expect(telemetry.countOf(METRICS.killSwitchActivated, { account: ACCOUNT })).toBe(1);
  });

  it('POST /kill-switch answers 207, still KILLED, listing the failed step when the hard stop fails', async () => {
    controlPlane.failing = true;
    const response = await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    expect(response.statusCode).toBe(207);
    expect(bodyOf(response)).toMatchObject({ state: 'KILLED', complete: false, steps: expect.arrayContaining([expect.objectContaining({ step: 'stop-intake', status: 'failed' })]) });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('POST /kill-switch cancels only until the answer must go out: the Lambda’s remaining time or API Gateway’s 29 s, less a margin', async () => {
    const deadlines: (number | undefined)[] = [];
    const handler = createKillSwitchHandler(() => ({ ...deps(), cancelAll: async (_a, _b, _c, _d, options) => { deadlines.push(options?.deadlineMs); return { requested: 0, canceledLocally: 0, waiting: 0 }; } }));
    const now = new ManualClock().now();
    await handler(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }), { getRemainingTimeInMillis: () => 10_000 });
    await handler(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    expect(deadlines).toEqual([now + 10_000 - ANSWER_MARGIN_MS, now + API_GATEWAY_LIMIT_MS - ANSWER_MARGIN_MS]);
  });

  it('answers 400 naming the field and the rule for a missing reason, counts it and writes nothing', async () => {
    const before = await scanAll(client, tableName);
    const response = await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT } }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({ error: 'InvalidInput', issues: [{ path: 'reason', rule: 'must give a reason' }] });
    expect(telemetry.counts.get(`${METRICS.invalidInput}{field=reason,function=kill-switch}`)).toBe(1);
    expect(await scanAll(client, tableName)).toEqual(before);
    expect(controlPlane.calls).toEqual([]);
  });

  it('answers 400 for a body that is not JSON, naming the body', async () => {
    const response = await iamHandler()(apiEvent('POST', '/kill-switch', { body: '{not json' }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ issues: [{ path: 'body', rule: 'must be valid JSON' }] });
  });

  it('refuses a body that tries to name its own principal (400, unknown key)', async () => {
    const response = await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'x', principal: BOB } }));
    expect(response.statusCode).toBe(400);
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
  });

  it('answers 403 when the request carries no IAM principal', async () => {
    const response = await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' }, principal: null }));
    expect(response.statusCode).toBe(403);
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
  });

  it('ignores an X-Principal header unless created for the local header stand-in', async () => {
    const event = apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' }, principal: null, headers: { 'X-Principal': 'local-operator' } });
    expect((await iamHandler()(event)).statusCode).toBe(403);
    const local = createKillSwitchHandler(() => ({ ...deps(), callers: { ...testCallers(), operators: { kind: 'open' } } }), { principalFrom: 'header' });
    const response = await local({ ...event, requestContext: { ...event.requestContext, requestId: 'req-local' } });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ activatedBy: 'local-operator' });
  });

  it('answers 404 for an unknown route or method', async () => {
    expect((await iamHandler()(apiEvent('POST', '/kill-switch/override', { body: {} }))).statusCode).toBe(404);
    expect((await iamHandler()(apiEvent('GET', '/kill-switch'))).statusCode).toBe(404);
    expect((await iamHandler()(apiEvent('GET', '/breaker/approve'))).statusCode).toBe(404);
    expect((await iamHandler()(apiEvent('POST', '/breaker/override', { body: {} }))).statusCode).toBe(404);
  });

  it.each(['/breaker/approve', '/breaker/reject'])('POST %s answers 400 naming the field for a missing reason or a bad account, writing nothing', async (path) => {
    const before = await scanAll(client, tableName);
    const missingReason = await iamHandler()(apiEvent('POST', path, { body: { account: ACCOUNT } }));
    expect(missingReason.statusCode).toBe(400);
    expect(bodyOf(missingReason)).toEqual({ error: 'InvalidInput', issues: [{ path: 'reason', rule: 'must give a reason' }] });
    const badAccount = await iamHandler()(apiEvent('POST', path, { body: { account: 'not an account!', reason: 'ok' } }));
    expect(bodyOf(badAccount)).toMatchObject({ issues: [expect.objectContaining({ path: 'account' })] });
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it.each(['/breaker/approve', '/breaker/reject'])('POST %s answers 409 NO_PENDING_APPROVAL when no breaker execution waits', async (path) => {
    const response = await iamHandler()(apiEvent('POST', path, { body: { account: ACCOUNT, reason: 'checked' } }));
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'ApprovalRefused', reason: 'NO_PENDING_APPROVAL' });
  });

  it('answers 403 on the breaker routes when the request carries no IAM principal', async () => {
    expect((await iamHandler()(apiEvent('POST', '/breaker/approve', { body: { account: ACCOUNT, reason: 'ok' }, principal: null }))).statusCode).toBe(403);
  });

  it('answers 409 SAME_PRINCIPAL when the activator tries to release', async () => {
    await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    const response = await iamHandler()(apiEvent('POST', '/kill-switch/release', { body: { account: ACCOUNT, reason: 'fixed' } }));
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'ReleaseRefused', reason: 'SAME_PRINCIPAL' });
  });

  it('answers 409 RECONCILIATION_MISSING to another principal before any reconciliation', async () => {
    await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    const response = await iamHandler()(apiEvent('POST', '/kill-switch/release', { body: { account: ACCOUNT, reason: 'fixed' }, principal: BOB }));
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ reason: 'RECONCILIATION_MISSING' });
  });

  it('releases to HALTED for another principal after a clean reconciliation and starts recovery', async () => {
    await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    await stores.reconciliationStore.recordReconciliation(
      { account: ACCOUNT, runId: 'run-1', status: 'clean', completedAt: '2026-11-23T15:10:00.000Z', breaks: [] },
      auditEntry({ account: ACCOUNT, occurredAt: '2026-11-23T15:10:00.000Z', kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-1', causationId: 'test', detail: {} }),
    );
    const response = await iamHandler()(apiEvent('POST', '/kill-switch/release', { body: { account: ACCOUNT, reason: 'fixed' }, principal: BOB }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ outcome: 'released', state: 'HALTED' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(recoveries).toEqual([ACCOUNT]);
  });

  it('GET /status returns the trading state, kill-switch record, open orders, positions, totals, reconciliation and intake', async () => {
    await iamHandler()(apiEvent('POST', '/kill-switch', { body: { account: ACCOUNT, reason: 'runaway' } }));
    const response = await iamHandler()(apiEvent('GET', '/status', { query: { account: ACCOUNT } }));
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toMatchObject({ account: ACCOUNT, tradingState: 'KILLED', killSwitch: { activatedBy: ALICE }, intake: 'stopped', openOrders: { count: 0, orders: [] }, positions: [], lastReconciliation: null, breaker: null });
    expect(body).toHaveProperty('totals.grossExposure');
  });

  it('GET /status without an account answers 400 naming it', async () => {
    const response = await iamHandler()(apiEvent('GET', '/status'));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ issues: [expect.objectContaining({ path: 'account' })] });
  });
});

describe('an account the environment does not have', () => {
  it.each(['/kill-switch', '/kill-switch/release', '/breaker/approve', '/breaker/reject', '/arm'])('answers 404 on POST %s and writes nothing', async (path) => {
    const before = await scanAll(client, tableName);
    const response = await iamHandler()(apiEvent('POST', path, { body: { account: 'paper1', reason: 'typo' } }));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ error: 'UnknownAccount', message: expect.stringContaining('paper1') });
    expect(await scanAll(client, tableName)).toEqual(before);
    expect(controlPlane.calls).toEqual([]);
    expect(pager.pages).toEqual([]);
  });

  it('answers 404 on GET /status, and 200 for the environment’s own account', async () => {
    expect((await iamHandler()(apiEvent('GET', '/status', { query: { account: 'paper1' } }))).statusCode).toBe(404);
    expect((await iamHandler()(apiEvent('GET', '/status', { query: { account: ACCOUNT } }))).statusCode).toBe(200);
  });
});

describe('POST /arm', () => {
  const NOW = Date.parse('2026-11-23T15:00:00.000Z');
  const armDeps = (): KillSwitchHandlerDeps => ({
    ...deps(),
    arm: { accounts: [ACCOUNT], symbols: ['AAPL'], isOpen: () => true, maxHeartbeatAgeMs: 15_000, maxMarkAgeMs: 60_000, marketDataStore: stores.marketDataStore },
  });
  const at = (ms: number) => new Date(ms).toISOString();

  it('arms a brought-up account once the feed runs and a clean reconciliation followed it, as the IAM principal', async () => {
    await seeder.putTradingState(ACCOUNT, 'HALTED', 'bring-up', at(NOW - 300_000));
    await stores.marketDataStore.putFeedHeartbeat('feed-dev', at(NOW), at(NOW - 200_000));
    await stores.marketDataStore.putMarks([{ symbol: 'AAPL', price: '190', at: at(NOW) }]);
    const refused = await createKillSwitchHandler(armDeps)(apiEvent('POST', '/arm', { body: { account: ACCOUNT, reason: 'first day' } }));
    expect(refused.statusCode).toBe(409);
    expect(bodyOf(refused)).toMatchObject({ error: 'ArmRefused', reason: 'RECONCILIATION_MISSING' });
    await stores.reconciliationStore.recordReconciliation(
      { account: ACCOUNT, runId: 'run-1', status: 'clean', completedAt: at(NOW - 100_000), breaks: [] },
      auditEntry({ account: ACCOUNT, occurredAt: at(NOW - 100_000), kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-1', causationId: 'test', detail: {} }),
    );
    const armed = await createKillSwitchHandler(armDeps)(apiEvent('POST', '/arm', { body: { account: ACCOUNT, reason: 'first day' } }));
    expect(armed.statusCode).toBe(200);
    expect(bodyOf(armed)).toMatchObject({ outcome: 'armed', state: 'ACTIVE' });
    await expect(stores.tradingStateStore.getTradingStateRecord(ACCOUNT)).resolves.toMatchObject({ state: 'ACTIVE', updatedBy: ALICE });
  });

  it('answers 503 and arms nothing where arming is not configured', async () => {
    const response = await iamHandler()(apiEvent('POST', '/arm', { body: { account: ACCOUNT, reason: 'first day' } }));
    expect(response.statusCode).toBe(503);
  });

  it('answers 403 without a principal', async () => {
    const response = await createKillSwitchHandler(armDeps)(apiEvent('POST', '/arm', { body: { account: ACCOUNT, reason: 'first day' }, principal: null }));
    expect(response.statusCode).toBe(403);
  });
});
