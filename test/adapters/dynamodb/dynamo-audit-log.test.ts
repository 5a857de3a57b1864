// The audit log adapter against DynamoDB Local: entries are written in the store's own item shape
// (auditItem, or a store's transactional path) and read back by order and by day.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../../adapters/dynamodb/dynamo-audit-log';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { createDocumentClient } from '../../../adapters/dynamodb/dynamo-table';
import { auditItem } from '../../../adapters/dynamodb/items';
import { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { auditEntry, type AuditEntry, type AuditKind } from '../../../shared/audit/audit-entry';
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import type { AuditPage } from '../../../shared/ports/audit-log';
import { AUDIT_SHARDS, auditDayBase, auditDayPartition, keys } from '../../../shared/storage/table-definition';
import { freshTable } from '../../support/dynamo';

const ACCOUNT = 'acct-1';
const OTHER_ACCOUNT = 'acct-2';
const DAY = '2026-03-10';
const NEXT_DAY = '2026-03-11';

let client: DynamoDBClient;
let tableName: string;
let log: DynamoAuditLog;

beforeEach(async () => {
  ({ client, tableName } = await freshTable());
  log = new DynamoAuditLog(client, tableName);
});

/** An instant on DAY, `seconds` after 09:00 UTC. */
const at = (seconds: number, day = DAY): string => new Date(Date.parse(`${day}T09:00:00.000Z`) + seconds * 1000).toISOString();

const entry = (over: Partial<Omit<AuditEntry, 'entryId'>> & { discriminator?: string } = {}): AuditEntry =>
  auditEntry({
    account: ACCOUNT,
    occurredAt: at(0),
    kind: 'ORDER_TRANSITION',
    actor: 'order',
    correlationId: 'intent-1',
    causationId: 'evt-1',
    detail: { from: 'PENDING', to: 'SUBMITTED' },
    ...over,
  });

/** Writes entries as the stores' auditPut does: the same item, the same append-only condition. */
const write = async (...entries: AuditEntry[]): Promise<void> => {
  const doc = createDocumentClient(client);
  await Promise.all(
    entries.map((e) => doc.send(new PutCommand({ TableName: tableName, Item: auditItem(e), ConditionExpression: 'attribute_not_exists(pk)' }))),
  );
};

/** Follows cursors to the end, keeping every page. */
const allPages = async (read: (cursor: string | undefined) => Promise<AuditPage>): Promise<AuditPage[]> => {
  const pages: AuditPage[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor !== undefined && pages.length < 100);
  return pages;
};

const rejection = async (promise: Promise<unknown>): Promise<InvalidInputError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  return error as InvalidInputError;
};

describe('audit log: by correlation', () => {
  it("returns one order's entries across days in time order", async () => {
    const decided = entry({ kind: 'RISK_DECISION', actor: 'risk', occurredAt: '2026-03-10T23:59:59.900Z', detail: { outcome: 'approved' } });
    const submitted = entry({ occurredAt: '2026-03-11T00:00:00.100Z', discriminator: '1' });
    const filled = entry({ kind: 'FILL_APPLIED', occurredAt: '2026-03-11T14:00:00.000Z', discriminator: 'b-1#10', detail: { quantity: '10', price: '190.10' } });
    const otherOrder = entry({ correlationId: 'intent-2', occurredAt: '2026-03-11T00:00:00.000Z' });
    await write(filled, otherOrder, decided, submitted);

    const page = await log.byCorrelation('intent-1');
    expect(page.entries).toEqual([decided, submitted, filled]);
    expect(page.cursor).toBeUndefined();
  });

  it('pages through one order with a cursor that resumes after the last entry returned', async () => {
    const entries = [0, 1, 2, 3, 4].map((i) => entry({ occurredAt: at(i), discriminator: String(i) }));
    await write(...entries);

    const pages = await allPages((cursor) => log.byCorrelation('intent-1', { limit: 2, ...(cursor ? { cursor } : {}) }));
    expect(pages.map((p) => p.entries.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.entries)).toEqual(entries);
    expect(pages.at(-1)?.cursor).toBeUndefined();
  });

  it('returns an empty page for a correlation id with no entries', async () => {
    await expect(log.byCorrelation('nobody')).resolves.toEqual({ entries: [] });
  });
});

