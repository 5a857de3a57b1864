// One local session: the same handlers as in AWS, wired to local stand-ins (DynamoDB Local, an in-process
// SQS, the route-table router, a simulated market and broker), run for a bounded time and then drained,
// reconciled and reported. `npm start` and the end-to-end tests both run through here. Invariant: the API
// and the breaker's executions stop before DynamoDB Local and the SQS go away, however the run ended.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadEnvironmentConfig } from '../shared/config/environments';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { persistenceOf, stopStaleDynamo, type DataDir } from './data-dir';
import { crashResumeFigures } from './crash-resume-figures';
import { drainSession } from './drain';
import { startLocalApi, type LocalApi } from './local-api';
import { PeakRss } from './peak-rss';
import type { LocalReport } from './report';
import { buildReport } from './report-builder';
import { startLocalFeed, type LocalFeed, type LocalMarket } from './local-feed';
import { scenarioProfile, type Scenario } from './scenarios';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createLocalInfrastructure, startPipeline, wireSession, type LocalInfrastructure, type SessionWiring } from './session-wiring';
import { startLocalSqs } from './sqs-local';
import { TradingLoop } from './trading-loop';
import type { UsageMeter } from './usage-meter';
import { KillDrills } from './kill-drill';
import { StressDrive } from './stress';
import { startTimeSeries, writeVisualReport } from './html-report/visual-report';
import type { TimeSeriesSampler } from './html-report/timeseries';

/** How long the feed's publisher may take to hand its last intents over when the run ends. */
const FEED_STOP_DEADLINE_MS = 10_000;

export interface SessionOptions {
  durationMs: number;
  /** Path of a strategy module (default: the sample momentum strategy; the runaway strategy in that scenario). */
  strategyPath?: string;
  /** Where the feed's market data comes from (default: the simulated market on local servers). */
  market?: LocalMarket;
  /** Also record the primary source's messages to this file (JSON lines, replayable). */
  record?: string;
  /** Also write the visual report (one self-contained HTML page with the run's charts) to this file. */
  html?: string;
  seed?: number;
  tickMs?: number;
  scenario?: Scenario;
  /** How often reconciliation runs during the session, as the schedule does in AWS (default 5 s). */
  reconcileEveryMs?: number;
  account?: string;
  /** Cash paid into the account before the run (default 1,000,000): equity for leverage and loss limits. */
  startingCash?: string;
  /**
   * Serve the kill-switch API on 127.0.0.1:<port> for the run (0: any free port; absent: no API). The
   * principal is the X-Principal header, the local stand-in for the IAM identity.
   */
  apiPort?: number;
  /** Called with the API's base URL once it listens. */
  onApiReady?: (url: string) => void;
  /** False turns the strategy host's runaway guard off (tests and drills only: the risk function must stop a flood alone). */
  sourceGuard?: boolean;
  /** Stops the run early (Ctrl-C); the session still drains, reconciles and reports. */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
  /** Kill drills to run (kill-drill; default the scenario's ten): the run ends once they are done. */
  killDrills?: number;
  /**
   * A DynamoDB Local already running (the test suite's): the session makes its own table there and deletes it
   * at the end, instead of starting and stopping an emulator of its own.
   */
  dynamoEndpoint?: string;
  /**
   * Called once the run has drained and reconciled, before it reports: the table, the queues, the router and the
   * broker are still up (the event-replay test and the restore rehearsal work on them; the consumers are stopped).
   */
  afterDrain?: (wiring: SessionWiring) => Promise<void>;
  /** Counts what the session asks of each AWS service, per function (npm run cost); absent: nothing is counted. */
  meter?: UsageMeter;
  /**
   * --data-dir: DynamoDB Local keeps its tables and the simulated venue its state in this directory; with
   * `resume` the run goes on with the table and the venue a killed run left (docs/reconciliation.md, Crash and resume).
   */
  dataDir?: DataDir;
  /** The expected peak of intents a second in place of the environment's `load.peakIntentsPerSecond` (stress drives twice it). */
  peakIntentsPerSecond?: number;
}

/**
 * The run's account, seed, scenario profile and configuration: the local environment's (its peak replaced when
 * the run names one), with the scenario's risk limits merged over it and its runaway guard in place; the kill
 * drills it runs and the API's port.
 */
