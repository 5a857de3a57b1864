// The local feed: the feed program as the feed task runs it, over local stand-ins. Market data comes from the
// simulated market served by local servers speaking Alpaca's protocol (and, for crypto, Coinbase's as the
// backup), from a recording, or from Alpaca itself; strategies run in worker threads; intents leave through
// the intent publisher onto the route-table router; the broker's updates reach the order queue through the
// relay. The same Feed, program and source adapters run in AWS.
import { AlpacaMarketData } from '../adapters/market-data/alpaca/alpaca-market-data';
import { CoinbaseMarketData } from '../adapters/market-data/coinbase/coinbase-market-data';
import { toProductId } from '../adapters/market-data/coinbase/coinbase-wire';
import { RecordingSource } from '../adapters/market-data/recording-source';
import { ReplaySource } from '../adapters/market-data/replay-source';
import { alpacaCredentials, credentialsFromEnv } from '../adapters/broker/alpaca/credentials';
import { SqsOrderQueue } from '../adapters/sqs/sqs-order-queue';
import { WorkerStrategyRunner } from '../adapters/strategy/worker-strategy-runner';
import { startFeedProgram, type FeedProgram } from '../feed/feed-program';
import { BrokerUpdateRelay } from '../shared/feed/broker-update-relay';
import { Feed } from '../shared/feed/feed';
import { resolveFeedConfig } from '../shared/feed/feed-config';
import { IntentPublisher } from '../shared/feed/intent-publisher';
import { marketHours } from '../shared/feed/market-hours';
import type { MarketDataSource } from '../shared/ports/market-data-source';
import { DEFAULT_RUNAWAY_GUARD } from '../shared/strategy/strategy-host';
import { STRATEGY_SWITCH_READ_MS, StrategySwitchWatch } from '../shared/strategy/strategy-switch-watch';
import { StrategyHosts } from '../shared/strategy/strategy-hosts';
import { AlpacaMarketServer } from './alpaca-market-server';
import { CoinbaseMarketServer } from './coinbase-market-server';
import { CollectingLog } from './collecting-log';
import { meteredLog, meteredStream, startedAsFeed } from './usage-meter';
import { MarketDriver } from './market-driver';
import { strategyPathFor, type ScenarioProfile } from './scenarios';
import type { SessionWiring } from './session-wiring';

/** Where the feed's market data comes from locally (`--market`). */
export type LocalMarket = { kind: 'sim' } | { kind: 'replay'; path: string } | { kind: 'alpaca' };

const FEED_ID = 'local-feed';
/** The local market server's key: any pair works against it, and it is never a real one. */
const LOCAL_KEY = { keyId: 'local-key', secretKey: 'local-secret' };

export interface LocalFeedOptions {
  market: LocalMarket;
  /** Strategy module paths (default: the scenario's). */
  strategyPaths?: readonly string[];
  /** Short run id: intent ids are `<runId>-<n>`. */
  runId: string;
  /** Also write the primary source's messages to this file, for `--market replay:<file>`. */
  record?: string;
}

export interface LocalFeed {
  program: FeedProgram;
  feed: Feed;
  hosts: StrategyHosts;
  publisher: IntentPublisher;
  relay: BrokerUpdateRelay;
  /** Publishes the simulated market to the local servers (nothing to drive for a recording or Alpaca). */
  driver: MarketDriver | undefined;
  /** The primary source's recording, when asked for. */
  recording: RecordingSource | undefined;
  /** Closes the local servers. */
  close(): Promise<void>;
}

interface Sources {
  sources: MarketDataSource[];
  driver: MarketDriver | undefined;
  close(): Promise<void>;
}

/** The simulated market behind local servers: Alpaca's stock feed, or for crypto Alpaca's crypto feed with Coinbase behind it. */
const simulatedSources = async (w: SessionWiring, profile: ScenarioProfile, startedMs: number): Promise<Sources> => {
  const alpaca = await AlpacaMarketServer.start(LOCAL_KEY);
  const coinbase = profile.market === 'crypto' ? await CoinbaseMarketServer.start({ products: profile.symbols.map((s) => toProductId(s.symbol)) }) : undefined;
  const credentials = alpacaCredentials(LOCAL_KEY.keyId, LOCAL_KEY.secretKey);
  const onError = (error: unknown) => w.errors.push(error);
  const feed = profile.market === 'crypto' ? 'crypto' : 'iex';
  const sources: MarketDataSource[] = [new AlpacaMarketData({ feed, credentials, url: alpaca.feedUrl(feed), onError })];
  if (coinbase) sources.push(new CoinbaseMarketData({ url: coinbase.feedUrl, onError }));
  const faults = profile.feedFaults;
  if (faults.crash) w.market.scheduleCrash({ symbol: faults.crash.symbol, startMs: startedMs + faults.crash.afterMs, durationMs: faults.crash.durationMs, fraction: faults.crash.fraction });
  const driver = new MarketDriver({
    market: w.market,
    primary: alpaca,
    ...(coinbase ? { backup: coinbase } : {}),
    faults: {
      ...(faults.primaryDownAfterMs !== undefined ? { primaryDownAtMs: startedMs + faults.primaryDownAfterMs } : {}),
      ...(faults.backupDownAfterMs !== undefined ? { backupDownAtMs: startedMs + faults.backupDownAfterMs } : {}),
      ...(faults.crash ? { badTicks: { symbol: faults.crash.symbol, fromMs: startedMs + faults.crash.afterMs, toMs: startedMs + faults.crash.afterMs + faults.crash.durationMs } } : {}),
    },
  });
  return { sources, driver, close: async () => void (await Promise.allSettled([alpaca.close(), coinbase?.close()])) };
};

