// POST /strategy/disable and /strategy/enable through the kill-switch handler on DynamoDB Local: the caller is
// the person (never a body field), only people holding the "strategy" permission pass, bad input and unknown
// accounts write nothing, and GET /status shows the switches.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { createKillSwitchHandler, type KillSwitchHandlerDeps } from '../../../functions/kill-switch/handler';
import type { Operator } from '../../../shared/operators/operator-config';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, scanAll, STRATEGY } from '../../support/fixtures';
import { ALICE, BOB, gatewayContext, postEvent, quietKillSwitchDeps, testCallers } from '../../support/kill-switch-api';

/** Ivan may kill and look, but not switch strategies. */
const IVAN = 'arn:aws:iam::123456789012:user/ivan';
const LIMITED: Operator[] = [{ user: IVAN, actions: ['kill', 'status'] }];

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
/** The strategies whose orders the route asked to cancel, in order. */
let cancelled: string[];

const deps = (): KillSwitchHandlerDeps =>
  quietKillSwitchDeps(stores, {
    clock: new ManualClock(),
    callers: testCallers(LIMITED),
    strategySwitch: {
      strategySwitchStore: stores.strategySwitchStore,
      cancelStrategyOrders: async (request) => {
        cancelled.push(request.strategy);
        return { canceledLocally: 2, requested: 1, waitingIds: [], notReached: [] };
      },
    },
  });
const api = (over: Partial<KillSwitchHandlerDeps> = {}) => createKillSwitchHandler(() => ({ ...deps(), ...over }));
const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

beforeEach(async () => {
  ({ client, tableName, stores } = await freshStores());
  cancelled = [];
});

describe('the strategy switch routes', () => {
  it('disables a strategy as the calling person, cancels its orders and answers 200', async () => {
    const answer = await api()(postEvent('/strategy/disable', { account: ACCOUNT, strategy: STRATEGY, reason: 'quoting wide' }, ALICE));
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({ outcome: 'disabled', strategy: STRATEGY, disabledBy: ALICE, cancels: { status: 'done', canceledLocally: 2, requested: 1 } });
    expect(cancelled).toEqual([STRATEGY]);
    expect((await stores.strategySwitchStore.getStrategySwitches(ACCOUNT))[STRATEGY]).toMatchObject({ status: 'DISABLED', changedBy: ALICE, reason: 'quoting wide' });
  });

  it('answers 207 naming the orders still being submitted, so the operator runs it again', async () => {
    const partial = api({
      strategySwitch: { strategySwitchStore: stores.strategySwitchStore, cancelStrategyOrders: async () => ({ canceledLocally: 0, requested: 0, waitingIds: ['i-9'], notReached: [] }) },
    });
    const answer = await partial(postEvent('/strategy/disable', { account: ACCOUNT, strategy: STRATEGY, reason: 'r' }, ALICE));
    expect(answer.statusCode).toBe(207);
    expect(bodyOf(answer)).toMatchObject({ complete: false, cancels: { status: 'incomplete', waiting: ['i-9'] } });
  });

  it('says which step failed when the cancels fail after the switch is stored', async () => {
    const failing = api({
      strategySwitch: { strategySwitchStore: stores.strategySwitchStore, cancelStrategyOrders: () => Promise.reject(new Error('broker unreachable')) },
    });
    const answer = await failing(postEvent('/strategy/disable', { account: ACCOUNT, strategy: STRATEGY, reason: 'r' }, ALICE));
    expect(answer.statusCode).toBe(207);
    expect(bodyOf(answer)).toMatchObject({ complete: false, cancels: { status: 'failed', detail: 'broker unreachable' } });
    expect((await stores.strategySwitchStore.getStrategySwitches(ACCOUNT))[STRATEGY]).toMatchObject({ status: 'DISABLED' });
  });

  it('enables a disabled strategy, and refuses (409 NOT_DISABLED) one that is not', async () => {
    await api()(postEvent('/strategy/disable', { account: ACCOUNT, strategy: STRATEGY, reason: 'r' }, ALICE));
    const enabled = await api()(postEvent('/strategy/enable', { account: ACCOUNT, strategy: STRATEGY, reason: 'fixed' }, BOB));
    expect(enabled.statusCode).toBe(200);
    expect(bodyOf(enabled)).toMatchObject({ outcome: 'enabled', enabledBy: BOB });
    const again = await api()(postEvent('/strategy/enable', { account: ACCOUNT, strategy: STRATEGY, reason: 'fixed' }, BOB));
    expect(again.statusCode).toBe(409);
    expect(bodyOf(again)).toMatchObject({ error: 'EnableRefused', reason: 'NOT_DISABLED' });
  });

  it('refuses a person without the "strategy" permission with 403, writing nothing', async () => {
    const before = await scanAll(client, tableName);
    const answer = await api()(postEvent('/strategy/disable', { account: ACCOUNT, strategy: STRATEGY, reason: 'r' }, IVAN));
    expect(answer.statusCode).toBe(403);
    expect(cancelled).toEqual([]);
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it.each([
    ['a strategy name with a space', { account: ACCOUNT, strategy: 'bad name', reason: 'r' }, 'body.strategy'],
    ['no reason', { account: ACCOUNT, strategy: STRATEGY }, 'body.reason'],
    ['a person named in the body', { account: ACCOUNT, strategy: STRATEGY, reason: 'r', principal: 'someone-else' }, 'body'],
  ])('refuses %s with 400 naming the field, writing nothing', async (_what, body, path) => {
    const before = await scanAll(client, tableName);
    const answer = await api()(postEvent('/strategy/disable', body, ALICE));
    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(answer).issues)).toContain(path);
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it('answers an unknown account 404, writing nothing', async () => {
    const before = await scanAll(client, tableName);
    const answer = await api()(postEvent('/strategy/disable', { account: 'paper1', strategy: STRATEGY, reason: 'typo' }, ALICE));
    expect(answer.statusCode).toBe(404);
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it('shows the switched strategies in GET /status', async () => {
    await api()(postEvent('/strategy/disable', { account: ACCOUNT, strategy: STRATEGY, reason: 'quoting wide' }, ALICE));
    const status = await api()({
      resource: '/status',
      path: '/status',
      httpMethod: 'GET',
      headers: {},
      queryStringParameters: { account: ACCOUNT },
      body: null,
      isBase64Encoded: false,
      requestContext: gatewayContext('GET', IVAN),
    });
    expect(status.statusCode).toBe(200);
    expect(bodyOf(status)).toMatchObject({ strategies: { [STRATEGY]: { status: 'DISABLED', changedBy: ALICE, reason: 'quoting wide' } } });
  });
});