describe('audit log: by day', () => {
  it("returns a day's entries for one account only, oldest first", async () => {
    const mine = [entry({ occurredAt: at(30), discriminator: 'a' }), entry({ occurredAt: at(10), kind: 'RISK_DECISION', discriminator: 'b' }), entry({ occurredAt: at(20), correlationId: 'intent-9' })];
    const otherAccount = entry({ account: OTHER_ACCOUNT, occurredAt: at(15) });
    const otherDay = entry({ occurredAt: at(15, NEXT_DAY), discriminator: 'c' });
    await write(...mine, otherAccount, otherDay);

    const page = await log.byDay(ACCOUNT, DAY);
    expect(page.entries).toEqual([mine[1], mine[2], mine[0]]);
    expect(page.cursor).toBeUndefined();
    expect((await log.byDay(ACCOUNT, NEXT_DAY)).entries).toEqual([otherDay]);
  });

  it('round-trips each entry exactly, detail numbers included, as the same JavaScript values', async () => {
    const detail = {
      count: 3,
      ratio: 0.125,
      tenth: 0.1,
      negative: -7,
      zero: 0,
      epochMs: 1_773_133_200_000,
      largest: Number.MAX_SAFE_INTEGER,
      huge: 2n ** 64n,
      money: '190.10',
      numericText: '42',
      flag: false,
      nothing: null,
      list: [1, 'two', { three: 3.5 }],
      nested: { deep: { empty: {}, none: [] } },
    };
    const written = entry({ kind: 'EXECUTION_THROTTLE_TRIPPED', detail });
    await write(written);

    const [read] = (await log.byDay(ACCOUNT, DAY)).entries;
    expect(read).toEqual(written);
    expect(typeof read?.detail.count).toBe('number');
    expect(read?.detail.huge).toBe(2n ** 64n);
    expect(read?.detail.numericText).toBe('42');
  });

  it('shares a DynamoDB client with the store without changing how the store reads money', async () => {
    const stores = dynamoStores(client, tableName);
    const seeder = new TableSeeder(client, tableName);
    await seeder.depositCash(ACCOUNT, '12345678901234567.123456789012', at(0));
    await write(entry());
    const shared = new DynamoAuditLog(client, tableName);
    expect((await shared.byDay(ACCOUNT, DAY)).entries).toHaveLength(1);
    expect((await stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe('12345678901234567.123456789012');
  });

  it('reads entries the store wrote in its own transaction (reconciliation run) back with their numbers', async () => {
    const store = dynamoStores(client, tableName).reconciliationStore;
    const run = entry({ kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-1', causationId: 'run-1', occurredAt: at(60), detail: { status: 'clean', breaks: 0, positionsCompared: 2 } });
    await store.recordReconciliation({ account: ACCOUNT, runId: 'run-1', status: 'clean', completedAt: run.occurredAt, breaks: [] }, run);

    expect((await log.byDay(ACCOUNT, DAY)).entries).toEqual([run]);
    expect((await log.byCorrelation('run-1')).entries).toEqual([run]);
  });

  it('filters by kind server-side and fills every page to the limit until the day ends', async () => {
    const kinds: AuditKind[] = ['RISK_DECISION', 'ORDER_TRANSITION', 'FILL_APPLIED', 'ORDER_ANOMALY'];
    const entries = Array.from({ length: 24 }, (_, i) => entry({ occurredAt: at(i), kind: kinds[i % kinds.length], discriminator: String(i) }));
    await write(...entries);
    // A small evaluation batch, so one page needs several Query calls.
    const narrow = new DynamoAuditLog(client, tableName, { filterBatch: 2 });

    const wanted = entries.filter((e) => e.kind === 'FILL_APPLIED' || e.kind === 'ORDER_ANOMALY');
    const pages = await allPages((cursor) => narrow.byDay(ACCOUNT, DAY, { kinds: ['FILL_APPLIED', 'ORDER_ANOMALY'], limit: 5, ...(cursor ? { cursor } : {}) }));
    expect(pages.map((p) => p.entries.length)).toEqual([5, 5, 2]);
    expect(pages.flatMap((p) => p.entries)).toEqual(wanted);
  });

  it('returns a full page when the only matching entries come after many that do not match', async () => {
    const noise = Array.from({ length: 15 }, (_, i) => entry({ occurredAt: at(i), kind: 'RISK_DECISION', discriminator: String(i) }));
    const anomalies = [20, 21, 22].map((s) => entry({ occurredAt: at(s), kind: 'ORDER_ANOMALY', discriminator: String(s) }));
    await write(...noise, ...anomalies);
    const narrow = new DynamoAuditLog(client, tableName, { filterBatch: 1 });

    const first = await narrow.byDay(ACCOUNT, DAY, { kinds: ['ORDER_ANOMALY'], limit: 2 });
    expect(first.entries).toEqual(anomalies.slice(0, 2));
    expect(first.cursor).toBeDefined();
    const second = await narrow.byDay(ACCOUNT, DAY, { kinds: ['ORDER_ANOMALY'], limit: 2, cursor: first.cursor });
    expect(second).toEqual({ entries: anomalies.slice(2) });
  });

  it('round-trips a cursor, and gives none when the last page ends exactly at the limit', async () => {
    const entries = [0, 1, 2, 3].map((i) => entry({ occurredAt: at(i), discriminator: String(i) }));
    await write(...entries);

    const first = await log.byDay(ACCOUNT, DAY, { limit: 2 });
    expect(first.entries).toEqual(entries.slice(0, 2));
    expect(first.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await log.byDay(ACCOUNT, DAY, { limit: 2, cursor: first.cursor });
    expect(second).toEqual({ entries: entries.slice(2) });
  });

  it('limits a day to [from, to): from inclusive, to exclusive', async () => {
    const entries = [0, 3600, 7200, 10_800].map((s) => entry({ occurredAt: at(s), discriminator: String(s) }));
    await write(...entries);

    expect((await log.byDay(ACCOUNT, DAY, { from: at(3600), to: at(10_800) })).entries).toEqual(entries.slice(1, 3));
    expect((await log.byDay(ACCOUNT, DAY, { from: at(7200) })).entries).toEqual(entries.slice(2));
    expect((await log.byDay(ACCOUNT, DAY, { to: at(3600) })).entries).toEqual(entries.slice(0, 1));
    expect((await log.byDay(ACCOUNT, DAY, { to: `${NEXT_DAY}T00:00:00.000Z` })).entries).toEqual(entries);
  });

  it('lists an entry written twice (same entry id) once', async () => {
    const store = dynamoStores(client, tableName).reconciliationStore;
    const run = entry({ kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-1', causationId: 'run-1', detail: { status: 'clean' } });
    const record = { account: ACCOUNT, runId: 'run-1', status: 'clean' as const, completedAt: run.occurredAt, breaks: [] };
    await store.recordReconciliation(record, run);
    // A replay: the append-only condition refuses the second write, whatever the store then reports.
    await store.recordReconciliation(record, run).catch(() => undefined);
    const transition = entry({ occurredAt: at(5), discriminator: 'x' });
    await write(transition);
    await expect(write(transition)).rejects.toThrow();

    expect((await log.byDay(ACCOUNT, DAY)).entries).toEqual([run, transition]);
    expect((await log.byCorrelation('run-1')).entries).toEqual([run]);
  });
});

describe('audit log: a day spread over shards', () => {
  /** Sort-key order: time, then entry id. */
  const bySortKey = (entries: AuditEntry[]): AuditEntry[] =>
    [...entries].sort((a, b) => (`${a.occurredAt}#${a.entryId}` < `${b.occurredAt}#${b.entryId}` ? -1 : 1));
  const kinds: AuditKind[] = ['RISK_DECISION', 'ORDER_TRANSITION', 'FILL_APPLIED'];
  /** 30 entries over 10 seconds, three to an instant (one transaction's entries share a time). */
  const manyEntries = (account = ACCOUNT, day = DAY): AuditEntry[] =>
    Array.from({ length: 30 }, (_, i) => entry({ account, occurredAt: at(Math.floor(i / 3), day), kind: kinds[i % kinds.length], discriminator: `d-${i}` }));

  it("writes a day's entries to every shard and reads them back merged in sort-key order", async () => {
    const entries = manyEntries();
    await write(...entries, ...manyEntries(OTHER_ACCOUNT), ...manyEntries(ACCOUNT, NEXT_DAY));

    const shards = new Set(entries.map((e) => keys.audit(e.account, e.occurredAt, e.entryId).pk));
    expect([...shards].sort()).toEqual(Array.from({ length: AUDIT_SHARDS }, (_, s) => auditDayPartition(ACCOUNT, DAY, s)));
    await expect(log.byDay(ACCOUNT, DAY)).resolves.toEqual({ entries: bySortKey(entries) });
  });

  it('pages through every shard with limit 3: each entry once, in order, a cursor on every page but the last', async () => {
    const entries = manyEntries();
    await write(...entries);

    const pages = await allPages((cursor) => log.byDay(ACCOUNT, DAY, { limit: 3, ...(cursor ? { cursor } : {}) }));
    expect(pages.flatMap((p) => p.entries)).toEqual(bySortKey(entries));
    expect(pages.map((p) => p.entries.length)).toEqual(Array(10).fill(3));
    expect(pages.slice(0, -1).every((p) => p.cursor !== undefined)).toBe(true);
    expect(pages.at(-1)?.cursor).toBeUndefined();
  });

  it('applies a time range and a kinds filter in every shard, paging across them', async () => {
    const entries = manyEntries();
    await write(...entries);
    const narrow = new DynamoAuditLog(client, tableName, { filterBatch: 2 });
    const options = { from: at(2), to: at(8), kinds: ['RISK_DECISION', 'FILL_APPLIED'] as AuditKind[], limit: 3 };

    const wanted = bySortKey(entries.filter((e) => e.occurredAt >= at(2) && e.occurredAt < at(8) && e.kind !== 'ORDER_TRANSITION'));
    const pages = await allPages((cursor) => narrow.byDay(ACCOUNT, DAY, { ...options, ...(cursor ? { cursor } : {}) }));
    expect(wanted).toHaveLength(12);
    expect(pages.flatMap((p) => p.entries)).toEqual(wanted);
    expect(pages.map((p) => p.entries.length)).toEqual([3, 3, 3, 3]);
    expect(pages.at(-1)?.cursor).toBeUndefined();
  });

  it("refuses a cursor from another account's or another day's query, naming cursor", async () => {
    await write(...manyEntries(), ...manyEntries(OTHER_ACCOUNT), ...manyEntries(ACCOUNT, NEXT_DAY));
    const otherAccountCursor = (await log.byDay(OTHER_ACCOUNT, DAY, { limit: 3 })).cursor;
    const otherDayCursor = (await log.byDay(ACCOUNT, NEXT_DAY, { limit: 3 })).cursor;
    expect(otherAccountCursor).toBeDefined();
    expect(otherDayCursor).toBeDefined();

    for (const cursor of [otherAccountCursor, otherDayCursor]) {
      const error = await rejection(log.byDay(ACCOUNT, DAY, { limit: 3, cursor }));
      expect(error.issues).toEqual([{ path: 'cursor', rule: expect.stringMatching(/same query/) }]);
    }
  });
});

describe('audit log: rejected input and failures', () => {
  it('rejects a day that is not a calendar date, naming the field', async () => {
    for (const day of ['2026-02-30', '2026-13-01', '2026-3-10', '20260310', '']) {
      const error = await rejection(log.byDay(ACCOUNT, day));
      expect(error.issues).toEqual([{ path: 'day', rule: expect.stringMatching(/calendar date/) }]);
    }
    await expect(log.byDay(ACCOUNT, '2028-02-29')).resolves.toEqual({ entries: [] });
  });

  it('rejects an invalid cursor, naming the field and the rule', async () => {
    await write(...[0, 1, 2].map((i) => entry({ occurredAt: at(i), discriminator: String(i) })), entry({ occurredAt: at(0, NEXT_DAY) }));
    const dayCursor = (await log.byDay(ACCOUNT, DAY, { limit: 1 })).cursor;
    const correlationCursor = (await log.byCorrelation('intent-1', { limit: 1 })).cursor;
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad: [Promise<AuditPage>, RegExp][] = [
      [log.byDay(ACCOUNT, DAY, { cursor: 'not a cursor!' }), /base64url/],
      [log.byDay(ACCOUNT, DAY, { cursor: Buffer.from('{oops').toString('base64url') }), /same query/],
      [log.byDay(ACCOUNT, DAY, { cursor: encode(['pk', 'sk']) }), /same query/],
      [log.byDay(ACCOUNT, DAY, { cursor: encode({ day: auditDayBase(ACCOUNT, DAY), sk: 5 }) }), /same query/],
      // A partition key in place of the day: cursors name no shard.
      [log.byDay(ACCOUNT, DAY, { cursor: encode({ pk: auditDayPartition(ACCOUNT, DAY, 0), sk: at(0) }) }), /same query/],
      // A cursor of another day, of another account, or of the other query.
      [log.byDay(ACCOUNT, NEXT_DAY, { cursor: dayCursor }), /same query/],
      [log.byDay(OTHER_ACCOUNT, DAY, { cursor: dayCursor }), /same query/],
      [log.byDay(ACCOUNT, DAY, { cursor: correlationCursor }), /same query/],
      [log.byCorrelation('intent-1', { cursor: dayCursor }), /same query/],
      [log.byCorrelation('intent-2', { cursor: correlationCursor }), /same query/],
      // A cursor outside the requested time range.
      [log.byDay(ACCOUNT, DAY, { cursor: dayCursor, from: at(1) }), /same query/],
    ];
    for (const [promise, rule] of bad) {
      const error = await rejection(promise);
      expect(error.issues).toEqual([{ path: 'cursor', rule: expect.stringMatching(rule) }]);
      expect(error.message).toMatch(/^invalid input: cursor: /);
    }
  });

  it('rejects a bad limit, kind or time bound, naming the field', async () => {
    const cases: [Promise<AuditPage>, string][] = [
      [log.byDay(ACCOUNT, DAY, { limit: 0 }), 'limit'],
      [log.byDay(ACCOUNT, DAY, { limit: 2.5 }), 'limit'],
      [log.byCorrelation('intent-1', { limit: 1001 }), 'limit'],
      [log.byDay(ACCOUNT, DAY, { kinds: [] }), 'kinds'],
      [log.byDay(ACCOUNT, DAY, { kinds: ['NOT_A_KIND' as AuditKind] }), 'kinds'],
      [log.byDay(ACCOUNT, DAY, { from: at(0, NEXT_DAY) }), 'from'],
      [log.byDay(ACCOUNT, DAY, { from: '2026-03-10T09:00:00Z' }), 'from'],
      [log.byDay(ACCOUNT, DAY, { to: '2026-03-11T00:00:00.001Z' }), 'to'],
      [log.byDay(ACCOUNT, DAY, { from: at(10), to: at(5) }), 'to'],
      [log.byDay('', DAY), 'account'],
      [log.byCorrelation(''), 'correlationId'],
    ];
    for (const [promise, field] of cases) {
      expect((await rejection(promise)).issues.map((i) => i.path)).toEqual([field]);
    }
  });

  it('reports a failed query as an infrastructure error that keeps its cause', async () => {
    const missing = new DynamoAuditLog(client, `${tableName}-missing`);
    for (const read of [() => missing.byDay(ACCOUNT, DAY), () => missing.byCorrelation('intent-1')]) {
      const error = await read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect((error as InfrastructureError).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    }
  });

  it('reports a stored entry of an unknown kind as an infrastructure error rather than guessing', async () => {
    const doc = createDocumentClient(client);
    await doc.send(new PutCommand({ TableName: tableName, Item: { ...auditItem(entry()), kind: 'SOMETHING_ELSE' } }));
    await expect(log.byDay(ACCOUNT, DAY)).rejects.toBeInstanceOf(InfrastructureError);
  });
});

describe('audit retention', () => {
  it('writes audit entries without a TTL attribute, so DynamoDB never expires them', async () => {
    const store = dynamoStores(client, tableName).reconciliationStore;
    const run = entry({ kind: 'RECONCILIATION_RUN', correlationId: 'run-1', detail: { status: 'clean' } });
    await store.recordReconciliation({ account: ACCOUNT, runId: 'run-1', status: 'clean', completedAt: run.occurredAt, breaks: [] }, run);

    const stored = await createDocumentClient(client).send(new GetCommand({ TableName: tableName, Key: keys.audit(run.account, run.occurredAt, run.entryId), ConsistentRead: true }));
    expect(stored.Item).toMatchObject({ type: 'AUDIT', entryId: run.entryId });
    expect(stored.Item).not.toHaveProperty('expiresAt');
    expect(auditItem(run)).not.toHaveProperty('expiresAt');
  });
});
