// The operator doors of the kill-switch API through the handler, on DynamoDB Local: POST /execution/reenable
// (the human re-arm of the execution throttle) and POST /flatten (cancel everything, then close every
// position at the broker), each refused with a coded 409 when its rule says no, audited when it acts.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { createKillSwitchHandler, type KillSwitchHandlerDeps } from '../../../functions/kill-switch/handler';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, intentFor, ManualClock, RecordingPager, scanAll, STRATEGY } from '../../support/fixtures';
import { ALICE, BOB, CAROL, postEvent, quietKillSwitchDeps } from '../../support/kill-switch-api';

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let seeder: TableSeeder;
let pager: RecordingPager;
let clock: ManualClock;
/** The broker-facing calls the doors made, in order. */
let brokerCalls: string[];
let closeFails: boolean;

const deps = (): KillSwitchHandlerDeps =>
  quietKillSwitchDeps(stores, {
    pager,
    clock,
    cancelAll: async () => {
      brokerCalls.push('cancel-all');
      return { requested: 1, canceledLocally: 0, waiting: 0, waitingIds: [], notReached: [] };
    },
    flatten: {
      closeAllPositions: async () => {
        if (closeFails) throw new Error('broker unreachable');
        brokerCalls.push('close-all');
      },
      audit: stores.orderStore,
    },
  });

const post = (path: string, body: unknown, principal: string = ALICE, over: Partial<KillSwitchHandlerDeps> = {}) =>
  createKillSwitchHandler(() => ({ ...deps(), ...over }))(postEvent(path, body, principal));

const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

const audits = async (kind: string) =>
  (await scanAll(client, tableName)).map((i) => unmarshall(i as never)).filter((i) => i.kind === kind);

/** What the risk function writes when a decision trips the throttle of the strategy. */
const tripThrottle = async (intentId = 'trip-1') => {
  const at = new Date(clock.now()).toISOString();
  await stores.riskStore.recordDecisions({
    account: ACCOUNT,
    orders: [{ account: ACCOUNT, strategy: STRATEGY, intent: intentFor(intentId), status: 'DENIED', reason: 'EXECUTION_THROTTLE_TRIPPED', filledQuantity: '0', createdAt: at, updatedAt: at, origin: 'strategy', version: 1 }],
    audit: [auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'EXECUTION_THROTTLE_TRIPPED', actor: 'risk', correlationId: intentId, causationId: 'test', detail: {} })],
    inFlight: [],
    throttleTrips: [{ strategy: STRATEGY, disabledAt: clock.now() }],
    throttlePrune: [],
  });
};

beforeEach(async () => {
  ({ client, tableName, stores, seeder } = await freshStores());
  pager = new RecordingPager();
  clock = new ManualClock();
  brokerCalls = [];
  closeFails = false;
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
});

describe('POST /execution/reenable', () => {
  it('is refused (409 NOT_DISABLED) when the throttle has not tripped, writing nothing', async () => {
    const before = await scanAll(client, tableName);
    const response = await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'checked' });
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'ReenableRefused', reason: 'NOT_DISABLED' });
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it('re-enables a tripped strategy for the calling person, audited with that person as the actor', async () => {
    await tripThrottle();
    clock.advance(1_000);
    const response = await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'runaway fixed in v1.2.4' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ outcome: 'reenabled', account: ACCOUNT, strategy: STRATEGY, reenabledBy: ALICE });
    expect((await stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).throttle.strategy).toMatchObject({ enabledAt: clock.now(), enabledBy: ALICE });
    expect(await audits('EXECUTION_REENABLED')).toEqual([expect.objectContaining({ actor: ALICE, detail: { strategy: STRATEGY, reason: 'runaway fixed in v1.2.4' } })]);
    // Lifted once: a second re-enable finds nothing disabled.
    expect(bodyOf(await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'again' }, BOB))).toMatchObject({ reason: 'NOT_DISABLED' });
  });

  it('needs another person than the one who lifted the previous trip of the same scope (409 SAME_PERSON)', async () => {
    await tripThrottle('trip-1');
    clock.advance(1_000);
    await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'first look' });
    clock.advance(1_000);
    await tripThrottle('trip-2');
    clock.advance(1_000);
    const same = await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'again' });
    expect(same.statusCode).toBe(409);
    expect(bodyOf(same)).toMatchObject({ error: 'ReenableRefused', reason: 'SAME_PERSON' });
    expect((await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'second look' }, BOB)).statusCode).toBe(200);
  });

  it('takes the account scope when no strategy is named', async () => {
    const response = await post('/execution/reenable', { account: ACCOUNT, reason: 'checked' });
    expect(bodyOf(response)).toMatchObject({ reason: 'NOT_DISABLED', message: expect.stringContaining('the account') });
  });

  it('answers 400 naming the field for a bad strategy or a body naming its own person, writing nothing', async () => {
    const before = await scanAll(client, tableName);
    const badStrategy = await post('/execution/reenable', { account: ACCOUNT, strategy: 'no spaces!', reason: 'x' });
    expect(badStrategy.statusCode).toBe(400);
    expect(bodyOf(badStrategy)).toMatchObject({ issues: [expect.objectContaining({ path: 'strategy' })] });
    expect((await post('/execution/reenable', { account: ACCOUNT, strategy: STRATEGY, reason: 'x', person: BOB })).statusCode).toBe(400);
    expect(await scanAll(client, tableName)).toEqual(before);
  });
});

