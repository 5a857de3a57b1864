// Per-test wiring shared by the handler tests: an in-process SQS for the file, and for each test a fresh
// table, FIFO queue, stores and their seeder, recording bus, telemetry and manual clock, with trading ACTIVE,
// an AAPL mark and reference data, and cash in the account.
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { dynamoStores, type TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import { TableSeeder } from '../../adapters/dynamodb/table-seeder';
import { createFifoQueues, localSqsClientConfig, startLocalSqs } from '../../local/sqs-local';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { SqsOrderQueue } from '../../adapters/sqs/sqs-order-queue';
import { createRiskBatchHandler, createRiskHandler, createRiskSweepHandler, type RiskHandlerDeps } from '../../functions/risk/handler';
import { freshTable } from './dynamo';
import { ACCOUNT, ManualClock, RecordingBus, silentLogger } from './fixtures';

export interface PipelineFixture {
  sqsClient: SQSClient;
  client: DynamoDBClient;
  tableName: string;
  stores: TradingStores;
  seeder: TableSeeder;
  queueUrl: string;
  bus: RecordingBus;
  telemetry: InMemoryTelemetry;
  clock: ManualClock;
}

export const usePipelineFixture = (): PipelineFixture => {
  const fixture = {} as PipelineFixture;
  let stopSqs: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const sqs = await startLocalSqs();
    stopSqs = sqs.stop;
    fixture.sqsClient = new SQSClient(localSqsClientConfig(sqs.endpoint));
  });
  afterAll(async () => {
    await stopSqs?.();
  });
  beforeEach(async () => {
    const { client, tableName } = await freshTable();
    Object.assign(fixture, {
      client,
      tableName,
      stores: dynamoStores(client, tableName),
      seeder: new TableSeeder(client, tableName),
      queueUrl: (await createFifoQueues(fixture.sqsClient, `orders-${tableName}`)).queueUrl,
      bus: new RecordingBus(),
      telemetry: new InMemoryTelemetry(),
      clock: new ManualClock(),
    });
    await fixture.seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
    await fixture.seeder.putMark('AAPL', '100', '2026-11-23T14:59:59.000Z');
    await fixture.stores.marketDataStore.putReference({ AAPL: { adv: '50000000', sector: 'TECHNOLOGY' } });
    await fixture.seeder.depositCash(ACCOUNT, '1000000', '2026-11-23T14:00:00.000Z');
  });
  return fixture;
};

/** Receives and deletes until the queue is empty (a FIFO group hands out its next message once the last is gone). */
export const drainQueue = async (f: Pick<PipelineFixture, 'sqsClient' | 'queueUrl'>): Promise<Message[]> => {
  const messages: Message[] = [];
  for (;;) {
    const out = await f.sqsClient.send(
      new ReceiveMessageCommand({ QueueUrl: f.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    if (!out.Messages?.length) return messages;
    for (const m of out.Messages) await f.sqsClient.send(new DeleteMessageCommand({ QueueUrl: f.queueUrl, ReceiptHandle: m.ReceiptHandle }));
    messages.push(...out.Messages);
  }
};

const riskDeps = (f: PipelineFixture, over: Partial<RiskHandlerDeps> & Pick<RiskHandlerDeps, 'defaults'>): RiskHandlerDeps => ({
  ...f.stores,
  queue: new SqsOrderQueue(f.sqsClient, f.queueUrl),
  bus: f.bus,
  clock: f.clock,
  telemetry: f.telemetry,
  logger: silentLogger,
  ...over,
});

/** The risk handler on the fixture's table, queue, bus, clock and telemetry, read at each call (they change per test). */
export const pipelineRisk = (f: PipelineFixture, over: Partial<RiskHandlerDeps> & Pick<RiskHandlerDeps, 'defaults'>) => createRiskHandler(() => riskDeps(f, over));

/** The risk function as the intake queue invokes it (a batch of SQS records), on the same wiring. */
export const pipelineRiskBatch = (f: PipelineFixture, over: Partial<RiskHandlerDeps> & Pick<RiskHandlerDeps, 'defaults'>) => createRiskBatchHandler(() => riskDeps(f, over));

/** The risk function's scheduled sweep of parked intents on the same wiring, for the given accounts. */
export const pipelineRiskSweep = (f: PipelineFixture, accounts: readonly string[], over: Partial<RiskHandlerDeps> & Pick<RiskHandlerDeps, 'defaults'>) =>
  createRiskSweepHandler(() => ({ ...riskDeps(f, over), accounts }));

