// A local session's wiring: the same handlers as in AWS over DynamoDB Local, the in-process SQS, the route-table
// router and the simulated market and broker, as one object. Building it runs nothing; startPipeline
// then seeds the table, reconciles once and starts the queue consumer, in that order (the local feed brings
// the market data, the strategies and the broker relay).
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createTradingTable } from '../adapters/dynamodb/table-bootstrap';
import { dynamoStores, type TradingStores } from '../adapters/dynamodb/dynamo-stores';
import { TableSeeder } from '../adapters/dynamodb/table-seeder';
import { SqsOrderQueue } from '../adapters/sqs/sqs-order-queue';
import { SimulatedBroker, type SimulatedBrokerState } from '../adapters/broker/simulated-broker';
import { systemClock } from '../adapters/system/system-clock';
import { InMemoryTelemetry } from '../adapters/memory/in-memory-telemetry';
import { createRiskBatchHandler, createRiskHandler, createRiskSweepHandler } from '../functions/risk/handler';
import type { IntentOutcome } from '../shared/risk/risk-service';
import { createOrderHandler } from '../functions/order/handler';
import { createReconciliationHandler } from '../functions/reconciliation/handler';
import { createBreakerHandler } from '../functions/breaker/handler';
import { createKillSwitchHandler } from '../functions/kill-switch/handler';
import { startRecoveryWith } from '../shared/kill-switch/release-trip';
import { createDeadManSwitch, type DeadManSwitch } from '../shared/dead-man-switch/dead-man-switch';
import { resolveDeadManSwitchConfig } from '../shared/dead-man-switch/dead-man-switch-config';
import { resolveBreakerConfig } from '../shared/breaker/breaker-config';
import { armSettingsFor } from '../shared/config/arm-settings';
import { resolveOperatorPolicy } from '../shared/operators/operator-config';
import type { EnvironmentConfig } from '../shared/config/environments';
import { EVENT_ROUTES, INTENT_ROUTE_ID } from '../shared/routing/routes';
import { cancelAllFrom, cancelStrategyFrom } from '../shared/order-service/cancellation';
import { settleAfterRestart } from '../shared/order-service/submission';
import type { Clock } from '../shared/ports/clock';
import type { Log } from '../shared/ports/log';
import type { ReconciliationRecord } from '../shared/ports/reconciliation-store';
import { utcNow } from '../shared/time/utc';
import { BreachRecordingStarter } from './breach-recording-starter';
import { CollectingLog } from './collecting-log';
import { DecisionTally } from './decision-tally';
import { FloodTimeline } from './flood-timeline';
import { localDynamoClientConfig } from './dynamodb-local';
import { LocalEventRouter } from './event-router';
import { HaltObserver } from './halt-observer';
import { LOCAL_API, type ApiHandler } from './local-api';
import { LocalBreaker } from './local-breaker';
import { LocalBreakerApprovals } from './local-breaker-approvals';
import { LocalControlPlane } from './local-control-plane';
import { SimulatedMarket } from './market';
import { RecordingPager } from './recording-pager';
import type { ScenarioProfile } from './scenarios';
import { SqsEventSource } from './sqs-event-source';
import { SubmitCallLog } from './submit-call-log';
import { createFifoQueues, createStandardQueues, localSqsClientConfig } from './sqs-local';
import { LocalIntakeQueue } from './intake-queue';
import { DynamoAuditLog } from '../adapters/dynamodb/dynamo-audit-log';
import { metered, meteredCheck, meteredLog, type UsageMeter } from './usage-meter';
import type { EventBatchBus, EventBus } from '../shared/ports/event-bus';
import type { ChaosInjector } from './chaos';
import { chaosHooks, type ChaosHooks } from './chaos-hooks';

/** Every Wait state of a local breaker execution (cooldown, probation) lasts this long instead of minutes. */
const LOCAL_BREAKER_WAIT_MS = 5_000;
const LOCAL_BREAKER_RETRY_MS = 200;

/** The simulated venue never takes an order late, so "not at the broker" is trusted after 2 s, not 30. */
const IN_FLIGHT_GRACE_MS = 2_000;

export interface LocalInfrastructure {
  ddb: DynamoDBClient;
  sqsClient: SQSClient;
  tableName: string;
  queueUrl: string;
  dlqUrl: string;
  queueArn: string;
  /** The intents' queue on their way to the risk function, and its dead-letter queue. */
  intentQueue: { queueUrl: string; queueArn: string; dlqUrl: string };
}

