// The feed task refuses a configuration it cannot run before anything connects: each missing or malformed
// variable named with its rule, the simulated broker, a missing market and a sectors document it cannot use
// refused; a deployed environment's market comes from its configuration and its sectors from the document.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { feedSettings, FeedConfigurationError } from '../../feed/feed-wiring';
import { InvalidInputError } from '../../shared/errors/errors';

const ENV = {
  TRADING_ENV: 'dev',
  TABLE_NAME: 'trading-dev',
  EVENT_BUS_NAME: 'trading-dev',
  ORDER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dev.fifo',
  BROKER_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broker',
  FEED_ID: 'feed-task-1',
  FEED_STRATEGIES: 'strategies/sample-momentum.ts, strategies/runaway.ts',
};

const run = (env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> =>
  new Promise((resolve) => {
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    execFile(process.execPath, [tsx, 'feed/main.ts'], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });

describe('the feed task’s configuration', () => {
  it('takes a deployed environment’s market and the strategies named, trimmed', () => {
    const { market, runtime } = feedSettings(ENV);
    expect(market).toEqual({ symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'SPY'], sources: [{ kind: 'alpaca', feed: 'iex' }] });
    expect(runtime.FEED_STRATEGIES).toEqual(['strategies/sample-momentum.ts', 'strategies/runaway.ts']);
  });

  it('names every variable it cannot do without', () => {
    const { ORDER_QUEUE_URL: _queue, BROKER_SECRET_ID: _secret, FEED_ID: _id, ...partial } = ENV;
    const error = (() => {
      try {
        feedSettings({ ...partial, FEED_STRATEGIES: '' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path).sort()).toEqual(['env.BROKER_SECRET_ID', 'env.FEED_ID', 'env.FEED_STRATEGIES', 'env.ORDER_QUEUE_URL']);
  });

  it('serves its health on port 8080 unless told otherwise, and refuses a port that is not one', () => {
    expect(feedSettings(ENV).runtime.FEED_HEALTH_PORT).toBe(8080);
    expect(feedSettings({ ...ENV, FEED_HEALTH_PORT: '9090' }).runtime.FEED_HEALTH_PORT).toBe(9090);
    expect(() => feedSettings({ ...ENV, FEED_HEALTH_PORT: '70000' })).toThrow(/FEED_HEALTH_PORT/);
  });

  it('takes Alpaca endpoints that replace the defaults only as ws(s) and http(s) URLs', () => {
    const { runtime } = feedSettings({ ...ENV, ALPACA_MARKET_DATA_URL: 'ws://127.0.0.1:9001/v2/iex', ALPACA_API_URL: 'http://127.0.0.1:9002', ALPACA_STREAM_URL: 'ws://127.0.0.1:9002/stream' });
    expect(runtime.ALPACA_MARKET_DATA_URL).toBe('ws://127.0.0.1:9001/v2/iex');
    expect(() => feedSettings({ ...ENV, ALPACA_API_URL: 'ftp://example.com' })).toThrow(/ALPACA_API_URL/);
    expect(() => feedSettings({ ...ENV, ALPACA_STREAM_URL: 'https://example.com' })).toThrow(/ALPACA_STREAM_URL/);
  });

  it('takes the data API’s endpoint that replaces the default only as an http(s) URL', () => {
    expect(feedSettings({ ...ENV, ALPACA_DATA_API_URL: 'http://127.0.0.1:9003' }).runtime.ALPACA_DATA_API_URL).toBe('http://127.0.0.1:9003');
    expect(feedSettings(ENV).runtime.ALPACA_DATA_API_URL).toBeUndefined();
    expect(() => feedSettings({ ...ENV, ALPACA_DATA_API_URL: 'wss://data.alpaca.markets' })).toThrow(/ALPACA_DATA_API_URL: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('reads the sectors from the bundled document', () => {
    expect(feedSettings(ENV).sectors).toMatchObject({ AAPL: 'TECHNOLOGY', SPY: 'INDEX' });
  });

  it('refuses a sectors document with a misspelt sector as a configuration error, naming the symbol and the rule', () => {
    const error = (() => {
      try {
        feedSettings(ENV, { AAPL: 'TECHNOLOGY', NVDA: 'SEMICONDUCTORS' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(FeedConfigurationError);
    expect((error as Error).message).toMatch(/^reference\/sectors\.json cannot be used \(reference\/sectors\.json\.NVDA: must be one of COMMUNICATION, .*\): correct it and deploy$/);
  });

  it('refuses the local environment: its broker is simulated', () => {
    expect(() => feedSettings({ ...ENV, TRADING_ENV: 'local' })).toThrow(FeedConfigurationError);
  });

  it('exits 64 with one line on stderr when started without its environment', { timeout: 90_000 }, async () => {
    const { code, stderr } = await run({});
    expect(code).toBe(64);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/TRADING_ENV/);
  });
});
