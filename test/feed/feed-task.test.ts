// The feed task as its container runs it: the bundle the image holds, started with node, end to end against
// local stand-ins (DynamoDB Local, the in-process SQS, a local Alpaca market-data server, the fake Alpaca's REST
// and trade_updates, a fake EventBridge and Secrets Manager). One task leads and publishes; a second waits,
// connecting nothing; on SIGTERM the first drains, releases the lease and exits 0, and the second takes over.
// A task whose broker key is still the placeholder stays alive and not ready, saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildFeedBundle } from '../../infra/feed-bundle';
import { dynamoStores } from '../../adapters/dynamodb/dynamo-stores';
import { AlpacaMarketServer } from '../../local/alpaca-market-server';
import { createFifoQueues, localSqsClientConfig, startLocalSqs, type LocalSqs } from '../../local/sqs-local';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import type { FeedLeaseStore } from '../../shared/ports/feed-lease-store';
import { dynamoClient, freshTable } from '../support/dynamo';
import { FakeAlpaca } from '../support/fake-alpaca';
import { FakeAwsJson } from '../support/fake-aws-json';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broker-dev';
const PLACEHOLDER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broker-new';
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'SPY'];
const STOP_TIMEOUT_MS = 30_000;

interface Task {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<number | null>;
}

let sqs: LocalSqs;
let market: AlpacaMarketServer;
let alpaca: FakeAlpaca;
let aws: FakeAwsJson;
let lease: FeedLeaseStore;
let env: NodeJS.ProcessEnv;
let quotes: NodeJS.Timeout;
let bundle: string;
const tasks: Task[] = [];

const start = (over: NodeJS.ProcessEnv = {}): Task => {
  const child = spawn(process.execPath, [join(bundle, 'main.mjs')], { env: { ...env, ...over }, cwd: bundle, stdio: ['ignore', 'pipe', 'pipe'] });
  const task: Task = { child, lines: [], stderr: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) {
      try {
        task.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        task.lines.push({ message: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => task.stderr.push(chunk.toString('utf8')));
  tasks.push(task);
  return task;
};

const until = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const healthPort = (task: Task) => until('the health port', () => task.lines.find((line) => line.message === 'feed health port open')?.healthPort as number | undefined);
const holderOf = (task: Task) => until('the holder', () => task.lines.find((line) => line.message === 'feed task up')?.holder as string | undefined);
const get = async (task: Task, path: string) => {
  const response = await fetch(`http://127.0.0.1:${await healthPort(task)}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  bundle = mkdtempSync(join(tmpdir(), 'feed-bundle-'));
  buildFeedBundle(bundle, { strategies: ['strategies/sample-momentum.ts'] });
  sqs = await startLocalSqs();
  const sqsClient = new SQSClient(localSqsClientConfig(sqs.endpoint));
  const { queueUrl } = await createFifoQueues(sqsClient, 'feed-task-orders');
  alpaca = await FakeAlpaca.start();
  market = await AlpacaMarketServer.start({ keyId: alpaca.keyId, secretKey: alpaca.secretKey });
  // A new environment's secret holds the stack's placeholder until an operator stores the key.
  aws = await FakeAwsJson.start({ [SECRET_ARN]: JSON.stringify(alpaca.credentials), [PLACEHOLDER_ARN]: JSON.stringify({ keyId: '', secretKey: 'generated' }) });
  const { tableName } = await freshTable();
  lease = dynamoStores(dynamoClient(), tableName).feedLeaseStore;
  env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    TRADING_ENV: 'dev',
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: 'trading-dev',
    ORDER_QUEUE_URL: queueUrl,
    BROKER_SECRET_ID: SECRET_ARN,
    FEED_ID: 'feed-dev',
    // As the task definition names it: relative to the bundle, the container's working folder.
    FEED_STRATEGIES: 'strategies/sample-momentum.mjs',
    FEED_HEALTH_PORT: '0',
    ALPACA_MARKET_DATA_URL: market.feedUrl('iex'),
    ALPACA_API_URL: alpaca.restUrl,
    // The fake Alpaca serves the data API's daily bars too: the leading feed's reference refresh asks it.
    ALPACA_DATA_API_URL: alpaca.restUrl,
    ALPACA_STREAM_URL: alpaca.streamUrl,
    POWERTOOLS_METRICS_NAMESPACE: 'TradingFeedTest',
  };
  // A market that moves: every symbol quoted five times a second, drifting so the strategy trades.
  let step = 0;
  quotes = setInterval(() => {
    step++;
    market.publishQuotes(
      SYMBOLS.map((symbol, i) => {
        const mid = 100 + i * 10 + (step % 40) * 0.05;
        return { symbol, bidPrice: (mid - 0.01).toFixed(2), bidSize: '100', askPrice: (mid + 0.01).toFixed(2), askSize: '100' };
      }),
    );
  }, 200);
}, 120_000);

afterAll(async () => {
  clearInterval(quotes);
  for (const task of tasks) task.child.kill('SIGKILL');
  await Promise.all([market?.close(), alpaca?.close(), aws?.close(), sqs?.stop()]);
});

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
    await until('an intent on the bus', () => aws.entries.find((entry) => entry.DetailType === DETAIL_TYPES.OrderIntended));

    // A second task (a deployment's replacement) waits: it is alive, not ready, and connects to nothing.
    const second = start();
    expect((await get(second, '/health')).status).toBe(200);
    const waiting = await until('the second task to have asked for the lease', () => second.lines.find((line) => line.message === 'waiting for the feed lease'));
    expect(waiting).toMatchObject({ heldBy: firstHolder });
    expect(await get(second, '/ready')).toMatchObject({ status: 503, body: { ready: false, checks: { lease: { ok: false, detail: 'lease standby' } } } });
    expect(market.clients.size).toBe(1);
    expect(alpaca.stream.clients.size).toBe(1);

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
    expect(market.clients.size).toBe(1);

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
