// The feed task as its container runs it, for end-to-end tests: the bundle the image holds, started with node
// against local stand-ins (DynamoDB Local, the in-process SQS, a local Alpaca market-data server quoting five
// symbols five times a second, the fake Alpaca's REST, data API and trade_updates, a fake EventBridge and
// Secrets Manager). A test starts tasks on a table of its choice and reads their log lines and health port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { buildFeedBundle } from '../../infra/feed-bundle';
import { AlpacaMarketServer } from '../../local/alpaca-market-server';
import { createFifoQueues, localSqsClientConfig, startLocalSqs, type LocalSqs } from '../../local/sqs-local';
import { FakeAlpaca } from './fake-alpaca';
import { FakeAwsJson } from './fake-aws-json';

export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broker-dev';
export const PLACEHOLDER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broker-new';
export const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'SPY'];

export interface FeedTaskProcess {
  child: ChildProcess;
  /** Every stdout line, parsed when it is JSON (the Powertools logger's lines). */
  lines: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** Polls `probe` every 100 ms until it answers something, or fails naming `what`. */
export const until = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

export const logLine = (task: FeedTaskProcess, message: string) => task.lines.find((line) => line.message === message);

export class FeedTaskHarness {
  private readonly tasks: FeedTaskProcess[] = [];

  private constructor(
    readonly bundle: string,
    readonly sqs: LocalSqs,
    readonly sqsClient: SQSClient,
    readonly queueUrl: string,
    readonly market: AlpacaMarketServer,
    readonly alpaca: FakeAlpaca,
    readonly aws: FakeAwsJson,
    private readonly quotes: NodeJS.Timeout,
  ) {}

  static async start(): Promise<FeedTaskHarness> {
    const bundle = mkdtempSync(join(tmpdir(), 'feed-bundle-'));
    buildFeedBundle(bundle, { strategies: ['strategies/sample-momentum.ts'] });
    const sqs = await startLocalSqs();
    const sqsClient = new SQSClient(localSqsClientConfig(sqs.endpoint));
    const { queueUrl } = await createFifoQueues(sqsClient, 'feed-task-orders');
    const alpaca = await FakeAlpaca.start();
    const market = await AlpacaMarketServer.start({ keyId: alpaca.keyId, secretKey: alpaca.secretKey });
    // A new environment's secret holds the stack's placeholder until an operator stores the key.
    const aws = await FakeAwsJson.start({ [SECRET_ARN]: JSON.stringify(alpaca.credentials), [PLACEHOLDER_ARN]: JSON.stringify({ keyId: '', secretKey: 'generated' }) });
    // A market that moves: every symbol quoted five times a second, drifting so the strategy trades.
    let step = 0;
    const quotes = setInterval(() => {
      step++;
      market.publishQuotes(
        SYMBOLS.map((symbol, i) => {
          const mid = 100 + i * 10 + (step % 40) * 0.05;
          return { symbol, bidPrice: (mid - 0.01).toFixed(2), bidSize: '100', askPrice: (mid + 0.01).toFixed(2), askSize: '100' };
        }),
      );
    }, 200);
    return new FeedTaskHarness(bundle, sqs, sqsClient, queueUrl, market, alpaca, aws, quotes);
  }

  /** The task's environment as the stack sets it, with the endpoints pointed at the stand-ins. */
  env(tableName: string): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      AWS_ENDPOINT_URL_SQS: this.sqs.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: this.aws.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: this.aws.endpoint,
      TRADING_ENV: 'dev',
      TABLE_NAME: tableName,
      EVENT_BUS_NAME: 'trading-dev',
      ORDER_QUEUE_URL: this.queueUrl,
      BROKER_SECRET_ID: SECRET_ARN,
      FEED_ID: 'feed-dev',
      // As the task definition names it: relative to the bundle, the container's working folder.
      FEED_STRATEGIES: 'strategies/sample-momentum.mjs',
      FEED_HEALTH_PORT: '0',
      ALPACA_MARKET_DATA_URL: this.market.feedUrl('iex'),
      ALPACA_API_URL: this.alpaca.restUrl,
      // The fake Alpaca serves the data API's daily bars too: the leading feed's reference refresh asks it.
      ALPACA_DATA_API_URL: this.alpaca.restUrl,
      ALPACA_STREAM_URL: this.alpaca.streamUrl,
      POWERTOOLS_METRICS_NAMESPACE: 'TradingFeedTest',
    };
  }

  spawnTask(tableName: string, over: NodeJS.ProcessEnv = {}): FeedTaskProcess {
    const child = spawn(process.execPath, [join(this.bundle, 'main.mjs')], { env: { ...this.env(tableName), ...over }, cwd: this.bundle, stdio: ['ignore', 'pipe', 'pipe'] });
    const task: FeedTaskProcess = { child, lines: [], stderr: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
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
    this.tasks.push(task);
    return task;
  }

  /** GET on the task's health port. */
  async get(task: FeedTaskProcess, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const port = await until('the health port', () => logLine(task, 'feed health port open')?.healthPort as number | undefined);
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async close(): Promise<void> {
    clearInterval(this.quotes);
    for (const task of this.tasks) task.child.kill('SIGKILL');
    this.sqsClient.destroy();
    await Promise.all([this.market.close(), this.alpaca.close(), this.aws.close(), this.sqs.stop()]);
  }
}
