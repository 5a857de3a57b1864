// One local session: the same handlers as in AWS, wired to local stand-ins (DynamoDB Local, an in-process
// SQS, the route-table router, a simulated market and broker), run for a bounded time and then drained,
// reconciled and reported. `npm start` and the end-to-end tests both run through here.
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTradingTable } from '../adapters/dynamodb/table-bootstrap';
import { dynamoStores, type TradingStores } from '../adapters/dynamodb/dynamo-stores';
import { TableSeeder } from '../adapters/dynamodb/table-seeder';
import { SqsOrderQueue } from '../adapters/sqs/sqs-order-queue';
import { SimulatedBroker, type SimulatedBrokerOptions } from '../adapters/broker/simulated-broker';
import { createRiskHandler } from '../functions/risk/handler';
import { createOrderHandler } from '../functions/order/handler';
import { createReconciliationHandler } from '../functions/reconciliation/handler';
import { createBreakerHandler } from '../functions/breaker/handler';
import { createKillSwitchHandler } from '../functions/kill-switch/handler';
import { startRecoveryWith } from '../shared/kill-switch/release-trip';
import { createDeadManSwitch } from '../shared/dead-man-switch/dead-man-switch';
import { resolveDeadManSwitchConfig } from '../shared/dead-man-switch/dead-man-switch-config';
import { resolveBreakerConfig } from '../shared/breaker/breaker-config';
import type { Page } from '../shared/ports/pager';
import { loadEnvironmentConfig } from '../shared/config/environments';
import { DETAIL_TYPES } from '../shared/events/catalog';
import { EVENT_ROUTES } from '../shared/routing/routes';
import { BrokerUpdateRelay } from '../shared/feed/broker-update-relay';
import { systemClock } from '../adapters/system/system-clock';
import type { IntentOutcome } from '../shared/risk/risk-service';
import { DEFAULT_RUNAWAY_GUARD, StrategyHost } from '../shared/strategy/strategy-host';
import { valueLedger } from '../shared/ledger/valuation';
import { ORDER_STATUSES } from '../shared/orders/order-record';
import type { Strategy, StrategyModule, StrategyOptions } from '../shared/strategy/strategy';
import { METRICS } from '../shared/telemetry/metrics';
import createSampleMomentum from '../strategies/sample-momentum';
import createRunaway from '../strategies/runaway';
import { startDynamoDbLocal, localDynamoClientConfig } from './dynamodb-local';
import { CollectingLog } from './collecting-log';
import { LocalEventRouter } from './event-router';
import { HaltObserver } from './halt-observer';
import { LocalBreaker } from './local-breaker';
import { LocalBreakerApprovals } from './local-breaker-approvals';
import { startLocalApi, type LocalApi } from './local-api';
import { LocalControlPlane } from './local-control-plane';
import { DEFAULT_REFERENCE, DEFAULT_SYMBOLS, RUNAWAY_REFERENCE, RUNAWAY_SYMBOLS, SimulatedMarket } from './market';
import type { ReconciliationRecord } from '../shared/ports/reconciliation-store';
import { utcNow } from '../shared/time/utc';
import { InMemoryTelemetry } from '../adapters/memory/in-memory-telemetry';
import { cancelAllFrom } from '../shared/order-service/cancellation';
import { percentile, type LocalReport } from './report';
import { SqsEventSource } from './sqs-event-source';
import { createFifoQueues, localSqsClientConfig, startLocalSqs } from './sqs-local';

const DEFAULT_STARTING_CASH = '1000000';
/** The runaway account is funded so that the gross-notional cap, not leverage, is the binding exposure limit. */
const RUNAWAY_STARTING_CASH = '10000000';

/**
 * `runaway`: Knight Capital on purpose. A strategy fires 1,500 market orders a second round-robin over 40
 * symbols (strategies/runaway.ts) into a well-funded account; the report measures how fast trading halts
 * and whether anything reached the broker after it (haltLatencyMs, ordersAfterHalt, peakGrossExposure).
 * `feed-stall`: the feed task hangs 3 s into the run (no ticks, marks, intents or heartbeat); the dead-man
 * switch, which allows a 5 s old heartbeat in this scenario, must cancel and halt through a FEED_STALE breach.
 * What the simulated venue does besides filling orders. `broker-faults`: a fifth of all broker calls fail
 * (5xx, 429, resets, timeouts before and after the effect), a fifth of the stream's updates are lost,
 * fills come in slices and cancels race fills; the venue does not deduplicate client order ids, so any
 * re-send of an order the broker already has would show up as a duplicate.
 */