/**
 * A fresh table and order queue (with its dead-letter queue) for one session. `table` names the table of a
 * --data-dir (stable across its runs); `exists` (--resume) reuses it as the killed run left it.
 */
export const createLocalInfrastructure = async (dynamoEndpoint: string, sqsEndpoint: string, table?: { name: string; exists: boolean }): Promise<LocalInfrastructure> => {
  const ddb = new DynamoDBClient(localDynamoClientConfig(dynamoEndpoint));
  const sqsClient = new SQSClient(localSqsClientConfig(sqsEndpoint));
  const tableName = table?.name ?? `trading-local-${randomBytes(3).toString('hex')}`;
  if (!table?.exists) await createTradingTable(ddb, tableName);
  // A short visibility timeout: a message that must wait (an order in flight) is retried within seconds.
  const { queueUrl, dlqUrl } = await createFifoQueues(sqsClient, 'orders-local', { visibilityTimeoutSeconds: 2 });
  const attrs = await sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = attrs.Attributes?.QueueArn ?? 'arn:aws:sqs:us-east-1:000000000000:orders-local.fifo';
  // Longer than one invocation may decide (its 4 s budget), or a batch still in hand would be delivered again;
  // short enough that a failed one comes back (denied INTENT_EXPIRED by then) before the drain gives up.
  const intentQueue = await createStandardQueues(sqsClient, 'intents-local', { visibilityTimeoutSeconds: 10 });
  return { ddb, sqsClient, tableName, queueUrl, dlqUrl, queueArn, intentQueue };
};

export interface WiringSettings {
  config: EnvironmentConfig;
  account: string;
  seed: number;
  profile: ScenarioProfile;
  startingCash: string;
  /** Epoch ms the session began: keeps its scheduled events' ids apart from another session's. */
  runStamp: number;
  /** False: the strategy hosts run without their runaway guard (--no-source-guard, tests and drills only). */
  sourceGuard?: boolean;
  /** Counts what the session asks of each AWS service (npm run cost, docs/cost.md); absent: nothing is counted. */
  meter?: UsageMeter;
  /** --data-dir: the venue as a killed run left it (resume), and where each change to it is saved. */
  venue?: { state?: SimulatedBrokerState; persist: (state: SimulatedBrokerState) => void };
}

export interface SessionWiring extends LocalInfrastructure {
  settings: WiringSettings;
  clock: Clock;
  stores: TradingStores;
  haltObserver: HaltObserver;
  seeder: TableSeeder;
  market: SimulatedMarket;
  /** Where the simulated venue prices: the simulated market, or the feed's latest prices when the data is real or recorded. */
  prices: { of: (symbol: string) => string | undefined };
  broker: SimulatedBroker;
  /** Every new-order call the order function and reconciliation made to the venue, timed at its start. */
  submitCalls: SubmitCallLog;
  telemetry: InMemoryTelemetry;
  router: LocalEventRouter;
  /** What the functions and the feed publish to: the router, or under chaos the router behind a failing PutEvents. */
  bus: EventBus & EventBatchBus;
  /** The chaos scenario's fault injector (its counts; armed once the pipeline starts, disarmed as the drain begins); absent otherwise. */
  chaos?: ChaosInjector;
  /** What the handlers, the queue consumer and the relay failed with, kept rather than printed. */
  errors: unknown[];
  decisions: DecisionTally;
  /** The creation times of the intents the risk function received: when a flood began. */
  flood: FloodTimeline;
  pager: RecordingPager;
  breaches: BreachRecordingStarter;
  breaker: LocalBreaker;
  eventSource: SqsEventSource;
  /** The intents' queue, read by the risk function ten at a time. */
  intentIntake: LocalIntakeQueue;
  killSwitch: ApiHandler;
  deadMan: DeadManSwitch;
  /** One reconciliation run, started as the schedule's event starts it; the label names it in the event's id. */
  reconcile: (label: string) => Promise<ReconciliationRecord | undefined>;
  /** The risk function's sweep of parked intents, as its schedule starts it: how many it decided. */
  sweepParked: () => Promise<number>;
  /** --resume: settles what the killed process left claimed or queued (before any trading; see settleAfterRestart). */
  settleAfterRestart: () => Promise<{ booked: number; blocked: number; lostClaims: number }>;
}

