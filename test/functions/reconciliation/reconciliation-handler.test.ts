// The reconciliation function against DynamoDB Local and the simulated broker's independent book.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { createReconciliationHandler } from '../../../functions/reconciliation/handler';
import { InvalidInputError } from '../../../shared/errors/errors';
import { METRICS } from '../../../shared/telemetry/metrics';
import { freshStores } from '../../support/dynamo';
import { executeIntent } from '../../support/execute-intent';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { ACCOUNT, ManualClock, RecordingBus, scanAll, scheduledEvent, silentLogger } from '../../support/fixtures';

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let seeder: TableSeeder;
let broker: SimulatedBroker;
let bus: RecordingBus;
let telemetry: InMemoryTelemetry;

beforeEach(async () => {
  ({ client, tableName, stores, seeder } = await freshStores());
  const clock = new ManualClock();
  broker = new SimulatedBroker({ priceOf: () => '50', clock, seed: 1 });
  bus = new RecordingBus();
  telemetry = new InMemoryTelemetry();
});

const handler = () =>
  createReconciliationHandler(() => ({ ...stores, broker, bus, clock: new ManualClock(), telemetry, accounts: [ACCOUNT], logger: silentLogger }));

describe('reconciliation function', () => {
  it('never writes the trading state: a new account stays without one (every intent denied) and a stored state is left alone', async () => {
    await handler()(scheduledEvent());
    await expect(stores.tradingStateStore.getTradingStateRecord(ACCOUNT)).resolves.toEqual({ state: undefined });
    await seeder.putTradingState(ACCOUNT, 'KILLED', 'arn:aws:iam::1:user/alice', '2026-11-23T15:00:00.000Z');
    await handler()(scheduledEvent('sched-2'));
    await expect(stores.tradingStateStore.getTradingState(ACCOUNT)).resolves.toBe('KILLED');
  });

  it('reports a clean run when the broker and the table agree', async () => {
    await executeIntent({ stores, seeder }, broker, 'c1', { symbol: 'AAPL', quantity: '5' });
    await executeIntent({ stores, seeder }, broker, 'c2', { symbol: 'MSFT', side: 'sell', quantity: '2.5' });
    const [run] = await handler()(scheduledEvent());
    // The first run adopts the broker's cash (the table had none deposited) without a break.
    expect(run).toMatchObject({ status: 'clean', breaks: [], ordersCompared: 0, adopted: 0, settled: 0, cash: { broker: '999875', local: '-125' } });
    expect(bus.ofType('ReconciliationCompleted.v1')).toHaveLength(1);
    expect(bus.ofType('ReconciliationBreak.v1')).toHaveLength(0);
  });

  it('publishes a break for a position the broker holds and the table does not', async () => {
    await broker.submitOrder({ clientOrderId: 'c2', symbol: 'MSFT', side: 'sell', quantity: '3', orderType: 'market', timeInForce: 'day' });
    const [run] = await handler()(scheduledEvent());
    expect(run).toMatchObject({ status: 'breaks', breaks: [expect.objectContaining({ symbol: 'MSFT', brokerQuantity: '-3', localQuantity: '0' })] });
    expect(bus.ofType('ReconciliationBreak.v1')).toHaveLength(1);
    expect(telemetry.countOf(METRICS.reconciliationBreaks, { account: ACCOUNT })).toBe(1);
  });

  it('never reads an unreachable broker as flat: the run fails with a BROKER_UNREACHABLE break', async () => {
    await executeIntent({ stores, seeder }, broker, 'c1', { symbol: 'AAPL', quantity: '5' });
    broker.setUnavailable(true);
    const [run] = await handler()(scheduledEvent());
    expect(run).toMatchObject({ status: 'failed', breaks: [expect.objectContaining({ kind: 'BROKER_UNREACHABLE' })] });
    expect(bus.ofType('ReconciliationBreak.v1')).toHaveLength(1);
  });

  it('runs at start-up when the deployment trigger invokes it with an empty payload', async () => {
    await executeIntent({ stores, seeder }, broker, 'c1', { symbol: 'AAPL', quantity: '5' });
    const [run] = await handler()({}, { awsRequestId: 'deploy-1' });
    expect(run).toMatchObject({ status: 'clean', breaks: [] });
    expect(bus.ofType('ReconciliationCompleted.v1')).toHaveLength(1);
  });

  it('rejects an event that is not a scheduled event, naming the field, and writes nothing', async () => {
    const before = await scanAll(client, tableName);
    const error = await handler()({ ...scheduledEvent(), source: 'trading.feed' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/source: must be aws\.events/);
    expect(telemetry.countOf(METRICS.invalidInput, { function: 'reconciliation', field: 'source' })).toBe(1);
    expect(await scanAll(client, tableName)).toEqual(before);
  });
});
