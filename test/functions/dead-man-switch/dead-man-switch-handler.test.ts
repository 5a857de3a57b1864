// Specification of the dead-man-switch function (the dead-man switch on its one-minute schedule) against DynamoDB
// Local and the simulated broker: a stale feed cancels the account's open orders through the order service
// and raises FEED_STALE; bad input is refused, naming the field; a step that failed fails the invocation.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { createDeadManSwitchHandler, type DeadManSwitchHandlerDeps } from '../../../functions/dead-man-switch/handler';
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import type { EventBus } from '../../../shared/ports/event-bus';
import { METRICS } from '../../../shared/telemetry/metrics';
import { DEAD_MAN_SWITCH_ACTOR } from '../../../shared/dead-man-switch/dead-man-switch';
import { resolveDeadManSwitchConfig } from '../../../shared/dead-man-switch/dead-man-switch-config';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { cancelAllFrom } from '../../../shared/order-service/cancellation';
import { recordApproval } from '../../support/approvals';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, RecordingBus, scanAll, scheduledEvent, silentLogger, testLimits } from '../../support/fixtures';

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let seeder: TableSeeder;
let bus: RecordingBus;
let clock: ManualClock;
let telemetry: InMemoryTelemetry;

beforeEach(async () => {
  ({ client, tableName, stores, seeder } = await freshStores());
  bus = new RecordingBus();
  clock = new ManualClock();
  telemetry = new InMemoryTelemetry();
  const now = new Date(clock.now()).toISOString();
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', now);
  await stores.marketDataStore.putFeedHeartbeat('feed-1', now);
  await seeder.putMark('AAPL', '100', now);
});

const handler = (over: Partial<DeadManSwitchHandlerDeps> = {}) => {
  const broker = new SimulatedBroker({ priceOf: () => '100', clock, seed: 1 });
  return createDeadManSwitchHandler(() => ({
    ...stores,
    bus,
    cancelAll: cancelAllFrom({ ...stores, broker, bus, clock, telemetry, leaseMs: 10_000 }, DEAD_MAN_SWITCH_ACTOR, 'feed stale'),
    clock,
    accounts: [ACCOUNT],
    config: resolveDeadManSwitchConfig(undefined),
    riskLimits: testLimits(),
    telemetry,
    logger: silentLogger,
    ...over,
  }));
};

describe('the dead-man-switch function', () => {
  it('refuses an event that is not the schedule, naming the field and counting it', async () => {
    const error = await handler()({ ...scheduledEvent(), source: 'trading.feed' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('source');
    expect(telemetry.countOf(METRICS.invalidInput, { function: 'dead-man-switch', field: 'source' })).toBe(1);
  });

  it('does nothing while the heartbeat and the marks are fresh', async () => {
    await recordApproval(stores.riskStore, 'o-1');
    await expect(handler()(scheduledEvent())).resolves.toMatchObject({ stale: false });
    expect(await stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'PENDING' });
    expect(bus.events).toEqual([]);
  });

  it('cancels the open orders through the order service and raises FEED_STALE once the heartbeat is 15 s and 1 ms old', async () => {
    await recordApproval(stores.riskStore, 'o-1');
    clock.advance(15_001);
    const result = await handler()(scheduledEvent());
    expect(result.accounts[0]).toMatchObject({ stale: true, breach: 'published', cancel: 'done', canceled: { canceledLocally: 1 } });
    expect(await stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'CANCELED' });
    expect(bus.ofType('RiskBreach.v1').map((e) => [e.source, (e.detail as { data: { breachId: string } }).data.breachId])).toEqual([
      ['trading.dead-man-switch', 'FEED_STALE.acct-1.HB20261123T150000Z'],
    ]);
    const cancelAudit = (await scanAll(client, tableName)).find((i) => (i.kind as { S?: string } | undefined)?.S === 'CANCEL_ALL_REQUESTED');
    expect(cancelAudit).toMatchObject({ actor: { S: 'dead-man-switch' } });
  });

  it('fails the invocation when a step failed (the breach could not be published), after cancelling', async () => {
    await recordApproval(stores.riskStore, 'o-1');
    clock.advance(60_000);
    const failing: EventBus = { publish: () => Promise.reject(new InfrastructureError('PutEvents failed', 'eventbridge')) };
    const error = await handler({ bus: failing })(scheduledEvent()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toMatch(/acct-1: breach: PutEvents failed/);
    expect(await stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'CANCELED' });
  });
});