/** What every handler below is built on. */
interface Core {
  settings: WiringSettings;
  infra: LocalInfrastructure;
  clock: Clock;
  stores: TradingStores;
  broker: SimulatedBroker;
  router: LocalEventRouter;
  bus: EventBus & EventBatchBus;
  telemetry: InMemoryTelemetry;
  logger: Log;
  /** What the order function and every cancel-all (breaker, kill switch, dead-man switch) work with. */
  orderDeps: ReturnType<typeof orderDepsOf>;
  /** Where chaos is let in (each hook the identity but in the chaos scenario). */
  chaos: ChaosHooks;
}

/** The order function's submission lease locally, unless the scenario sets its own (chaos). */
const ORDER_LEASE_MS = 30_000;

const orderDepsOf = (stores: TradingStores, broker: SimulatedBroker, bus: EventBus & EventBatchBus, clock: Clock, telemetry: InMemoryTelemetry, leaseMs = ORDER_LEASE_MS) => ({
  ...stores,
  broker,
  bus,
  clock,
  telemetry,
  leaseMs,
});

/**
 * The risk route: the intents go through their queue to the risk function, ten at a time, each decision's
 * outcome and latency tallied. Returns the intake queue and the function's sweep of parked intents, as its
 * schedule invokes it.
 */
