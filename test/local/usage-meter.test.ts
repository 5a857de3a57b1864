// The usage meter counts what a session asks of AWS at the SDK boundary, per caller, without changing what any
// caller sees; without a meter every hook is the identity.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it, vi } from 'vitest';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
import { createDocumentClient } from '../../adapters/dynamodb/dynamo-table';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { localDynamoClientConfig } from '../../local/dynamodb-local';
import { LocalBreaker } from '../../local/local-breaker';
import { createStandardQueues } from '../../local/sqs-local';
import { emfLine, metered, meteredCheck, meteredLog, meteredStream, startedAsFeed, UsageMeter } from '../../local/usage-meter';
import { keys } from '../../shared/storage/table-definition';
import { useLocalSqs } from '../support/sqs';

describe('usage meter', () => {
  const sqs = useLocalSqs();

  /** A meter attached to a client of its own (middleware stays off the suite's shared client) and a fresh table. */
  const metered$ = async () => {
    const ddb = new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint')));
    const tableName = `meter-${randomBytes(4).toString('hex')}`;
    await createTradingTable(ddb, tableName);
    const queues = await createStandardQueues(sqs.client, `meter-${randomBytes(3).toString('hex')}`);
    const meter = new UsageMeter();
    const telemetry = new InMemoryTelemetry();
    meter.attach({ ddb, sqsClient: sqs.client, queueUrl: 'orders-url', dlqUrl: 'orders-dlq-url', intentQueue: { queueUrl: queues.queueUrl, dlqUrl: queues.dlqUrl } }, telemetry);
    return { ddb, doc: createDocumentClient(ddb), tableName, meter, telemetry, intentQueueUrl: queues.queueUrl };
  };

  it('counts each DynamoDB request with the capacity DynamoDB Local reports, per caller, and hands callers the output they always had', async () => {
    const { ddb, doc, tableName, meter } = await metered$();
    const asRisk = meter.invoke('risk', 'queue', async () => {
      await doc.send(new PutCommand({ TableName: tableName, Item: { ...keys.marks(), 'M#AAPL': { price: '190.00', at: '2026-12-04T14:30:00Z' } } }));
      const read = await doc.send(new GetCommand({ TableName: tableName, Key: keys.marks(), ConsistentRead: true }));
      await doc.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': 'ACCOUNT#a', ':prefix': 'ORDER#' }, ConsistentRead: true }));
      return read;
    });
    const read = await asRisk();
    expect(read.Item?.['M#AAPL']).toBeDefined();
    expect(read.ConsumedCapacity).toBeUndefined();
    // A caller that asks for the capacity still gets it.
    const asked = await ddb.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'MARKET' }, sk: { S: 'MARKS' } }, ReturnConsumedCapacity: 'TOTAL' }));
    expect(asked.ConsumedCapacity?.CapacityUnits).toBe(0.5);

    const usage = meter.snapshot();
    const risk = usage.dynamodb['risk/queue'];
    expect(risk?.requests).toEqual({ PutItem: 1, GetItem: 1, Query: 1 });
    expect(risk?.writeUnits).toBe(1);
    // The empty order-history Query is billed at DynamoDB's minimum, which the emulator does not report.
    expect(risk?.readUnits).toBe(2);
    expect(risk?.flooredRequests).toBe(1);
    expect(risk?.byClass).toMatchObject({ marks: { requests: 2, readUnits: 1, writeUnits: 1 }, orders: { requests: 1, readUnits: 1 } });
    expect(risk?.accesses).toEqual({ 'marks:write:1': 1, 'marks:read:1': 1, 'orders:read:1': 1 });
    // Outside any invocation: the local runtime's own request.
    expect(usage.dynamodb.local?.requests).toEqual({ GetItem: 1 });
  });

  it('counts SQS requests per queue and action, a receive that got nothing as empty, and a chunk per request', async () => {
    const { meter, intentQueueUrl } = await metered$();
    await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: intentQueueUrl, Entries: [{ Id: '1', MessageBody: 'a' }, { Id: '2', MessageBody: 'b' }] }));
    await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: intentQueueUrl, MaxNumberOfMessages: 10 }));
    await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: intentQueueUrl, MaxNumberOfMessages: 10 }));
    expect(meter.snapshot().sqs.intents).toEqual({
      SendMessageBatch: { requests: 1, messages: 2, empty: 0, chunks: 1 },
      ReceiveMessage: { requests: 2, messages: 2, empty: 1, chunks: 2 },
    });
  });

  it("times each invocation, attributes nested work to the inner caller, the feed's timers to the feed and its relay's callbacks to the relay", async () => {
    const meter = new UsageMeter();
    const seen: string[] = [];
    const breaker = meter.invoke('breaker', 'event', async () => void seen.push(meter.caller()));
    let onUpdate: (() => void) | undefined;
    const stream = meteredStream(meter, {
      start: async (handlers) => void (onUpdate = () => void handlers.onUpdate({} as never)),
      close: async () => undefined,
    });
    let tick: Promise<void> | undefined;
    await startedAsFeed(meter, async () => {
      await stream.start({ onUpdate: () => void seen.push(meter.caller()) });
      tick = new Promise((resolve) => setTimeout(() => resolve(void seen.push(meter.caller())), 1));
    });
    await tick;
    await meter.invoke('order', 'queue', async () => {
      seen.push(meter.caller());
      await breaker();
      // The simulated broker emits its update while the order function calls it: the relay's work all the same.
      onUpdate?.();
    })();
    expect(seen).toEqual(['feed', 'order/queue', 'breaker/event', 'feed-relay']);
    const usage = meter.snapshot();
    expect(usage.invocations['order/queue']?.count).toBe(1);
    expect(usage.invocations['breaker/event']?.count).toBe(1);
    expect(usage.invocations['order/queue']?.totalMs).toBeGreaterThanOrEqual(usage.invocations['breaker/event']?.totalMs ?? 0);
  });

  it('counts metric emissions as the EMF lines of the emitting service, the distinct metrics, and log lines with their bytes', async () => {
    const meter = new UsageMeter();
    const telemetry = new InMemoryTelemetry();
    meter.attach({ ddb: new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint'))), sqsClient: sqs.client, queueUrl: 'q', dlqUrl: 'd', intentQueue: { queueUrl: 'i', dlqUrl: 'j' } }, telemetry);
    const lines: string[] = [];
    const log = meter.log({ info: (m) => void lines.push(m), error: (m) => void lines.push(m) });
    await meter.invoke('reconciliation', 'schedule', async () => {
      telemetry.count('ReconciliationBreaks', { account: 'paper-1' }, 0);
      telemetry.count('ReconciliationBreaks', { account: 'paper-1' }, 2);
      log.info('run', { runs: 1 });
    })();
    telemetry.count('Ignored');
    const usage = meter.snapshot();
    const line = emfLine('reconciliation', { metric: 'ReconciliationBreaks', unit: 'Count', value: 0, dimensions: { account: 'paper-1' } });
    expect(JSON.parse(line)).toMatchObject({ service: 'reconciliation', account: 'paper-1', ReconciliationBreaks: 0, _aws: { CloudWatchMetrics: [{ Namespace: 'TradingSafety', Dimensions: [['service', 'account']] }] } });
    expect(usage.emf['reconciliation/schedule']?.lines).toBe(2);
    expect(usage.metrics).toEqual([{ service: 'reconciliation', name: 'ReconciliationBreaks', dimensions: 'account=paper-1', scheduled: true }]);
    expect(usage.logs['reconciliation/schedule']).toEqual({ lines: 1, payloadBytes: 'run'.length + JSON.stringify({ runs: 1 }).length });
    // The inner log still got its line.
    expect(lines).toEqual(['run']);
    expect(telemetry.countOf('ReconciliationBreaks', { account: 'paper-1' })).toBe(2);
  });

  it('counts the state transitions of a local breaker execution, retries included, when asked to', async () => {
    const meter = new UsageMeter();
    const breaker = new LocalBreaker({
      invoke: async () => {
        throw new Error('breaker tasks unavailable');
      },
      waitMs: 0,
      retryIntervalMs: 0,
      onTransition: meter.stateTransition,
    });
    await breaker.start({ breachId: 'meter-1', account: 'paper-1', kind: 'DRAWDOWN', reason: 'test', detectedAt: '2026-12-04T14:30:00.000Z' });
    expect((await breaker.outcome('meter-1')).status).toBe('FAILED');
    await vi.waitFor(() => expect(meter.snapshot().stateTransitions).toBeGreaterThanOrEqual(2));
  });

  it('changes nothing without a meter: every hook hands back what it was given', async () => {
    const handler = async () => 1;
    const log = { info: () => undefined, error: () => undefined };
    const deadMan = { check: async () => ({ checkedAt: 'now', stale: false, reasons: [], accounts: [] }) };
    const stream = { start: async () => undefined, close: async () => undefined };
    expect(metered(undefined, 'risk', 'queue', handler)).toBe(handler);
    expect(meteredLog(undefined, log)).toBe(log);
    expect(meteredCheck(undefined, deadMan)).toBe(deadMan);
    expect(meteredStream(undefined, stream)).toBe(stream);
    expect(await startedAsFeed(undefined, async () => 'started')).toBe('started');
  });
});