describe('POST /flatten', () => {
  const kill = () => post('/kill-switch', { account: ACCOUNT, reason: 'runaway' }, ALICE);

  it('is refused (409 NOT_STOPPED) while the account trades, with no broker call and no audit', async () => {
    const response = await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, BOB);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'FlattenRefused', reason: 'NOT_STOPPED' });
    expect(brokerCalls).toEqual([]);
    expect(await audits('FLATTEN_REQUESTED')).toEqual([]);
  });

  it('is refused (409 SAME_PRINCIPAL) to the person who killed the account: four eyes, as for a release', async () => {
    await kill();
    brokerCalls = [];
    const response = await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, ALICE);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'FlattenRefused', reason: 'SAME_PRINCIPAL' });
    expect(brokerCalls).toEqual([]);
    expect(await audits('FLATTEN_REQUESTED')).toEqual([]);
  });

  it('lets another person cancel everything, then close every position, audited and paged', async () => {
    await kill();
    brokerCalls = [];
    const response = await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, BOB);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ outcome: 'flattened', state: 'KILLED', stoppedBy: ALICE, complete: true });
    expect((bodyOf(response).steps as { step: string; status: string }[]).map((s) => [s.step, s.status])).toEqual([
      ['cancel-orders', 'done'],
      ['close-positions', 'done'],
      ['page', 'done'],
    ]);
    expect(brokerCalls).toEqual(['cancel-all', 'close-all']);
    expect(await audits('FLATTEN_REQUESTED')).toEqual([expect.objectContaining({ actor: BOB, detail: expect.objectContaining({ reason: 'get flat', state: 'KILLED', stoppedBy: ALICE }) })]);
    expect(pager.pages.at(-1)).toMatchObject({ subject: expect.stringContaining(`flattened by ${BOB}`) });
  });

  it('after a release (HALTED), excludes both the kill’s activator and the releaser', async () => {
    await kill();
    clock.advance(60_000);
    await stores.reconciliationStore.recordReconciliation(
      { account: ACCOUNT, runId: 'run-1', status: 'clean', completedAt: new Date(clock.now()).toISOString(), breaks: [] },
      auditEntry({ account: ACCOUNT, occurredAt: new Date(clock.now()).toISOString(), kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-1', causationId: 'test', detail: {} }),
    );
    expect((await post('/kill-switch/release', { account: ACCOUNT, reason: 'fixed' }, BOB)).statusCode).toBe(200);
    expect(bodyOf(await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, ALICE))).toMatchObject({ reason: 'SAME_PRINCIPAL' });
    expect(bodyOf(await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, BOB))).toMatchObject({ reason: 'SAME_PRINCIPAL' });
    expect((await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, CAROL)).statusCode).toBe(200);
  });

  it('answers 207 with close-positions failed (never done) when the broker refuses', async () => {
    await kill();
    closeFails = true;
    const response = await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, BOB);
    expect(response.statusCode).toBe(207);
    expect(bodyOf(response)).toMatchObject({ complete: false, steps: expect.arrayContaining([{ step: 'close-positions', status: 'failed', detail: 'broker unreachable' }]) });
  });

  it('does not close positions when the cancels failed', async () => {
    await kill();
    brokerCalls = [];
    const response = await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, BOB, { cancelAll: () => Promise.reject(new Error('broker unreachable')) });
    expect(response.statusCode).toBe(207);
    expect(brokerCalls).toEqual([]);
    expect(bodyOf(response)).toMatchObject({ steps: expect.arrayContaining([expect.objectContaining({ step: 'close-positions', status: 'failed' })]) });
  });

  it('answers 503 where flatten is not configured', async () => {
    await kill();
    expect((await post('/flatten', { account: ACCOUNT, reason: 'get flat' }, BOB, { flatten: undefined })).statusCode).toBe(503);
  });
});

describe('the doors for an account the environment does not have', () => {
  it.each(['/execution/reenable', '/flatten'])('answer 404 on POST %s and write nothing', async (path) => {
    const before = await scanAll(client, tableName);
    const response = await post(path, { account: 'paper1', reason: 'typo' }, BOB);
    expect(response.statusCode).toBe(404);
    expect(await scanAll(client, tableName)).toEqual(before);
    expect(brokerCalls).toEqual([]);
  });
});
