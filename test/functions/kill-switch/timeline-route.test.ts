// GET /timeline: an account's audit trail for a period or for one order, read through the kill-switch API by
// whoever may read the account's status; the query's rules named on a 400; nothing of another account.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../../adapters/dynamodb/dynamo-audit-log';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { createKillSwitchHandler } from '../../../functions/kill-switch/handler';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { timelineMarkdown, type Timeline } from '../../../shared/timeline/timeline';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT } from '../../support/fixtures';
import { BOB, gatewayContext, quietKillSwitchDeps, testCallers } from '../../support/kill-switch-api';

const READER_WITHOUT_STATUS = 'arn:aws:iam::123456789012:user/erin';
let stores: TradingStores;
let auditLog: DynamoAuditLog;

const handler = () => createKillSwitchHandler(() => quietKillSwitchDeps(stores, { callers: testCallers([{ user: READER_WITHOUT_STATUS, actions: ['kill'] }]), auditLog }));

const get = (query: Record<string, string>, principal = BOB) =>
  handler()({
    resource: '/timeline',
    path: '/timeline',
    httpMethod: 'GET',
    headers: {},
    queryStringParameters: query,
    body: null,
    isBase64Encoded: false,
    requestContext: gatewayContext('GET', principal),
  });

const bodyOf = (response: APIGatewayProxyResult) => JSON.parse(response.body) as Timeline & { issues?: { path: string; rule: string }[] };

const run = (account: string, runId: string, at: string) =>
  stores.reconciliationStore.recordReconciliation(
    { account, runId, status: 'clean', completedAt: at, breaks: [] },
    auditEntry({ account, occurredAt: at, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: runId, causationId: 'test', detail: { status: 'clean' } }),
  );

beforeEach(async () => {
  const fresh = await freshStores();
  stores = fresh.stores;
  auditLog = new DynamoAuditLog(fresh.client, fresh.tableName);
  await run(ACCOUNT, 'run-a', '2026-11-22T23:59:00.000Z');
  await run(ACCOUNT, 'run-b', '2026-11-23T00:30:00.000Z');
  await run(ACCOUNT, 'run-c', '2026-11-23T15:00:00.000Z');
  await run('paper-9', 'run-b', '2026-11-23T00:31:00.000Z');
});

describe('GET /timeline', () => {
  it("returns the account's entries of a period across days, oldest first, and none outside it", async () => {
    const response = await get({ account: ACCOUNT, from: '2026-11-22T23:00:00.000Z', to: '2026-11-23T12:00:00.000Z' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).entries.map((e) => e.correlationId)).toEqual(['run-a', 'run-b']);
    expect(bodyOf(response).truncated).toBe(false);
  });

  it("returns one order's (correlation's) entries of this account only", async () => {
    const response = await get({ account: ACCOUNT, order: 'run-b' });
    expect(bodyOf(response).entries.map((e) => [e.account, e.occurredAt])).toEqual([[ACCOUNT, '2026-11-23T00:30:00.000Z']]);
  });

  it('renders as Markdown: a heading for the account and period, one row per entry', async () => {
    const markdown = timelineMarkdown(bodyOf(await get({ account: ACCOUNT, from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' })));
    expect(markdown.split('\n').slice(0, 6)).toEqual([
      `# Timeline of ${ACCOUNT}: 2026-11-23T00:00:00.000Z to 2026-11-24T00:00:00.000Z`,
      '',
      '2 audit entries, oldest first (UTC).',
      '',
      '| time | kind | actor | correlation | detail |',
      '|---|---|---|---|---|',
    ]);
    expect(markdown).toContain('| 2026-11-23T15:00:00.000Z | RECONCILIATION_RUN | reconciliation | run-c | status=clean |');
  });

  it.each([
    [{ account: ACCOUNT, from: '2026-11-01T00:00:00.000Z', to: '2026-11-08T00:00:00.001Z' }, 'query.to', 'must be at most 7 days after from'],
    [{ account: ACCOUNT, from: '2026-11-02T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' }, 'query.to', 'must be after from'],
    [{ account: ACCOUNT, to: '2026-11-01T00:00:00.000Z' }, 'query.from', 'is required without order'],
    [{ account: ACCOUNT, order: 'run-b', from: '2026-11-01T00:00:00.000Z' }, 'query.order', 'must not be given with from or to'],
    [{ account: ACCOUNT, from: 'yesterday', to: '2026-11-01T00:00:00.000Z' }, 'query.from', 'must be an ISO instant'],
  ])('refuses %j, naming %s', async (query, path, rule) => {
    const response = await get(query);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).issues).toContainEqual({ path, rule: expect.stringContaining(rule) });
  });

  it('refuses a person without the status permission, and an account not of this environment', async () => {
    expect((await get({ account: ACCOUNT, order: 'run-b' }, READER_WITHOUT_STATUS)).statusCode).toBe(403);
    expect((await get({ account: 'paper-9', order: 'run-b' })).statusCode).toBe(404);
  });
});
