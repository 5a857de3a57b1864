// The feed task's AWS wiring, from its environment: the trading table's market-data store, EventBridge through
// the intent publisher, the order queue for the broker relay, Alpaca (and Coinbase for crypto) market data,
// Alpaca's trade_updates stream with its REST catch-up, the reference-data refresh (Alpaca's daily bars and the
// operator's sectors document, reference/sectors.json, bundled, and Alpaca's XNYS trading calendar), the strategies in worker threads, Powertools
// metrics and logs, the on-call pager. Invariant: a configuration that cannot run fails here, naming what is
// missing, before anything connects.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { onCallPager } from '../adapters/aws/safety-wiring';
import { ALPACA_BASE_URLS } from '../adapters/broker/broker-from-config';
import { AlpacaBroker } from '../adapters/broker/alpaca/alpaca-broker';
import { AlpacaCalendar } from '../adapters/broker/alpaca/alpaca-calendar';
import { ALPACA_LIVE_STREAM_URL, ALPACA_PAPER_STREAM_URL, AlpacaUpdateStream } from '../adapters/broker/alpaca/alpaca-update-stream';
import { credentialsFromSecretsManager, type AlpacaCredentials } from '../adapters/broker/alpaca/credentials';
import { dynamoStores } from '../adapters/dynamodb/dynamo-stores';
import { EventBridgeBus } from '../adapters/eventbridge/eventbridge-bus';
import { AlpacaDailyBars, ALPACA_DATA_URL } from '../adapters/market-data/alpaca/alpaca-daily-bars';
import { AlpacaMarketData } from '../adapters/market-data/alpaca/alpaca-market-data';
import { CoinbaseMarketData } from '../adapters/market-data/coinbase/coinbase-market-data';
import { PowertoolsTelemetry } from '../adapters/powertools/powertools-telemetry';
import { SqsOrderQueue } from '../adapters/sqs/sqs-order-queue';
import { WorkerStrategyRunner } from '../adapters/strategy/worker-strategy-runner';
import { systemClock } from '../adapters/system/system-clock';
import SECTORS_DOCUMENT from '../reference/sectors.json' with { type: 'json' };
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import { FeedRuntimeEnvSchema, RUNTIME_ENV, type FeedRuntimeEnv } from '../shared/config/runtime-env';
import { InvalidInputError } from '../shared/errors/errors';
import { parseOrThrow } from '../shared/errors/zod-issues';
import { BrokerUpdateRelay } from '../shared/feed/broker-update-relay';
import { CalendarRefresh } from '../shared/feed/calendar-refresh';
import { Feed } from '../shared/feed/feed';
import { resolveFeedConfig, type FeedConfig, type MarketSourceConfig, type MarketSubscription } from '../shared/feed/feed-config';
import { FeedLeadership } from '../shared/feed/feed-leadership';
import { IntentPublisher } from '../shared/feed/intent-publisher';
import { marketDayStart, marketHours } from '../shared/feed/market-hours';
import { ReferenceRefresh } from '../shared/feed/reference-refresh';
import { readSectorDocument } from '../shared/feed/sector-document';
import type { Sector } from '../shared/market/sectors';
import type { Log } from '../shared/ports/log';
import type { MarketDataSource } from '../shared/ports/market-data-source';
import { DEFAULT_RUNAWAY_GUARD } from '../shared/strategy/strategy-host';
import { StrategyHosts } from '../shared/strategy/strategy-hosts';
import { StrategySwitchWatch } from '../shared/strategy/strategy-switch-watch';

/** What the feed task runs: the feed, the relay of the broker's updates beside it, and its leadership. */
export interface FeedTask {
  feed: Feed;
  relay: BrokerUpdateRelay;
  /** The reference-data refresh, run while the feed leads. */
  reference: ReferenceRefresh;
  /** The per-strategy switches, applied to the strategies while the feed leads. */
  switches: StrategySwitchWatch;
  config: EnvironmentConfig;
  feedConfig: FeedConfig;
  leadership: FeedLeadership;
  /** Whether any subscribed symbol's market is open at `nowMs`. */
  marketOpen(nowMs: number): boolean;
  healthPort: number;
  log: Log;
}

/** The environment configuration cannot run a feed task (say, the simulated broker, or no market named). */
export class FeedConfigurationError extends Error {
  override readonly name = 'FeedConfigurationError';
}

const SECTORS_PATH = 'reference/sectors.json';

/** The operator's sectors document, or a configuration error naming each symbol and rule it breaks. */
const sectorsOf = (document: unknown): Readonly<Record<string, Sector>> => {
  try {
    return readSectorDocument(document, SECTORS_PATH);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const why = error.issues.map((issue) => `${issue.path}: ${issue.rule}`).join('; ');
    throw new FeedConfigurationError(`${SECTORS_PATH} cannot be used (${why}): correct it and deploy`, { cause: error });
  }
};

export interface FeedSettings {
  runtime: FeedRuntimeEnv;
  config: EnvironmentConfig;
  market: MarketSubscription;
  sectors: Readonly<Record<string, Sector>>;
}

/**
 * The environment checked, the configuration loaded and the sectors document read, or an error naming each
 * variable, symbol and rule. `sectorsDocument` is the bundled document unless a test passes another.
 */
export const feedSettings = (env: NodeJS.ProcessEnv, sectorsDocument: unknown = SECTORS_DOCUMENT): FeedSettings => {
  const runtime = parseOrThrow(FeedRuntimeEnvSchema, env, 'env');
  const config = loadEnvironmentConfig(runtime[RUNTIME_ENV.environment]);
  if (config.broker.kind !== 'alpaca') throw new FeedConfigurationError(`environment ${config.name} has the simulated broker: the feed task needs Alpaca (the local runtime runs its own feed)`);
  if (!config.market) throw new FeedConfigurationError(`environment ${config.name} names no market to subscribe to (config "market")`);
  return { runtime, config, market: config.market, sectors: sectorsOf(sectorsDocument) };
};

