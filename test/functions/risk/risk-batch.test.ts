// The risk function as the intake queue invokes it: ten intents a batch, each account's taken together,
// against DynamoDB Local and the in-process SQS.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toSqsEvent } from '../../../local/sqs-event-source';
import { intentBucketStart } from '../../../shared/risk/intent-flood';
import { INTENT_COUNT_ACCOUNT, keys } from '../../../shared/storage/table-definition';
import { METRICS } from '../../../shared/telemetry/metrics';
import { ACCOUNT, intendedEvent, intentFor, testLimits } from '../../support/fixtures';
import { drainQueue, pipelineRiskBatch, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:intents';

const batchOf = (bodies: readonly (EventBridgeEvent<string, unknown> | string)[], sentAtMs?: number) =>
  toSqsEvent(
    bodies.map((body, i): Message => ({
      MessageId: `m-${i}`,
      ReceiptHandle: `r-${i}`,
      Body: typeof body === 'string' ? body : JSON.stringify(body),
      ...(sentAtMs !== undefined ? { Attributes: { SentTimestamp: String(sentAtMs) } } : {}),
    })),
    QUEUE_ARN,
  );

const intents = (prefix: string, n: number, over: Parameters<typeof intentFor>[1] = {}) =>
  Array.from({ length: n }, (_, i) => intendedEvent(intentFor(`${prefix}-${i}`, { quantity: String(i + 1), ...over })));

const accountCount = async (createdAt: string): Promise<number> => {
  const out = await f.client.send(
    new GetItemCommand({ TableName: f.tableName, Key: { pk: { S: keys.intentCount(ACCOUNT, 0).pk }, sk: { S: String(intentBucketStart(Date.parse(createdAt), f.clock.now())) } }, ConsistentRead: true }),
  );
  return Number(out.Item?.[INTENT_COUNT_ACCOUNT]?.N ?? 0);
};

describe('risk function, intake queue batches', () => {
  it('decides a batch of ten intents of one account together: every one decided, counted ten in one write', async () => {
    const risk = pipelineRiskBatch(f, { defaults: testLimits({ orderRate: { maxOrders: 4, windowMs: 1000, perSymbol: { maxOrders: 4, windowMs: 1000 } } }) });
    const batch = intents('b', 10);
    await expect(risk(batchOf(batch))).resolves.toEqual({ batchItemFailures: [] });
    expect(f.bus.ofType('OrderApproved.v1')).toHaveLength(4);
    expect(f.bus.ofType('OrderDenied.v1').map((e) => (e.detail as { data: { reason: string } }).data.reason)).toEqual(Array(6).fill('RATE_LIMIT_EXCEEDED'));
    expect(await drainQueue(f)).toHaveLength(4);
    expect(await accountCount(intentFor('x').createdAt)).toBe(10);
  });

  it('reports a malformed record failed, names its field, and decides the rest', async () => {
    const risk = pipelineRiskBatch(f, { defaults: testLimits() });
    const [good] = intents('g', 1);
    const wrongField = { ...intendedEvent(intentFor('w-1')), 'detail-type': 'OrderApproved.v1' };
    const result = await risk(batchOf([good!, '{not json', wrongField]));
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['m-1', 'm-2']);
    expect(f.bus.ofType('OrderApproved.v1')).toHaveLength(1);
    expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'risk', field: 'body' })).toBe(1);
    expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'risk', field: 'body.detail-type' })).toBe(1);
  });

  it('fails only the records of an account whose intents could not be taken; the other account is decided', async () => {
    const other = 'paper-9';
    const intake = f.stores.decisionIntake;
    const risk = pipelineRiskBatch(f, {
      defaults: testLimits(),
      decisionIntake: { ...intake, acquire: (account, ...rest) => (account === other ? Promise.reject(new Error('throttled')) : intake.acquire(account, ...rest)), park: (...a) => intake.park(...a), parked: (...a) => intake.parked(...a), unpark: (...a) => intake.unpark(...a), release: (...a) => intake.release(...a), notifyHolder: (...a) => intake.notifyHolder(...a) },
    });
    const mine = intendedEvent(intentFor('a-1'));
    const theirs = intendedEvent(intentFor('o-1'), other);
    const result = await risk(batchOf([theirs, mine]));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(f.bus.ofType('OrderApproved.v1').map((e) => (e.detail as { data: { intent: { intentId: string } } }).data.intent.intentId)).toEqual(['a-1']);
  });

  it('counts a flood within one batch: the intent one past the maximum raises the breach once, it and those after it are denied INTENT_FLOOD', async () => {
    const risk = pipelineRiskBatch(f, { defaults: testLimits({ intentFlood: { maxPerStrategyPerSecond: 5, maxPerAccountPerSecond: 8 } }) });
    await risk(batchOf(intents('f', 3)));
    expect(f.bus.ofType('RiskBreach.v1')).toHaveLength(0);
    await risk(batchOf(intents('g', 10, { quantity: '1' })));
    const denied = f.bus.ofType('OrderDenied.v1').map((e) => (e.detail as { data: { intent: { intentId: string }; reason: string } }).data);
    // Places 4 and 5 are within the maximum; the third intent of the batch is the sixth counted.
    expect(denied.filter((d) => d.reason === 'INTENT_FLOOD').map((d) => d.intent.intentId)).toEqual(['g-2', 'g-3', 'g-4', 'g-5', 'g-6', 'g-7', 'g-8', 'g-9']);
    const breaches = f.bus.ofType('RiskBreach.v1').map((e) => (e.detail as { data: { breachId: string; kind: string } }).data);
    expect(new Set(breaches.map((b) => b.breachId)).size).toBe(1);
    expect(breaches[0]?.kind).toBe('INTENT_FLOOD');
  });

  it('decides an intent delivered twice in one batch once: the second is a replay of the first', async () => {
    const risk = pipelineRiskBatch(f, { defaults: testLimits() });
    const event = intendedEvent(intentFor('twice'));
    await expect(risk(batchOf([event, event]))).resolves.toEqual({ batchItemFailures: [] });
    expect(await drainQueue(f)).toHaveLength(1);
    expect(f.telemetry.countOf(METRICS.decision, { outcome: 'approved', reason: 'NONE' })).toBe(1);
  });

  it('denies INTENT_EXPIRED an intent that waited in the queue longer than the intake allows, and decides one that just did not', async () => {
    const risk = pipelineRiskBatch(f, { defaults: testLimits() });
    await risk(batchOf([intendedEvent(intentFor('late'))], f.clock.now() - 5_001));
    await risk(batchOf([intendedEvent(intentFor('in-time', { quantity: '3' }))], f.clock.now() - 4_000));
    const denied = f.bus.ofType('OrderDenied.v1').map((e) => (e.detail as { data: { intent: { intentId: string }; reason: string } }).data);
    expect(denied).toEqual([expect.objectContaining({ intent: expect.objectContaining({ intentId: 'late' }), reason: 'INTENT_EXPIRED' })]);
    expect(f.bus.ofType('OrderApproved.v1')).toHaveLength(1);
  });

  it('denies INTENT_EXPIRED an intent created longer ago than risk decides, however fresh its delivery, and does not count it for the flood limit', async () => {
    const risk = pipelineRiskBatch(f, { defaults: testLimits({ intentFlood: { maxPerStrategyPerSecond: 2, maxPerAccountPerSecond: 2 } }) });
    const at = (ageMs: number) => new Date(f.clock.now() - ageMs).toISOString();
    // A replayed window: three intents of one second, created 5,001 ms ago, delivered now. Counted, they would flood.
    const old = at(5_001);
    await risk(batchOf(['o-1', 'o-2', 'o-3'].map((id) => intendedEvent(intentFor(id, { createdAt: old }))), f.clock.now()));
    await risk(batchOf([intendedEvent(intentFor('just-in-time', { quantity: '3', createdAt: at(5_000) }))], f.clock.now()));
    const denied = f.bus.ofType('OrderDenied.v1').map((e) => (e.detail as { data: { intent: { intentId: string }; reason: string; message: string } }).data);
    expect(denied.map((d) => [d.intent.intentId, d.reason])).toEqual([
      ['o-1', 'INTENT_EXPIRED'],
      ['o-2', 'INTENT_EXPIRED'],
      ['o-3', 'INTENT_EXPIRED'],
    ]);
    expect(denied[0]?.message).toContain('created 5001 ms before its decision');
    expect(f.bus.ofType('OrderApproved.v1')).toHaveLength(1);
    // Only the intent in time was counted (it may fall in the same second as the old ones).
    const sameSecond = intentBucketStart(Date.parse(old), f.clock.now()) === intentBucketStart(Date.parse(at(5_000)), f.clock.now());
    expect(await accountCount(old)).toBe(sameSecond ? 1 : 0);
    expect(f.bus.ofType('RiskBreach.v1')).toHaveLength(0);
  });
});
