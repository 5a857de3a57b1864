// GET and PUT /limits and POST /reference through the kill-switch handler on DynamoDB Local: an override is
// validated whole (its schema, then merged with the defaults) before anything is written, written only over the
// version the person read, audited with before and after, and read by the risk function at its next decision
// (the boundary of the changed limit: just allowed, just denied). Reference data is validated and audited per account.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createKillSwitchHandler, type KillSwitchHandlerDeps } from '../../../functions/kill-switch/handler';
import { ACCOUNT, intendedEvent, intentFor, scanAll, testLimits } from '../../support/fixtures';
import { ALICE, BOB, gatewayContext, postEvent, quietKillSwitchDeps } from '../../support/kill-switch-api';
import { pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
const defaults = testLimits({ maxOrderNotional: '5000', orderRate: { maxOrders: 100, windowMs: 1000, perSymbol: { maxOrders: 100, windowMs: 1000 } } });

const deps = (): KillSwitchHandlerDeps =>
  quietKillSwitchDeps(f.stores, {
    clock: f.clock,
    limits: { limitsStore: f.stores.limitsStore, defaults },
    reference: { marketDataStore: f.stores.marketDataStore, audit: f.stores.orderStore },
  });
const api = () => createKillSwitchHandler(deps);
const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;
const getLimits = () =>
  api()({ resource: '/limits', path: '/limits', httpMethod: 'GET', headers: {}, queryStringParameters: { account: ACCOUNT }, body: null, isBase64Encoded: false, requestContext: gatewayContext('GET', BOB) });
const putLimits = (body: unknown, who = ALICE) => api()({ ...postEvent('/limits', body, who), httpMethod: 'PUT', requestContext: gatewayContext('PUT', who) });
const audits = async (kind: string) => (await scanAll(f.client, f.tableName)).map((i) => unmarshall(i as never)).filter((i) => i.kind === kind);
const risk = () => pipelineRisk(f, { defaults });

describe('the limits routes', () => {
  it('shows no override and the defaults in force for an account never changed', async () => {
    const answer = await getLimits();
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({ account: ACCOUNT, override: null, version: null, effective: { maxOrderNotional: '5000' } });
  });

  it('writes a valid override as the calling person, audits before and after, and the risk function decides on it at its boundary', async () => {
    // 10 AAPL at 100 is 1,000 of notional: a maximum of 999.99 denies it, 1000 allows it.
    const lowered = await putLimits({ account: ACCOUNT, limits: { maxOrderNotional: '999.99' }, reason: 'desk cut the size' });
    expect(lowered.statusCode).toBe(200);
    expect(bodyOf(lowered)).toMatchObject({ outcome: 'written', changedBy: ALICE, effective: { maxOrderNotional: '999.99' } });
    await expect(risk()(intendedEvent(intentFor('l-1')))).resolves.toMatchObject({ outcome: 'denied', reason: 'ORDER_NOTIONAL_EXCEEDED' });
    const raised = await putLimits({ account: ACCOUNT, limits: { maxOrderNotional: '1000' }, reason: 'exactly one lot', expectedVersion: '1' }, BOB);
    expect(raised.statusCode).toBe(200);
    await expect(risk()(intendedEvent(intentFor('l-2', { quantity: '10', side: 'sell' })))).resolves.toMatchObject({ outcome: 'approved' });
    expect(bodyOf(await getLimits())).toMatchObject({ override: { maxOrderNotional: '1000' }, version: '2' });
    expect(await audits('LIMITS_CHANGED')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: ALICE, detail: expect.objectContaining({ before: null, after: { maxOrderNotional: '999.99' }, reason: 'desk cut the size' }) }),
        expect.objectContaining({ actor: BOB, detail: expect.objectContaining({ before: { maxOrderNotional: '999.99' }, after: { maxOrderNotional: '1000' } }) }),
      ]),
    );
  });

  it.each([
    ['a field of the wrong type', { maxOrderNotional: 'lots' }, 'limits.maxOrderNotional'],
    ['a field the limits document does not have', { maxOrderSize: '5' }, 'limits'],
    ['an intent flood below the order rate (a cross-field rule)', { intentFlood: { maxPerStrategyPerSecond: 1, maxPerAccountPerSecond: 1 } }, 'limits.intentFlood'],
  ])('refuses %s with 400 naming the field, writing nothing', async (_what, limits, path) => {
    const before = await scanAll(f.client, f.tableName);
    const answer = await putLimits({ account: ACCOUNT, limits, reason: 'r' });
    expect(answer.statusCode).toBe(400);
    expect((bodyOf(answer).issues as { path: string }[]).map((i) => i.path)).toContain(path);
    expect(await scanAll(f.client, f.tableName)).toEqual(before);
  });

  it('refuses (409 VERSION_MOVED) a change made over a version that is no longer the stored one, writing nothing', async () => {
    await putLimits({ account: ACCOUNT, limits: { maxOpenOrders: 10 }, reason: 'first' });
    const before = await scanAll(f.client, f.tableName);
    const stale = await putLimits({ account: ACCOUNT, limits: { maxOpenOrders: 20 }, reason: 'without looking' }, BOB);
    expect(stale.statusCode).toBe(409);
    expect(bodyOf(stale)).toMatchObject({ error: 'LimitsRefused', reason: 'VERSION_MOVED' });
    const wrong = await putLimits({ account: ACCOUNT, limits: { maxOpenOrders: 20 }, reason: 'old read', expectedVersion: '7' }, BOB);
    expect(wrong.statusCode).toBe(409);
    expect(await scanAll(f.client, f.tableName)).toEqual(before);
  });
});

describe('the reference route', () => {
  it('loads reference data as the calling person, audited for the account', async () => {
    const answer = await api()(postEvent('/reference', { reference: { MSFT: { adv: '22000000', sector: 'TECHNOLOGY' } }, reason: 'new listing' }, ALICE));
    expect(answer.statusCode).toBe(200);
    expect(bodyOf(answer)).toMatchObject({ outcome: 'loaded', symbols: ['MSFT'], loadedBy: ALICE });
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, 's', 'x')).reference.MSFT).toEqual({ adv: '22000000', sector: 'TECHNOLOGY' });
    expect(await audits('REFERENCE_LOADED')).toEqual([expect.objectContaining({ account: ACCOUNT, actor: ALICE, detail: expect.objectContaining({ reason: 'new listing' }) })]);
  });

  it.each([
    ['a negative ADV', { AAPL: { adv: '-5' } }, 'body.reference.AAPL.adv'],
    ['a zero ADV', { AAPL: { adv: '0' } }, 'body.reference.AAPL.adv'],
    ['an unknown sector', { AAPL: { sector: 'CASINOS' } }, 'body.reference.AAPL.sector'],
    ['an entry with neither', { AAPL: {} }, 'body.reference.AAPL'],
    ['a symbol that is not a ticker', { 'aa pl': { adv: '5' } }, 'body.reference'],
  ])('refuses %s with 400 naming the field, writing nothing', async (_what, reference, path) => {
    const before = await scanAll(f.client, f.tableName);
    const answer = await api()(postEvent('/reference', { reference, reason: 'r' }, ALICE));
    expect(answer.statusCode).toBe(400);
    expect((bodyOf(answer).issues as { path: string }[]).map((i) => i.path).join(' ')).toContain(path);
    expect(await scanAll(f.client, f.tableName)).toEqual(before);
  });
});