const registerRisk = (c: Core, decisions: DecisionTally, flood: FloodTimeline): { intake: LocalIntakeQueue; sweepParked: SessionWiring['sweepParked'] } => {
  const deps = () => ({
    ...c.stores,
    queue: new SqsOrderQueue(c.infra.sqsClient, c.infra.queueUrl),
    bus: c.bus,
    clock: c.clock,
    telemetry: c.telemetry,
    defaults: c.settings.config.riskLimits,
    accounts: c.settings.config.accounts,
    logger: c.logger,
    onDecided: (outcome: IntentOutcome, latencyMs: number) => decisions.record(outcome, latencyMs),
  });
  // A delivery without the queue (the router's own stand-in) still reaches the same service.
  const risk = metered(c.settings.meter, 'risk', 'event', createRiskHandler(deps));
  c.router.register('risk', async (event) => {
    flood.record(event);
    await risk(event);
  });
  const batch = metered(c.settings.meter, 'risk', 'queue', createRiskBatchHandler(deps));
  const route = EVENT_ROUTES.find((r) => r.id === INTENT_ROUTE_ID);
  const intake = new LocalIntakeQueue({
    client: c.infra.sqsClient,
    ...c.infra.intentQueue,
    batchSize: route?.queue?.batchSize ?? 10,
    concurrency: c.settings.profile.riskConcurrency ?? 4,
    invoke: c.chaos.intakeInvoke((event) => {
      for (const record of event.Records) flood.record(safeJson(record.body));
      return batch(event);
    }),
    onError: (error) => c.logger.error('intent queue consumer failed', { error: error instanceof Error ? error.message : String(error) }),
  });
  c.router.attachQueue(INTENT_ROUTE_ID, intake);
  const sweep = createRiskSweepHandler(deps);
  let runs = 0;
  return { intake, sweepParked: async () => (await sweep(scheduledEvent(`local-risk-sweep-${c.settings.runStamp}-${++runs}`))).swept };
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The circuit breaker: breach events reach the same breaker handler as in AWS, which starts the ASL locally
 * (LocalBreaker) with that handler running its tasks.
 */
const wireBreaker = (c: Core, pager: RecordingPager): { breaker: LocalBreaker; breaches: BreachRecordingStarter } => {
  const { config } = c.settings;
  const breaches = new BreachRecordingStarter((trip) => breaker.start(trip));
  const handler = createBreakerHandler(() => ({
    ...c.stores,
    pager,
    clock: c.clock,
    config: resolveBreakerConfig(config.breaker),
    riskLimits: config.riskLimits,
    cancelAll: cancelAllFrom(c.orderDeps, 'breaker', 'circuit breaker tripped'),
    starter: breaches,
    telemetry: c.telemetry,
    logger: c.logger,
  }));
  const meter = c.settings.meter;
  const breaker = new LocalBreaker({
    invoke: metered(meter, 'breaker', 'state-machine', handler),
    waitMs: c.settings.profile.breakerWaitMs ?? LOCAL_BREAKER_WAIT_MS,
    retryIntervalMs: LOCAL_BREAKER_RETRY_MS,
    ...(meter ? { onTransition: meter.stateTransition } : {}),
  });
  c.router.register('breaker', metered(meter, 'breaker', 'event', (event) => handler(event)));
  return { breaker, breaches };
};

/** The kill switch, as in AWS but with the local hard stop: the router's intent route and the queue consumer. */
const wireKillSwitch = (c: Core, pager: RecordingPager, breaker: LocalBreaker, eventSource: SqsEventSource): ApiHandler => {
  const controlPlane = new LocalControlPlane({
    setRouteStopped: (stopped) => (stopped ? c.router.disableRoute(INTENT_ROUTE_ID) : c.router.enableRoute(INTENT_ROUTE_ID)),
    setConsumerStopped: async (stopped) => (stopped ? eventSource.stop() : eventSource.start()),
  });
  const killSwitch = createKillSwitchHandler(
    () => ({
      ...c.stores,
      controlPlane,
      pager,
      clock: c.clock,
      cancelAll: cancelAllFrom(c.orderDeps, 'kill-switch'),
      startRecovery: startRecoveryWith(breaker),
      approvals: new LocalBreakerApprovals(breaker),
      telemetry: c.telemetry,
      logger: c.logger,
      accounts: c.settings.config.accounts,
      // The local API stands in for API Gateway; its X-Principal names are checked against the same operator policy.
      callers: { operators: resolveOperatorPolicy(c.settings.config), apiId: LOCAL_API.apiId, stage: LOCAL_API.stage },
      arm: { ...armSettingsFor(c.settings.config, c.settings.profile.symbols.map((s) => s.symbol)), marketDataStore: c.stores.marketDataStore },
      flatten: { closeAllPositions: () => c.orderDeps.broker.closeAllPositions(), audit: c.stores.orderStore },
      auditLog: new DynamoAuditLog(c.infra.ddb, c.infra.tableName),
      strategySwitch: { strategySwitchStore: c.stores.strategySwitchStore, cancelStrategyOrders: cancelStrategyFrom(c.orderDeps, 'kill-switch') },
      limits: { limitsStore: c.stores.limitsStore, defaults: c.settings.config.riskLimits },
      reference: { marketDataStore: c.stores.marketDataStore, audit: c.stores.orderStore },
    }),
    { principalFrom: 'header' },
  );
  return (event) => killSwitch(event);
};

/**
 * The dead-man switch that watches the feed's heartbeat and the marks (every second locally, every minute in
 * AWS): a stale feed cancels the open orders and raises a FEED_STALE breach.
 */
const wireDeadMan = (c: Core): DeadManSwitch => {
  const { config, profile, account } = c.settings;
  const overrides = {
    ...(profile.maxHeartbeatAgeSeconds !== undefined ? { maxHeartbeatAgeSeconds: profile.maxHeartbeatAgeSeconds } : {}),
    ...(profile.maxMarkAgeSeconds !== undefined ? { maxMarkAgeSeconds: profile.maxMarkAgeSeconds } : {}),
  };
  return createDeadManSwitch({
    ...c.stores,
    bus: c.bus,
    cancelAll: cancelAllFrom(c.orderDeps, 'dead-man-switch', 'feed stale'),
    clock: c.clock,
    accounts: [account],
    config: resolveDeadManSwitchConfig({ ...config.deadManSwitch, ...overrides }),
    riskLimits: config.riskLimits,
    telemetry: c.telemetry,
  });
};

/** The event an EventBridge schedule delivers, with the given id. */
const scheduledEvent = (id: string) => ({
  version: '0',
  id,
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  region: 'us-east-1',
  resources: [],
  detail: {},
});

/** Reconciliation as the one-minute schedule starts it: a scheduled event with an id of its own per run. */
const scheduledReconciliation = (c: Core): SessionWiring['reconcile'] => {
  const reconciliation = createReconciliationHandler(() => ({
    ...c.stores,
    broker: c.broker,
    bus: c.bus,
    clock: c.clock,
    telemetry: c.telemetry,
    accounts: [c.settings.account],
    inFlightGraceMs: IN_FLIGHT_GRACE_MS,
    logger: c.logger,
  }));
  let runs = 0;
  return async (label) => {
    const records = await reconciliation(scheduledEvent(`local-${label}-${c.settings.runStamp}-${++runs}`));
    return records[0];
  };
};

export const wireSession = (infra: LocalInfrastructure, settings: WiringSettings): SessionWiring => {
  const clock = systemClock;
  const chaos = chaosHooks(settings.profile.chaos, settings.seed);
  const tableStores = dynamoStores(chaos.storageClient(infra.ddb), infra.tableName);
  const haltObserver = new HaltObserver(tableStores.tradingStateStore);
  const stores: TradingStores = { ...tableStores, tradingStateStore: haltObserver };
  const market = new SimulatedMarket({ seed: settings.seed, symbols: settings.profile.symbols });
  const prices = { of: (symbol: string) => market.priceOf(symbol) };
  const broker = new SimulatedBroker({ priceOf: (s) => prices.of(s), clock, seed: settings.seed, startingCash: settings.startingCash, ...settings.profile.broker, ...settings.venue });
  const telemetry = new InMemoryTelemetry();
  settings.meter?.attach(infra, telemetry);
  const router = new LocalEventRouter({ concurrency: 4, ...(settings.profile.riskConcurrency ? { concurrencyByTarget: { risk: settings.profile.riskConcurrency } } : {}) });
  const bus = chaos.bus(router);
  const errors: unknown[] = [];
  const logger = meteredLog(settings.meter, new CollectingLog(errors));
  const submitCalls = new SubmitCallLog();
  const venue = submitCalls.wrap(broker);
  const orderDeps = orderDepsOf(stores, venue, bus, clock, telemetry, settings.profile.orderLeaseMs);
  const c: Core = { settings, infra, clock, stores, broker: venue, router, bus, telemetry, logger, orderDeps, chaos };

  const order = metered(settings.meter, 'order', 'queue', createOrderHandler(() => ({ ...chaos.orderPorts(orderDeps), inFlightGraceMs: IN_FLIGHT_GRACE_MS, logger })));
  // Pages are collected for the report, not sent.
  const pager = new RecordingPager();
  const { breaker, breaches } = wireBreaker(c, pager);
  const decisions = new DecisionTally();
  const flood = new FloodTimeline();
  const { intake: intentIntake, sweepParked } = registerRisk(c, decisions, flood);
  const eventSource = new SqsEventSource({
    client: infra.sqsClient,
    queueUrl: infra.queueUrl,
    queueArn: infra.queueArn,
    waitTimeSeconds: 1,
    // Lambda consumes a FIFO queue with up to one invocation per message group at once.
    concurrency: 4,
    invoke: chaos.orderInvoke((event, requestId) => order(event, { awsRequestId: requestId })),
    onError: (error) => errors.push(error),
  });
  return {
    ...infra,
    settings,
    clock,
    stores,
    haltObserver,
    seeder: new TableSeeder(infra.ddb, infra.tableName),
    market,
    prices,
    broker,
    submitCalls,
    telemetry,
    router,
    bus,
    ...(chaos.injector ? { chaos: chaos.injector } : {}),
    errors,
    decisions,
    flood,
    pager,
    breaches,
    breaker,
    eventSource,
    intentIntake,
    killSwitch: metered(settings.meter, 'kill-switch', 'api', wireKillSwitch(c, pager, breaker, eventSource)),
    deadMan: meteredCheck(settings.meter, wireDeadMan(c)),
    reconcile: metered(settings.meter, 'reconciliation', 'schedule', scheduledReconciliation(c)),
    sweepParked: metered(settings.meter, 'risk', 'schedule', sweepParked),
    settleAfterRestart: () => settleAfterRestart({ ...orderDeps, workerId: `local-restart-${settings.runStamp}`, inFlightGraceMs: IN_FLIGHT_GRACE_MS }, settings.account, `local-restart-${settings.runStamp}`),
  };
};

/**
 * Seeds the table (trading ACTIVE, the reference data, the starting cash; the feed writes the marks),
 * reconciles once as the feed task does at start-up (nothing trades on a table that disagrees with the
 * broker), then starts the queue consumer. Returns the start-up reconciliation.
 */
export const startPipeline = async (w: SessionWiring, options: { resume?: boolean } = {}): Promise<ReconciliationRecord | undefined> => {
  const { account, profile, startingCash } = w.settings;
  const nowIso = utcNow(w.clock.now());
  // A resumed table keeps its trading state (a halt survives the crash), its reference data and its cash.
  if (!options.resume) {
    await w.seeder.putTradingState(account, 'ACTIVE', 'local-bootstrap', nowIso);
    await w.stores.marketDataStore.putReference(profile.reference);
    await w.seeder.depositCash(account, startingCash, nowIso);
  }
  const startup = await w.reconcile('startup');
  // Chaos (if any) starts with the trading, not with the set-up above.
  w.chaos?.arm();
  w.intentIntake.start();
  w.eventSource.start();
  return startup;
};
