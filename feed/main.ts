// The feed task's entry point: wires the feed from its environment and serves its health port at once; waits as
// a standby until it holds the feed lease (connecting and publishing nothing), then starts the feed (strategies,
// sources, timers, the reference-data refresh) and the broker relay, renewing the lease with the heartbeat. On
// SIGTERM or SIGINT it stops the strategies, drains the intents and the marks (up to 20 s, within the container's
// 30 s stop timeout) while still holding the lease, closes the sockets, releases the lease and exits 0. A lost
// lease stops it at once and exits 75 (the service starts a fresh standby). A configuration, sectors document or
// strategy module it cannot use is one line on stderr and exit 64; a broker key it cannot read yet (the
// placeholder of a new environment) keeps it alive and not ready, asking again every 30 s, so a first deploy
// completes before anyone has stored the key.
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { StrategyLoadError } from '../adapters/strategy/strategy-module';
import { InvalidInputError } from '../shared/errors/errors';
import { feedReadiness } from '../shared/feed/feed-readiness';
import { FeedSupervisor } from '../shared/feed/feed-supervisor';
import { startFeedProgram } from './feed-program';
import { RUNTIME_ENV } from '../shared/config/runtime-env';
import { FeedConfigurationError, feedSettings, wireFeedTask, type FeedTask } from './feed-wiring';
import { startHealthServer } from './health-server';
import { STRATEGY_SWITCH_READ_MS } from '../shared/strategy/strategy-switch-watch';

/** The program's timers: marks asked for five times a second (each symbol still at most once per interval). */
const MARKS_EVERY_MS = 200;
const STRATEGIES_EVERY_MS = 100;
const STOP_DEADLINE_MS = 20_000;
/** Exit code of a feed that lost its lease: it stopped publishing; a fresh task waits for the lease. */
const EXIT_LEASE_LOST = 75;
/** How often a feed that cannot be wired yet (its broker key unreadable) asks again. */
const WIRING_RETRY_MS = 30_000;

/** Errors no retry can cure: the configuration or a strategy module. */
const isStartupError = (error: unknown): boolean =>
  error instanceof InvalidInputError || error instanceof FeedConfigurationError || error instanceof StrategyLoadError;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Starts what needs the lease: the feed program (with the reference-data refresh) and the broker relay. */
const lead = (task: FeedTask) => async () => {
  const { feed, relay, reference, switches, feedConfig, log } = task;
  const program = await startFeedProgram({
    feed,
    cadence: { marksMs: MARKS_EVERY_MS, heartbeatMs: feedConfig.conflation.heartbeatIntervalMs, strategiesMs: STRATEGIES_EVERY_MS },
    onError: (error) => log.error('feed timer failed', { error: error instanceof Error ? error.message : String(error) }),
    reference,
    switches: { everyMs: STRATEGY_SWITCH_READ_MS, refresh: () => switches.refresh() },
  });
  await relay.start();
  log.info('feed leading', { environment: task.config.name });
  return {
    stop: async (deadline?: Promise<unknown>) => {
      const report = await program.stop(deadline);
      await relay.close();
      log.info('feed stopped', { report });
    },
    abandon: async () => {
      const report = await program.abandon();
      await relay.close();
      log.error('feed abandoned: lease lost', { report });
    },
  };
};

/** The task's readiness: why it has not started, or its lease, source, marks and bus once wired. */
const readinessOf = (wired: { task: FeedTask; supervisor: FeedSupervisor } | undefined, notStarted: string) => {
  const nowMs = Date.now();
  if (!wired) return feedReadiness({ lease: 'standby', health: undefined, marketOpen: false, nowMs, marksFreshMs: 0, notStarted });
  const { task, supervisor } = wired;
  const lease = task.leadership.isLeading() ? 'leading' : task.leadership.state;
  const health = supervisor.started ? task.feed.health() : undefined;
  return feedReadiness({ lease, health, marketOpen: task.marketOpen(nowMs), nowMs, marksFreshMs: task.feedConfig.readiness.marksFreshMs });
};

const run = async (): Promise<number> => {
  const { runtime } = feedSettings(process.env);
  const startLog = new Logger({ serviceName: 'feed' });
  let wired: { task: FeedTask; supervisor: FeedSupervisor } | undefined;
  let notStarted = 'wiring the feed';
  const health = await startHealthServer({ port: runtime[RUNTIME_ENV.feedHealthPort], readiness: () => readinessOf(wired, notStarted) });
  startLog.info('feed health port open', { healthPort: health.port });
  let stopRequested = false;
  const stopping = new Promise<void>((resolve) => {
    const stop = () => {
      stopRequested = true;
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  try {
    while (!wired && !stopRequested) {
      try {
        const task = await wireFeedTask();
        wired = { task, supervisor: new FeedSupervisor({ leadership: task.leadership, lead: lead(task), log: task.log }) };
      } catch (error) {
        if (isStartupError(error)) throw error;
        notStarted = errorText(error);
        startLog.error('feed cannot start yet; asking again', { error: notStarted, retryInMs: WIRING_RETRY_MS });
        await Promise.race([sleep(WIRING_RETRY_MS), stopping]);
      }
    }
    if (!wired) return 0;
    const { task, supervisor } = wired;
    const { feedConfig, log } = task;
    log.info('feed task up', { holder: task.leadership.holder });
    while (!stopRequested) {
      const state = await supervisor.step();
      if (state === 'lost') return EXIT_LEASE_LOST;
      await Promise.race([sleep(state === 'leading' ? feedConfig.conflation.heartbeatIntervalMs : feedConfig.lease.retryMs), stopping]);
    }
    // The lease is renewed while the feed drains, so no successor starts before this feed has finished.
    const renewing = setInterval(() => void supervisor.step().catch(() => undefined), feedConfig.conflation.heartbeatIntervalMs);
    try {
      await supervisor.stop(sleep(STOP_DEADLINE_MS));
    } finally {
      clearInterval(renewing);
    }
    return 0;
  } finally {
    await health.close();
  }
};

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isStartupError(error)) {
      console.error(errorText(error));
      process.exit(64);
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
