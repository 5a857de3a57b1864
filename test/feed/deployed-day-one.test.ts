// A deployed environment's first day on an empty table, with nothing but what the deployed parts write: the
// feed task (the bundle, as its container runs it) writes marks, its heartbeat and the reference data; the
// reconciliation function brings the account up HALTED and syncs its cash from the broker; a person arms it
// through the kill-switch API; then the risk function approves an intent the feed's own strategy published.
// No seeder touches the table: the intent path depends on nothing only the local session writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlpacaBroker } from '../../adapters/broker/alpaca/alpaca-broker';
import { alpacaCredentials } from '../../adapters/broker/alpaca/credentials';
import { dynamoStores, type TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { SqsOrderQueue } from '../../adapters/sqs/sqs-order-queue';
import { systemClock } from '../../adapters/system/system-clock';
import { createKillSwitchHandler } from '../../functions/kill-switch/handler';
import { createReconciliationHandler } from '../../functions/reconciliation/handler';
import { createRiskHandler } from '../../functions/risk/handler';
import { armSettingsFor } from '../../shared/config/arm-settings';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { resolveOperatorPolicy } from '../../shared/operators/operator-config';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { dynamoClient, freshTable } from '../support/dynamo';
import { dailyBar } from '../support/fake-alpaca';
import { FeedTaskHarness, SYMBOLS, until } from '../support/feed-task-harness';
import { RecordingBus, scanAll, silentLogger } from '../support/fixtures';
import { postEvent, quietKillSwitchDeps, TEST_API } from '../support/kill-switch-api';

const DEV = loadEnvironmentConfig('dev');
const ACCOUNT = DEV.accounts[0] as string;

let harness: FeedTaskHarness;
let tableName: string;
let stores: TradingStores;

/** The last `days` weekdays before today (UTC), oldest first. */
const pastWeekdays = (days: number): string[] => {
  const dates: string[] = [];
  for (let ms = Date.now() - 86_400_000; dates.length < days; ms -= 86_400_000) {
    const day = new Date(ms).getUTCDay();
    if (day !== 0 && day !== 6) dates.unshift(new Date(ms).toISOString().slice(0, 10));
  }
  return dates;
};


beforeAll(async () => {
  harness = await FeedTaskHarness.start();
  ({ tableName } = await freshTable());
  stores = dynamoStores(dynamoClient(), tableName);
  for (const symbol of SYMBOLS) harness.alpaca.bars.set(symbol, pastWeekdays(25).map((date) => dailyBar(date, 1_000_000)));
}, 120_000);

afterAll(() => harness?.close());

describe('a deployed environment’s first day', () => {
  it('trades from an empty table once the feed runs, the account is brought up and a person arms it', { timeout: 180_000 }, async () => {
    expect(await scanAll(dynamoClient(), tableName)).toEqual([]);
    const feed = harness.spawnTask(tableName);
    await until('the feed to be ready', async () => ((await harness.get(feed, '/ready')).status === 200 ? true : undefined));
    // The reference refresh and the first marks flush race each other: wait for both.
    const snapshot = await until('the reference data and the marks', async () => {
      const read = await stores.riskStore.loadRiskSnapshot(ACCOUNT, 'sample-momentum', 'probe');
      return SYMBOLS.every((symbol) => read.reference[symbol]?.adv === '1000000' && read.marks[symbol]) ? read : undefined;
    });
    expect(Object.keys(snapshot.marks).sort()).toEqual([...SYMBOLS].sort());
    expect(snapshot.reference.AAPL).toEqual({ adv: '1000000', sector: 'TECHNOLOGY' });

    // The reconciliation function's start-up run: the account's cash is taken from the broker; it has no trading state yet.
    const broker = new AlpacaBroker({ baseUrl: harness.alpaca.restUrl, credentials: alpacaCredentials(harness.alpaca.keyId, harness.alpaca.secretKey) });
    const reconcile = createReconciliationHandler(() => ({ ...stores, broker, bus: new RecordingBus(), clock: systemClock, telemetry: new InMemoryTelemetry(), accounts: [ACCOUNT], logger: silentLogger }));
    const [run] = await reconcile({});
    expect(run).toMatchObject({ status: 'clean' });
    await expect(stores.tradingStateStore.getTradingState(ACCOUNT)).resolves.toBeUndefined();

    // A person arms it through the kill-switch API.
    const api = createKillSwitchHandler(() =>
      quietKillSwitchDeps(stores, {
        clock: systemClock,
        accounts: [ACCOUNT],
        // As deployed in dev: no operator list, so any person of the API's account may act.
        callers: { operators: resolveOperatorPolicy(DEV), apiId: TEST_API.apiId, stage: TEST_API.stage },
        // The session check is the risk function's; here every market counts as open so the test runs at any hour.
        arm: { ...armSettingsFor(DEV), isOpen: () => true, marketDataStore: stores.marketDataStore },
      }),
    );
    const armed = await api(postEvent('/arm', { account: ACCOUNT, reason: 'first day: feed ready, reconciliation clean' }));
    expect(JSON.parse(armed.body)).toMatchObject({ outcome: 'armed', state: 'ACTIVE' });

    // The next intent the feed's strategy publishes reaches the risk function as EventBridge delivers it.
    const armedAt = harness.aws.entries.length;
    const entry = await until('an intent after arming', () => harness.aws.entries.slice(armedAt).find((e) => e.DetailType === DETAIL_TYPES.OrderIntended));
    const risk = createRiskHandler(() => ({
      ...stores,
      queue: new SqsOrderQueue(harness.sqsClient, harness.queueUrl),
      bus: new RecordingBus(),
      clock: systemClock,
      telemetry: new InMemoryTelemetry(),
      // As in dev, but every market open: whether XNYS is in session depends on when the test runs.
      defaults: { ...DEV.riskLimits, sessions: { defaultMarket: 'CRYPTO', bySymbol: {} } },
      logger: silentLogger,
    }));
    const event = { version: '0', id: 'eb-1', 'detail-type': entry.DetailType, source: entry.Source, account: '123456789012', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: JSON.parse(entry.Detail) as unknown };
    await expect(risk(event)).resolves.toMatchObject({ outcome: 'approved' });

    feed.child.kill('SIGTERM');
    await expect(feed.exited).resolves.toBe(0);
  });
});