const sessionSettings = (options: SessionOptions) => {
  const local = loadEnvironmentConfig('local');
  const environment = options.peakIntentsPerSecond === undefined ? local : { ...local, load: { peakIntentsPerSecond: options.peakIntentsPerSecond } };
  const profile = scenarioProfile(options.scenario ?? 'normal', environment);
  const guard = profile.runawayGuard ? { strategyHost: { runawayGuard: profile.runawayGuard } } : {};
  const config = { ...environment, riskLimits: { ...environment.riskLimits, ...profile.riskLimits }, ...guard };
  const drillCount = options.killDrills ?? profile.killDrills ?? 0;
  // The drills press the kill switch through the API: it listens (on any free port) whenever they run.
  const apiPort = options.apiPort ?? (drillCount > 0 ? 0 : undefined);
  return { account: options.account ?? environment.accounts[0] ?? 'paper-1', seed: options.seed ?? 42, profile, config, drillCount, apiPort };
};

/** The session's DynamoDB: the suite's shared one, or its own (on disk in a --data-dir, stopping one a killed run left there). */
const startDynamo = async (options: SessionOptions): Promise<Pick<DynamoDbLocal, 'endpoint' | 'stop'>> => {
  if (options.dynamoEndpoint !== undefined) return { endpoint: options.dynamoEndpoint, stop: async () => undefined };
  const data = options.dataDir;
  if (!data) return startDynamoDbLocal();
  if (data.resume) await stopStaleDynamo(data);
  const dynamo = await startDynamoDbLocal({ dbPath: data.dynamoPath });
  data.recordDynamoPid(dynamo.pid);
  return dynamo;
};

/** DynamoDB (see startDynamo) and the in-process SQS; DynamoDB stops again when the SQS fails to start. */
const startEmulators = async (options: SessionOptions) => {
  const dynamo = await startDynamo(options);
  const sqs = await startLocalSqs().catch(async (error: unknown) => {
    await dynamo.stop();
    throw error;
  });
  return { dynamo, sqs };
};

/**
 * Starts the pipeline; with --resume first settles what the killed run left claimed or queued (before the
 * start-up reconciliation and any trading), and in a fresh --data-dir records the run once its table is seeded.
 */
const startWithDataDir = async (wiring: SessionWiring, options: SessionOptions) => {
  const data = options.dataDir;
  const restart = data?.resume ? await wiring.settleAfterRestart() : undefined;
  const startup = await startPipeline(wiring, { resume: data?.resume === true });
  if (data && !data.resume) data.recordRun({ account: wiring.settings.account, seed: wiring.settings.seed });
  if (data && restart) {
    options.onProgress?.(`resumed ${data.path}: ${restart.booked} order(s) booked as the broker holds them (${restart.lostClaims} of them PENDING: claims the table lost), ${restart.blocked} never sent blocked; start-up reconciliation ${startup?.status ?? 'failed'}`);
  }
  return { startup, restart };
};