const marketSources = async (w: SessionWiring, market: LocalMarket, startedMs: number): Promise<Sources> => {
  const none = async () => undefined;
  switch (market.kind) {
    case 'sim':
      return simulatedSources(w, w.settings.profile, startedMs);
    case 'replay':
      return { sources: [new ReplaySource({ path: market.path, clock: w.clock })], driver: undefined, close: none };
    case 'alpaca':
      return {
        sources: [new AlpacaMarketData({ feed: w.settings.profile.market === 'crypto' ? 'crypto' : 'iex', credentials: credentialsFromEnv(), onError: (error) => w.errors.push(error) })],
        driver: undefined,
        close: none,
      };
  }
};

/**
 * Starts the local feed: its market data, its strategies (a strategy that cannot load stops the start with a
 * StrategyLoadError), the relay of the broker's updates, and the program's timers. With a usage meter it starts
 * as the feed task: what its timers and its relay ask of AWS counts as the feed's.
 */
export const startLocalFeed = (w: SessionWiring, options: LocalFeedOptions): Promise<LocalFeed> => startedAsFeed(w.settings.meter, () => startFeed(w, options));

const startFeed = async (w: SessionWiring, options: LocalFeedOptions): Promise<LocalFeed> => {
  const { config, account, seed, profile } = w.settings;
  const feedConfig = resolveFeedConfig(config.feed);
  const symbols = profile.symbols.map((s) => s.symbol);
  const log = meteredLog(w.settings.meter, new CollectingLog(w.errors));
  const paths = options.strategyPaths?.length ? options.strategyPaths.map((p) => strategyPathFor(profile.scenario, p)) : [strategyPathFor(profile.scenario, undefined)];
  const publisher = new IntentPublisher({ bus: w.bus, limits: feedConfig.publishing, onError: (error) => w.errors.push(error) });
  const hosts = new StrategyHosts({
    runners: paths.map((modulePath) => new WorkerStrategyRunner({ modulePath, strategyOptions: { seed, symbols, ...profile.strategyOptions } })),
    account,
    runId: options.runId,
    bus: publisher,
    clock: w.clock,
    telemetry: w.telemetry,
    // --no-source-guard (tests and drills only): no guard in the host, so the risk function must stop a flood.
    ...(w.settings.sourceGuard === false ? {} : { intentRate: config.strategyHost?.runawayGuard ?? DEFAULT_RUNAWAY_GUARD }),
    limits: feedConfig.strategies,
    log,
    pager: w.pager,
  });
  const switches = new StrategySwitchWatch({ account, store: w.stores.strategySwitchStore, hosts, telemetry: w.telemetry, log });
  const { sources, driver, close } = await marketSources(w, options.market, w.clock.now());
  const [primary] = sources;
  const recording = options.record && primary ? new RecordingSource(primary, { path: options.record, onError: (error) => w.errors.push(error) }) : undefined;
  if (recording) sources[0] = recording;
  const feed = new Feed({
    feedId: FEED_ID,
    account,
    symbols,
    sources,
    config: feedConfig,
    isOpen: marketHours(config.riskLimits.sessions),
    marketDataStore: w.stores.marketDataStore,
    strategies: hosts,
    publisher,
    clock: w.clock,
    telemetry: w.telemetry,
    log,
  });
  const relay = new BrokerUpdateRelay({
    account,
    stream: meteredStream(w.settings.meter, w.broker.updateStream()),
    queue: new SqsOrderQueue(w.sqsClient, w.queueUrl),
    clock: w.clock,
    telemetry: w.telemetry,
    onError: (error) => w.errors.push(error),
  });
  // Real or recorded data: the simulated venue fills at the feed's prices.
  if (options.market.kind !== 'sim') w.prices.of = (symbol) => feed.lastPrice(symbol);
  try {
    // The first prices are on the wire before the sources subscribe, so the feed has marks from its first write.
    driver?.step(w.clock.now());
    const program = await startFeedProgram({
      feed,
      cadence: { marksMs: 200, heartbeatMs: feedConfig.conflation.heartbeatIntervalMs, strategiesMs: 100 },
      onError: (error) => w.errors.push(error),
      switches: { everyMs: STRATEGY_SWITCH_READ_MS, refresh: () => switches.refresh() },
    });
    await relay.start();
    return { program, feed, hosts, publisher, relay, driver, recording, close };
  } catch (error) {
    await close();
    throw error;
  }
};