export const SCENARIOS = ['normal', 'broker-faults', 'runaway', 'feed-stall'] as const;

/** feed-stall: the feed hangs this long after the start, and the dead-man switch allows a 5 s old heartbeat. */
const FEED_STALL_AFTER_MS = 3_000;
const FEED_STALL_HEARTBEAT_LIMIT_S = 5;
export type Scenario = (typeof SCENARIOS)[number];

const brokerBehaviour = (scenario: Scenario): Partial<SimulatedBrokerOptions> =>
  scenario === 'broker-faults'
    ? {
        faults: { rate: 0.2, lostUpdateRate: 0.2 },
        partialFills: { probability: 0.4, maxSlices: 4 },
        cancelRace: 0.3,
        latencyMs: { min: 0, max: 15 },
        dedupeClientOrderIds: false,
      }
    : {};

/** Every Wait state of a local breaker execution (cooldown, probation) lasts this long instead of minutes. */
const LOCAL_BREAKER_WAIT_MS = 5_000;
const LOCAL_BREAKER_RETRY_MS = 200;

/** A scheduled reconciliation runs again while it is not clean, as the schedule would every minute. */
const MAX_FINAL_RECONCILIATIONS = 5;

export interface SessionOptions {
  durationMs: number;
  /** Path of a strategy module (default: the sample momentum strategy). */
  strategyPath?: string;
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
  /** Stops the run early (Ctrl-C); the session still drains, reconciles and reports. */
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
}

export interface ProgressCounters {
  intents: number;
  approved: number;
  denied: number;
  fills: number;
}