const sourceOf = (source: MarketSourceConfig, credentials: AlpacaCredentials, log: Logger, alpacaUrl: string | undefined): MarketDataSource => {
  const onError = (error: unknown) => log.error('market-data source problem', { error: error instanceof Error ? error.message : String(error) });
  return source.kind === 'alpaca' ? new AlpacaMarketData({ feed: source.feed, credentials, onError, url: alpacaUrl }) : new CoinbaseMarketData({ onError });
};

/** Builds the feed task from its environment; nothing connects until the program starts it. */
export const wireFeedTask = async (env: NodeJS.ProcessEnv = process.env): Promise<FeedTask> => {
  const { runtime, config, market, sectors } = feedSettings(env);
  const venue = config.broker.kind === 'alpaca' ? config.broker.venue : 'paper';
  const credentials = await credentialsFromSecretsManager(new SecretsManagerClient({}), runtime[RUNTIME_ENV.brokerSecretId]);
  const feedConfig = resolveFeedConfig(config.feed);
  const log = new Logger({ serviceName: 'feed' });
  const telemetry = new PowertoolsTelemetry();
  const account = config.accounts[0];
  if (!account) throw new FeedConfigurationError(`environment ${config.name} names no account`);
  const stores = dynamoStores(new DynamoDBClient({}), runtime[RUNTIME_ENV.tableName]);
  const publisher = new IntentPublisher({
    bus: new EventBridgeBus(new EventBridgeClient({}), runtime[RUNTIME_ENV.eventBusName]),
    limits: feedConfig.publishing,
    onError: (error) => log.error('intent publishing problem', { error: error instanceof Error ? error.message : String(error) }),
  });
  const strategies = new StrategyHosts({
    runners: runtime[RUNTIME_ENV.feedStrategies].map((modulePath) => new WorkerStrategyRunner({ modulePath, strategyOptions: { seed: 0, symbols: market.symbols } })),
    account,
    runId: `f${systemClock.now().toString(36)}`,
    bus: publisher,
    clock: systemClock,
    telemetry,
    intentRate: config.strategyHost?.runawayGuard ?? DEFAULT_RUNAWAY_GUARD,
    limits: feedConfig.strategies,
    log,
    pager: onCallPager(env),
  });
  const feed = new Feed({
    feedId: runtime[RUNTIME_ENV.feedId],
    account,
    symbols: market.symbols,
    sources: market.sources.map((source) => sourceOf(source, credentials, log, runtime[RUNTIME_ENV.alpacaMarketDataUrl])),
    config: feedConfig,
    isOpen: marketHours(config.riskLimits.sessions),
    marketDataStore: stores.marketDataStore,
    strategies,
    publisher,
    clock: systemClock,
    telemetry,
    log,
  });
  const tradingApiUrl = runtime[RUNTIME_ENV.alpacaApiUrl] ?? ALPACA_BASE_URLS[venue];
  const stream = new AlpacaUpdateStream({
    url: runtime[RUNTIME_ENV.alpacaStreamUrl] ?? (venue === 'live' ? ALPACA_LIVE_STREAM_URL : ALPACA_PAPER_STREAM_URL),
    credentials,
    catchUp: { source: new AlpacaBroker({ baseUrl: tradingApiUrl, credentials }) },
    onError: (error) => log.error('trade_updates stream problem', { error: error.message }),
  });
  const relay = new BrokerUpdateRelay({
    account,
    stream,
    queue: new SqsOrderQueue(new SQSClient({}), runtime[RUNTIME_ENV.orderQueueUrl]),
    clock: systemClock,
    telemetry,
    onError: (error) => log.error('broker update not relayed', { error: error instanceof Error ? error.message : String(error) }),
  });
  const leadership = new FeedLeadership({
    store: stores.feedLeaseStore,
    // Unique per process: a replacement task of the same feed id must not pass for the old one.
    holder: `${runtime[RUNTIME_ENV.feedId]}#${hostname()}#${randomUUID().slice(0, 8)}`,
    timing: feedConfig.lease,
    clock: systemClock,
    telemetry,
    log,
  });
  const reference = new ReferenceRefresh({
    symbols: market.symbols,
    sectors,
    volumes: new AlpacaDailyBars({ baseUrl: runtime[RUNTIME_ENV.alpacaDataApiUrl] ?? ALPACA_DATA_URL, credentials, feed: feedConfig.referenceData.volumeFeed }),
    store: stores.marketDataStore,
    config: feedConfig.referenceData,
    dayStart: marketDayStart(config.riskLimits.sessions),
    clock: systemClock,
    telemetry,
    log,
    // Installed here as well as stored: the feed's own market hours follow the broker's calendar too.
    calendar: new CalendarRefresh({ market: 'XNYS', source: new AlpacaCalendar({ baseUrl: tradingApiUrl, credentials }), store: stores.marketDataStore, clock: systemClock, telemetry, log }),
  });
  const isOpen = marketHours(config.riskLimits.sessions);
  const marketOpen = (nowMs: number) => market.symbols.some((symbol) => isOpen(symbol, nowMs));
  const switches = new StrategySwitchWatch({ account, store: stores.strategySwitchStore, hosts: strategies, telemetry, log });
  return { feed, relay, reference, switches, config, feedConfig, leadership, marketOpen, healthPort: runtime[RUNTIME_ENV.feedHealthPort], log };
};
