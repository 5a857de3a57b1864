// The feed task as its container runs it: the bundle the image holds, started with node, end to end against
// local stand-ins (DynamoDB Local, the in-process SQS, a local Alpaca market-data server, the fake Alpaca's REST
// and trade_updates, a fake EventBridge and Secrets Manager). One task leads and publishes; a second waits,
// connecting nothing; on SIGTERM the first drains, releases the lease and exits 0, and the second takes over.
// A task whose broker key is still the placeholder stays alive and not ready, saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoStores } from '../../adapters/dynamodb/dynamo-stores';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import type { FeedLeaseStore } from '../../shared/ports/feed-lease-store';
import { dynamoClient, freshTable } from '../support/dynamo';
import { FeedTaskHarness, logLine, PLACEHOLDER_ARN, until, type FeedTaskProcess } from '../support/feed-task-harness';

const STOP_TIMEOUT_MS = 30_000;

let harness: FeedTaskHarness;
let tableName: string;
let lease: FeedLeaseStore;

const start = (over: NodeJS.ProcessEnv = {}): FeedTaskProcess => harness.spawnTask(tableName, over);
const get = (task: FeedTaskProcess, path: string) => harness.get(task, path);
const holderOf = (task: FeedTaskProcess) => until('the holder', () => logLine(task, 'feed task up')?.holder as string | undefined);

beforeAll(async () => {
  harness = await FeedTaskHarness.start();
  ({ tableName } = await freshTable());
  lease = dynamoStores(dynamoClient(), tableName).feedLeaseStore;
}, 120_000);

afterAll(() => harness?.close());

describe('the feed task, as its container runs it', () => {
  it('leads alone, hands over on SIGTERM within the stop timeout, and never has two tasks publishing', { timeout: 180_000 }, async () => {
    const first = start();
    expect((await get(first, '/health')).status).toBe(200);
    const firstHolder = await holderOf(first);
    const ready = await until('the first task to be ready', async () => {
      const answer = await get(first, '/ready');
      return answer.status === 200 ? answer.body : undefined;
    });
    expect(ready).toMatchObject({ ready: true, checks: { lease: { ok: true }, source: { ok: true, detail: 'marks from alpaca-iex' }, bus: { ok: true } } });
    await expect(lease.current()).resolves.toMatchObject({ holder: firstHolder });
    await until('an intent on the bus', () => harness.aws.entries.find((entry) => entry.DetailType === DETAIL_TYPES.OrderIntended));

    // A second task (a deployment's replacement) waits: it is alive, not ready, and connects to nothing.
    const second = start();
    expect((await get(second, '/health')).status).toBe(200);
    const waiting = await until('the second task to have asked for the lease', () => second.lines.find((line) => line.message === 'waiting for the feed lease'));
    expect(waiting).toMatchObject({ heldBy: firstHolder });
    expect(await get(second, '/ready')).toMatchObject({ status: 503, body: { ready: false, checks: { lease: { ok: false, detail: 'lease standby' } } } });
    expect(harness.market.clients.size).toBe(1);
    expect(harness.alpaca.stream.clients.size).toBe(1);

    // SIGTERM: the first drains, releases and exits 0 well within the container's stop timeout.
    const stopAsked = Date.now();
    first.child.kill('SIGTERM');
    await expect(first.exited).resolves.toBe(0);
    const stopMs = Date.now() - stopAsked;
    expect(stopMs).toBeLessThan(STOP_TIMEOUT_MS);
    const stopped = first.lines.find((line) => line.message === 'feed stopped') as { report: { intentsPublished: number } } | undefined;
    expect(stopped?.report.intentsPublished).toBeGreaterThan(0);
    expect(first.lines.some((line) => line.message === 'feed lease released')).toBe(true);

    // The second takes over at once (no waiting for expiry) and leads.
    const secondHolder = await holderOf(second);
    await until('the second task to be ready', async () => ((await get(second, '/ready')).status === 200 ? true : undefined));
    await expect(lease.current()).resolves.toMatchObject({ holder: secondHolder });
    expect(harness.market.clients.size).toBe(1);

    second.child.kill('SIGTERM');
    await expect(second.exited).resolves.toBe(0);
    await expect(lease.current()).resolves.toBeUndefined();
  });

  it('stays alive and not ready, saying why, while its broker key is the placeholder, and stops cleanly', { timeout: 120_000 }, async () => {
    const task = start({ BROKER_SECRET_ID: PLACEHOLDER_ARN });
    expect((await get(task, '/health')).status).toBe(200);
    const ready = await until('a reason on /ready', async () => {
      const answer = await get(task, '/ready');
      return String((answer.body.checks as { lease: { detail: string } }).lease.detail).startsWith('not started: ') ? answer : undefined;
    });
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body)).toMatch(/keyId/);
    await expect(lease.current()).resolves.toBeUndefined();
    task.child.kill('SIGTERM');
    await expect(task.exited).resolves.toBe(0);
  });
});