export const loadStrategy = async (path: string | undefined, options: StrategyOptions): Promise<Strategy> => {
  if (!path) return createSampleMomentum(options);
  const mod = (await import(pathToFileURL(resolve(path)).href)) as StrategyModule;
  const exported = mod.default;
  const strategy = typeof exported === 'function' ? exported(options) : exported;
  if (!strategy || typeof strategy.onTicks !== 'function' || typeof strategy.name !== 'string') {
    throw new Error(`${path} must default-export a strategy factory or an object with name and onTicks`);
  }
  return strategy;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const runSession = async (options: SessionOptions): Promise<LocalReport> => {
  const config = loadEnvironmentConfig('local');
  const account = options.account ?? config.accounts[0] ?? 'paper-1';
  const seed = options.seed ?? 42;
  const tickMs = options.tickMs ?? 100;
  const setupStarted = Date.now();
  const clock = systemClock;
  let peakRss = process.memoryUsage().rss;
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

  // Declared before the try: the finally stops its executions and the API before DynamoDB Local goes away.
  let breaker: LocalBreaker | undefined;
  let api: LocalApi | undefined;
  const dynamo = await startDynamoDbLocal();
  const sqs = await startLocalSqs().catch(async (error: unknown) => {
    await dynamo.stop();
    throw error;
  });
  try {
    const ddb = new DynamoDBClient(localDynamoClientConfig(dynamo.endpoint));
    const sqsClient = new SQSClient(localSqsClientConfig(sqs.endpoint));
    const tableName = `trading-local-${randomBytes(3).toString('hex')}`;
    await createTradingTable(ddb, tableName);
    // A short visibility timeout: a message that must wait (an order in flight) is retried within seconds.
    const { queueUrl, dlqUrl } = await createFifoQueues(sqsClient, 'orders-local', { visibilityTimeoutSeconds: 2 });
    const attrs = await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const queueArn = attrs.Attributes?.QueueArn ?? 'arn:aws:sqs:us-east-1:000000000000:orders-local.fifo';

    const tableStores = dynamoStores(ddb, tableName);
    const haltObserver = new HaltObserver(tableStores.tradingStateStore);
    const stores: TradingStores = { ...tableStores, tradingStateStore: haltObserver };
    const seeder = new TableSeeder(ddb, tableName);
    const scenario = options.scenario ?? 'normal';
    const symbols = scenario === 'runaway' ? RUNAWAY_SYMBOLS : DEFAULT_SYMBOLS;
    const market = new SimulatedMarket({ seed, symbols });
    const startingCash = options.startingCash ?? (scenario === 'runaway' ? RUNAWAY_STARTING_CASH : DEFAULT_STARTING_CASH);
    const broker = new SimulatedBroker({ priceOf: (s) => market.priceOf(s), clock, seed, startingCash, ...brokerBehaviour(scenario) });
    const telemetry = new InMemoryTelemetry();
    const router = new LocalEventRouter({ concurrency: 4 });
    const errors: unknown[] = [];
    const logger = new CollectingLog(errors);

    const nowIso = utcNow(clock.now());
    await seeder.putTradingState(account, 'ACTIVE', 'local-bootstrap', nowIso);
    await stores.marketDataStore.putMarks(market.step(clock.now()));
    await stores.marketDataStore.putReference(scenario === 'runaway' ? RUNAWAY_REFERENCE : DEFAULT_REFERENCE);
    await seeder.depositCash(account, startingCash, nowIso);

    const risk = createRiskHandler(() => ({
      ...stores,
      queue: new SqsOrderQueue(sqsClient, queueUrl),
      bus: router,
      clock,
      telemetry,
      defaults: config.riskLimits,
      logger,
    }));
    // The simulated venue never takes an order late, so "not at the broker" is trusted after 2 s, not 30.
    const inFlightGraceMs = 2_000;
    // What the order function and every cancel-all (breaker, kill switch, dead-man switch) work with.
    const orderDeps = { ...stores, broker, bus: router, clock, telemetry, leaseMs: 30_000 };
    const order = createOrderHandler(() => ({ ...orderDeps, inFlightGraceMs, logger }));
    const reconciliation = createReconciliationHandler(() => ({
      ...stores,
      broker,
      bus: router,
      clock,
      telemetry,
      accounts: [account],
      inFlightGraceMs,
      logger,
    }));

    // The circuit breaker: breach events reach the same breaker handler as in AWS, which starts the ASL
    // locally (LocalBreaker) with that handler running its tasks. Pages are collected, not sent.
    const pages: Page[] = [];
    /** detectedAt (epoch ms) of every breach that started a breaker execution. */
    const breachTimes: number[] = [];
    const breakerHandler = createBreakerHandler(() => ({
      ...stores,
      pager: { page: async (p) => void pages.push(p) },
      clock,
      config: resolveBreakerConfig(config.breaker),
      riskLimits: config.riskLimits,
      cancelAll: cancelAllFrom(orderDeps, 'breaker', 'circuit breaker tripped'),
      // Every trip that starts an execution (all breach sources; not a release's recovery) is a breach for the report.
      starter: {
        start: async (trip) => {
          const outcome = await localBreaker.start(trip);
          if (outcome === 'started' && trip.kind !== 'RELEASE') breachTimes.push(Date.parse(trip.detectedAt));
          return outcome;
        },
      },
      telemetry,
      logger,
    }));
    const localBreaker = new LocalBreaker({ invoke: breakerHandler, waitMs: LOCAL_BREAKER_WAIT_MS, retryIntervalMs: LOCAL_BREAKER_RETRY_MS });
    breaker = localBreaker;
    router.register('breaker', (event) => breakerHandler(event));

    let reconciliations = 0;
    const reconcile = async (label: string): Promise<ReconciliationRecord | undefined> => {
      const runs = await reconciliation({
        version: '0',
        id: `local-${label}-${setupStarted}-${++reconciliations}`,
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: 'us-east-1',
        resources: [],
        detail: {},
      });
      return runs[0];
    };
    // At start-up, as the feed task does: nothing trades on a table that disagrees with the broker.
    const startup = await reconcile('startup');

    const latencies: number[] = [];
    const denied: Record<string, number> = {};
    let approved = 0;
    router.register('risk', async (event) => {
      const t0 = performance.now();
      const outcome: IntentOutcome = await risk(event);
      if (!outcome.replayed) latencies.push(performance.now() - t0);
      if (outcome.outcome === 'approved') approved++;
      else denied[outcome.reason] = (denied[outcome.reason] ?? 0) + 1;
    });
    const eventSource = new SqsEventSource({
      client: sqsClient,
      queueUrl,
      queueArn,
      waitTimeSeconds: 1,
      // Lambda consumes a FIFO queue with up to one invocation per message group at once.
      concurrency: 4,
      invoke: (event, requestId) => order(event, { awsRequestId: requestId }),
      onError: (error) => errors.push(error),
    });
    eventSource.start();
    // The feed's relay of the broker's order updates onto the order queue, as in AWS.
    const relay = new BrokerUpdateRelay({
      account,
      stream: broker.updateStream(),
      queue: new SqsOrderQueue(sqsClient, queueUrl),
      clock,
      telemetry,
      onError: (error) => errors.push(error),
    });
    await relay.start();

    // The kill switch, as in AWS but with the local hard stop: the router's intent route and the queue consumer.
    const intentRoute = EVENT_ROUTES.find((r) => r.target === 'risk')?.id ?? 'OrderIntendedToRisk';
    const controlPlane = new LocalControlPlane({
      setRouteStopped: (stopped) => (stopped ? router.disableRoute(intentRoute) : router.enableRoute(intentRoute)),
      setConsumerStopped: async (stopped) => (stopped ? eventSource.stop() : eventSource.start()),
    });
    const killSwitch = createKillSwitchHandler(
      () => ({
        ...stores,
        controlPlane,
        pager: { page: async (p) => void pages.push(p) },
        clock,
        cancelAll: cancelAllFrom(orderDeps, 'kill-switch'),
        startRecovery: startRecoveryWith(localBreaker),
        approvals: new LocalBreakerApprovals(localBreaker),
        telemetry,
        logger,
      }),
      { principalFrom: 'header' },
    );
    if (options.apiPort !== undefined) {
      api = await startLocalApi((event) => killSwitch(event), options.apiPort);
      options.onApiReady?.(api.url);
      options.onProgress?.(`kill-switch API on ${api.url} (principal from the X-Principal header): POST /kill-switch, POST /kill-switch/release, POST /breaker/approve, POST /breaker/reject, GET /status?account=${account}`);
    }

    const strategyOptions = { seed, symbols: symbols.map((s) => s.symbol) };
    const strategy = scenario === 'runaway' && !options.strategyPath ? createRunaway(strategyOptions) : await loadStrategy(options.strategyPath, strategyOptions);
    // The run's clock starts once everything is up: --duration is market time, not JVM start-up time.
    const started = Date.now();
    options.onProgress?.(`ready in ${((started - setupStarted) / 1000).toFixed(1)} s: table ${tableName}, queue ${queueUrl}`);
    const host = new StrategyHost({
      strategy,
      account,
      runId: `r${seed}-${started.toString(36)}`,
      bus: router,
      clock,
      telemetry,
      intentRate: config.strategyHost?.runawayGuard ?? DEFAULT_RUNAWAY_GUARD,
    });

    // The feed's heartbeat, and the dead-man switch that watches it and the marks every second (every
    // minute in AWS): a stale feed cancels the open orders and raises a FEED_STALE breach.
    const FEED_ID = 'local-feed';
    const heartbeat = () => stores.marketDataStore.putFeedHeartbeat(FEED_ID, new Date(clock.now()).toISOString());
    await heartbeat();
    const deadMan = createDeadManSwitch({
      ...stores,
      bus: router,
      cancelAll: cancelAllFrom(orderDeps, 'dead-man-switch', 'feed stale'),
      clock,
      accounts: [account],
      // feed-stall: a 5 s heartbeat limit (the local feed beats every second) so the run shows the trip soon.
      config: resolveDeadManSwitchConfig(scenario === 'feed-stall' ? { ...config.deadManSwitch, maxHeartbeatAgeSeconds: FEED_STALL_HEARTBEAT_LIMIT_S } : config.deadManSwitch),
      riskLimits: config.riskLimits,
      telemetry,
    });
    let deadManStale = 0;
    let lastBeat = Date.now();
    let watching: Promise<unknown> = Promise.resolve();

    // Marks are conflated to at most one write per symbol per second, as the feed task will do.
    const lastMarkWrite = new Map<string, number>();
    let stoppedBy: LocalReport['stoppedBy'] = 'duration';
    const progress = () =>
      options.onProgress?.(
        `t=${((Date.now() - started) / 1000).toFixed(0)}s intents=${host.intentIds.length} approved=${approved} ` +
          `denied=${Object.values(denied).reduce((a, b) => a + b, 0)} fills=${router.published.get(DETAIL_TYPES.FillApplied) ?? 0}`,
      );
    let lastProgress = Date.now();
    // Scheduled reconciliation, one run at a time, beside the trading loop (it settles in-flight orders and
    // applies the broker's view of every live order, as the one-minute schedule does in AWS).
    let lastReconcile = Date.now();
    let scheduled: Promise<unknown> = Promise.resolve();
    let reconciling = false;
    while (Date.now() - started < options.durationMs) {
      if (options.signal?.aborted) {
        stoppedBy = 'signal';
        break;
      }
      const now = clock.now();
      // feed-stall: the feed task hangs; no ticks, marks, intents or heartbeat from then on. The venue,
      // reconciliation and the dead-man switch (not part of the feed) carry on.
      const feedAlive = scenario !== 'feed-stall' || Date.now() - started < FEED_STALL_AFTER_MS;
      const ticks = feedAlive ? market.step(now) : [];
      // Conflated like the feed: each symbol's mark is written at most once a second, all in one update.
      const due = ticks.filter((tick) => now - (lastMarkWrite.get(tick.symbol) ?? 0) >= 1000);
      for (const tick of due) lastMarkWrite.set(tick.symbol, now);
      await stores.marketDataStore.putMarks(due);
      if (Date.now() - lastBeat >= 1000) {
        lastBeat = Date.now();
        if (feedAlive) await heartbeat();
        // Beside the loop, one check at a time (check() joins a running one); it never throws.
        watching = deadMan.check().then((r) => {
          if (r.stale) deadManStale++;
        });
      }
      broker.advance(); // the venue matches resting orders and the next slices of partial fills
      if (feedAlive) await host.onTicks(ticks);
      if (!reconciling && Date.now() - lastReconcile >= (options.reconcileEveryMs ?? 5000)) {
        reconciling = true;
        lastReconcile = Date.now();
        scheduled = reconcile('scheduled')
          .catch((error: unknown) => errors.push(error))
          .finally(() => (reconciling = false));
      }
      sampleRss();
      if (Date.now() - lastProgress >= (options.progressEveryMs ?? 1000)) {
        lastProgress = Date.now();
        progress();
      }
      await sleep(tickMs);
    }

    // Drain: every intent decided, every queued message consumed, the venue done with every order; then
    // reconcile against the broker until a run is clean (the schedule would run it every minute).
    const drainBegan = Date.now();
    options.onProgress?.('draining: deciding queued intents, consuming the order queue, letting the venue finish');
    await scheduled;
    // The feed stops with the market: its last check finishes, and no check runs against a heartbeat that
    // has stopped on purpose.
    await watching;
    if (!eventSource.isEnabled) {
      // The kill switch stopped the consumer. Locally it runs again for the drain so the queue empties; the
      // trading state (KILLED) blocks every approval at the order function's gate, and the report shows it.
      options.onProgress?.('the kill switch stopped the queue consumer: restarting it to drain (approvals are blocked by the trading state)');
      eventSource.start();
    }
    await router.drain();
    // Generous: under the faults scenario the order queue holds a backlog of broker updates at the end.
    const drainDeadline = Date.now() + 60_000;
    const settled = async () => {
      const live = await stores.orderStore.listOrders(account, ['PENDING', 'SUBMITTED', 'IN_FLIGHT']);
      return live.length === 0 && broker.orders().every((o) => !['accepted', 'partially_filled', 'pending_cancel'].includes(o.status));
    };
    for (let drainStart = Date.now(); Date.now() < drainDeadline; ) {
      broker.advance();
      if (eventSource.idleAfter(drainStart) && (await settled())) break;
      if (eventSource.idleAfter(drainStart)) {
        // Queue empty but orders unsettled: what was handed over to reconciliation needs a run.
        await reconcile('drain');
        drainStart = Date.now();
      }
      await sleep(100);
    }
    await relay.close();
    await api?.close();
    await eventSource.stop();
    await router.drain();
    sampleRss();
    options.onProgress?.(`drained in ${((Date.now() - drainBegan) / 1000).toFixed(1)} s${Date.now() >= drainDeadline ? ' (deadline reached: work left to reconciliation)' : ''}; reconciling`);

    let run = await reconcile('final');
    let finalRuns = 1;
    while (run?.status !== 'clean' && finalRuns < MAX_FINAL_RECONCILIATIONS) {
      await sleep(200);
      run = await reconcile('final');
      finalRuns++;
    }
    // Executions still cooling down or waiting for approval are reported as RUNNING, then stopped: their
    // timers must not keep the process alive, nor their tasks outlive DynamoDB Local.
    const breakerExecutions = localBreaker.executionStatuses();
    await localBreaker.stop();
    const orderDeadLetters = await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    const orderStatuses: Record<string, number> = {};
    for (const o of await stores.orderStore.listOrders(account, ORDER_STATUSES)) orderStatuses[o.status] = (orderStatuses[o.status] ?? 0) + 1;
    const ledger = await stores.reconciliationStore.listPositions(account);
    const positions = Object.fromEntries(ledger.filter((p) => p.quantity !== '0').map((p) => [p.symbol, p.quantity]));
    const valuation = valueLedger(ledger, await stores.marketDataStore.getMarks());
    progress();
    // The halt, measured from the earliest breach that started the breaker (any source) to the moment HALTED
    // or KILLED was durable; not measured when trading was stopped before any breach (a person's kill).
    const firstBreachMs = breachTimes.length > 0 ? Math.min(...breachTimes) : undefined;
    const haltedAtMs = haltObserver.haltedAtMs;
    const brokerOrderList = broker.orders();
    return {
      durationMs: Date.now() - started,
      strategy: strategy.name,
      seed,
      intents: host.intentIds.length,
      approved,
      denied,
      blockedBeforeSubmit: telemetry.countsBy(METRICS.orderBlocked, 'reason'),
      orderStatuses,
      invalidProposals: telemetry.countOf('StrategyProposalInvalid', { strategy: strategy.name }),
      scenario,
      brokerOrders: {
        submitted: broker.submittedOrderCount(),
        submitCalls: broker.submitCalls(),
        duplicates: broker.duplicateOrderCount(),
        faultsInjected: Object.values(broker.faultCount()).reduce((a, b) => a + b, 0),
        lostUpdates: broker.lostUpdateCount(),
      },
      intentsProposed: host.proposed,
      intentsRefusedBySource: host.refused,
      haltLatencyMs: firstBreachMs !== undefined && haltedAtMs !== undefined && haltedAtMs >= firstBreachMs ? haltedAtMs - firstBreachMs : null,
      ordersAfterHalt: haltedAtMs !== undefined ? brokerOrderList.filter((o) => haltObserver.stoppedAt(Date.parse(o.submittedAt))).length : null,
      peakGrossExposure: broker.peakGrossExposure(),
      grossExposureCap: config.riskLimits.exposure.maxGrossNotional,
      fills: telemetry.countOf(METRICS.fillApplied),
      brokerFills: broker.fills().length,
      positions,
      cash: (await stores.reconciliationStore.getBook(account)).cash,
      pnl: { realized: valuation.totals.realizedPnl, unrealized: valuation.totals.unrealizedPnl, unpriced: valuation.unpriced },
      reconciliation: {
        status: run?.status ?? 'failed',
        breaks: run?.breaks.length ?? 1,
        breakKinds: [...new Set((run?.breaks ?? []).map((b) => b.kind))],
        positionsCompared: Object.keys(positions).length,
        runs: finalRuns,
        atStartup: startup?.status ?? 'failed',
      },
      orderDeadLetters: Number(orderDeadLetters.Attributes?.ApproximateNumberOfMessages ?? 0),
      decisionLatencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: percentile(latencies, 100),
        samples: latencies.length,
      },
      breakerExecutions,
      breakerPages: pages.length,
      deadManStaleChecks: deadManStale,
      deadLetters: router.deadLetters.length,
      deadLetterCauses: router.deadLetters.slice(0, 3).map((d) => `${d.route}: ${d.error instanceof Error ? d.error.message : String(d.error)}`),
      peakRssMb: peakRss / (1024 * 1024),
      stoppedBy,
    };
  } finally {
    await api?.close().catch(() => undefined);
    await breaker?.stop().catch(() => undefined);
    await Promise.allSettled([sqs.stop(), dynamo.stop()]);
  }
};