export const runSession = async (options: SessionOptions): Promise<LocalReport> => {
  const { account, seed, profile, config, drillCount, apiPort } = sessionSettings(options);
  const setupStarted = Date.now();
  const memory = new PeakRss();

  // Declared before the try: the finally stops the breaker's executions and the API before DynamoDB Local goes away.
  let wiring: SessionWiring | undefined;
  let api: LocalApi | undefined;
  let feed: LocalFeed | undefined;
  let infra: LocalInfrastructure | undefined;
  let sampler: TimeSeriesSampler | undefined;
  let stress: StressDrive | undefined;
  const { dynamo, sqs } = await startEmulators(options);
  try {
    const { table, venue } = persistenceOf(options.dataDir);
    infra = await createLocalInfrastructure(dynamo.endpoint, sqs.endpoint, table);
    const startingCash = options.startingCash ?? profile.startingCash;
    wiring = wireSession(infra, { config, account, seed, profile, startingCash, runStamp: setupStarted, sourceGuard: options.sourceGuard !== false, meter: options.meter, ...venue });
    const { startup, restart } = await startWithDataDir(wiring, options);
    if (apiPort !== undefined) {
      api = await startLocalApi(wiring.killSwitch, apiPort);
      options.onApiReady?.(api.url);
      options.onProgress?.(`kill-switch API on ${api.url} (principal from the X-Principal header): POST /kill-switch, POST /kill-switch/release, POST /breaker/approve, POST /breaker/reject, GET /status?account=${account}`);
    }
    feed = await startLocalFeed(wiring, {
      market: options.market ?? { kind: 'sim' },
      ...(options.strategyPath ? { strategyPaths: [options.strategyPath] } : {}),
      runId: `r${seed}-${setupStarted.toString(36)}`,
      ...(options.record ? { record: options.record } : {}),
    });
    // The run's clock starts once everything is up: --duration is market time, not JVM start-up time.
    const started = Date.now();
    if (options.html) sampler = startTimeSeries(wiring, started);
    stress = profile.stress && new StressDrive(wiring, profile.stress, { started, durationMs: options.durationMs, onProgress: options.onProgress });
    stress?.start();
    options.onProgress?.(`ready in ${((started - setupStarted) / 1000).toFixed(1)} s: table ${infra.tableName}, queue ${infra.queueUrl}`);

    let drills: KillDrills | undefined;
    const loop = new TradingLoop(wiring, {
      feed,
      started,
      durationMs: options.durationMs,
      tickMs: options.tickMs ?? 100,
      reconcileEveryMs: options.reconcileEveryMs ?? 5000,
      progressEveryMs: options.progressEveryMs ?? 1000,
      signal: options.signal,
      done: () => drills?.finished ?? false,
      onProgress: options.onProgress,
      memory,
    });
    const drillsEnd = new AbortController();
    if (drillCount > 0 && api) {
      drills = new KillDrills(wiring, { url: api.url, loop, drills: drillCount, seed, signal: AbortSignal.any([drillsEnd.signal, ...(options.signal ? [options.signal] : [])]), onProgress: options.onProgress });
    }
    const drilling = drills?.run(started);
    await loop.run();
    drillsEnd.abort();
    await drilling;
    // The feed stops with the market: its strategies' last intents are published before the drain decides them.
    const feedReport = await feed.program.stop(sleep(FEED_STOP_DEADLINE_MS));
    await stress?.endDrive();
    if (feed.recording) options.onProgress?.(`recorded ${feed.recording.stats().recorded} market messages from ${feed.recording.name} to ${options.record}`);
    const drained = await drainSession(wiring, { loop, api, relay: feed.relay, onProgress: options.onProgress, sampleMemory: () => memory.sample(), afterDrain: options.afterDrain });
    // Executions still cooling down or waiting for approval are reported as RUNNING, then stopped: their
    // timers must not keep the process alive, nor their tasks outlive DynamoDB Local.
    const breakerExecutions = wiring.breaker.executionStatuses();
    await wiring.breaker.stop();
    loop.progress();
    const report = await buildReport({
      wiring,
      loop,
      feed,
      feedReport,
      startup,
      drained,
      breakerExecutions,
      peakRssMb: memory.megabytes,
      ...(drills ? { killDrills: { planned: drillCount, records: drills.records } } : {}),
      ...(stress ? { stress: stress.record } : {}),
    });
    if (options.dataDir) report.crashResume = await crashResumeFigures(wiring, restart);
    if (options.html && sampler) await writeVisualReport(options.html, { wiring, sampler, report, startedMs: started });
    return report;
  } finally {
    stress?.cancel();
    await sampler?.stop();
    await feed?.program.stop().catch(() => undefined);
    await feed?.relay.close().catch(() => undefined);
    await feed?.close();
    await api?.close().catch(() => undefined);
    await wiring?.breaker.stop().catch(() => undefined);
    await Promise.allSettled([wiring?.intentIntake.stop(), wiring?.eventSource.stop()]);
    // A shared emulator outlives the run: its table goes, so runs do not pile up in its memory.
    if (options.dynamoEndpoint !== undefined && infra) await infra.ddb.send(new DeleteTableCommand({ TableName: infra.tableName })).catch(() => undefined);
    await Promise.allSettled([sqs.stop(), dynamo.stop()]);
  }
};
