// Account-level risk through the real risk and order functions on DynamoDB Local: loss thresholds move the
// stored trading state and raise breaches, fills feed the execution throttle, and a trip holds until a
// named person re-enables trading.
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../../shared/telemetry/metrics';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { createOrderHandler } from '../../../functions/order/handler';
import { toSqsEvent } from '../../../local/sqs-event-source';
import { InvalidInputError } from '../../../shared/errors/errors';
import type { RiskLimits } from '../../../shared/risk/limits';
import { reenableExecution } from '../../../shared/risk/operator-actions';
import { ACCOUNT, intendedEvent, intentFor, scanAll, silentLogger, STRATEGY, testLimits } from '../../support/fixtures';
import { pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
let broker: SimulatedBroker;
beforeEach(() => {
  broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 3 });
});

const risk = (over: Partial<RiskLimits> = {}) =>
  pipelineRisk(f, { defaults: testLimits({ orderRate: { maxOrders: 100, windowMs: 1000, perSymbol: { maxOrders: 100, windowMs: 1000 } }, ...over }) });

const orders = createOrderHandler(() => ({ ...f.stores, broker, bus: f.bus, clock: f.clock, telemetry: f.telemetry, leaseMs: 30_000, logger: silentLogger }));

const receiveOne = async (): Promise<Message> => {
  const out = await f.sqsClient.send(new ReceiveMessageCommand({ QueueUrl: f.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
  const message = out.Messages?.[0];
  if (!message) throw new Error('nothing queued');
  await f.sqsClient.send(new DeleteMessageCommand({ QueueUrl: f.queueUrl, ReceiptHandle: message.ReceiptHandle }));
  return message;
};

/** Approves an intent and runs its queued message through the order function. */
const trade = async (limits: Partial<RiskLimits>, intentId: string, over: Parameters<typeof intentFor>[1] = {}) => {
  await expect(risk(limits)(intendedEvent(intentFor(intentId, over)))).resolves.toMatchObject({ outcome: 'approved' });
  const response = await orders(toSqsEvent([await receiveOne()], 'arn:aws:sqs:us-east-1:000000000000:orders.fifo'), { awsRequestId: intentId });
  expect(response.batchItemFailures).toEqual([]);
};

const auditKinds = async () =>
  (await scanAll(f.client, f.tableName)).map((i) => (i.kind as { S: string } | undefined)?.S).filter((k): k is string => k !== undefined);

describe('account risk through the functions', () => {
  it('trades as WARNING, audited, once the daily loss reaches the warning threshold, and halves the next order without writing the trading state', async () => {
    await expect(risk()(intendedEvent(intentFor('w-1', { quantity: '2' })))).resolves.toMatchObject({ outcome: 'approved' });
    await f.seeder.depositCash(ACCOUNT, '-25000', '2026-11-23T15:00:00.500Z'); // equity falls by the warning threshold
    await expect(risk()(intendedEvent(intentFor('w-2', { quantity: '10' })))).resolves.toMatchObject({ outcome: 'approved' });
    // The trading state is the breaker's and the kill switch's to write: the warning lives on the risk session.
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'w-2')).toMatchObject({ approvedQuantity: '5' });
    const w3 = await risk()(intendedEvent(intentFor('w-3', { quantity: '8' })));
    expect(w3, JSON.stringify(w3)).toMatchObject({ outcome: 'approved' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'w-3')).toMatchObject({ approvedQuantity: '4' });
    expect(await auditKinds()).toContain('LOSS_WARNING_REACHED');
    expect(await auditKinds()).not.toContain('TRADING_STATE_CHANGED');
  });

  it('denies and raises one stable RiskBreach per session once the daily loss reaches the breaker', async () => {
    await expect(risk()(intendedEvent(intentFor('b-1', { quantity: '2' })))).resolves.toMatchObject({ outcome: 'approved' });
    await f.seeder.depositCash(ACCOUNT, '-50000', '2026-11-23T15:00:00.500Z');
    await expect(risk()(intendedEvent(intentFor('b-2')))).resolves.toMatchObject({ outcome: 'denied', reason: 'DAILY_LOSS_LIMIT_BREACHED' });
    await expect(risk()(intendedEvent(intentFor('b-3', { quantity: '3' })))).resolves.toMatchObject({ reason: 'DAILY_LOSS_LIMIT_BREACHED' });
    // A 5% fall from the session peak is also a drawdown breach; each kind keeps one id for the session.
    const breaches = f.bus.ofType('RiskBreach.v1').map((e) => e.detail.data as { breachId: string; kind: string; observed: string }).filter((b) => b.kind === 'DAILY_LOSS');
    expect(breaches.map((b) => b.breachId)).toEqual(['DAILY_LOSS.acct-1.20261123T0000Z', 'DAILY_LOSS.acct-1.20261123T0000Z']);
    expect(breaches[0]?.observed).toBe('50000');
  });

  it('counts fills for the throttle, trips at the limit and stays disabled until a named person re-enables it', async () => {
    const limits = { executionThrottle: { maxFills: 2, windowMs: 10_000, scope: 'strategy' as const } };
    await trade(limits, 't-1', { quantity: '1' });
    await trade(limits, 't-2', { quantity: '2' });
    const snapshot = await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x');
    expect(snapshot.throttle.strategy.fills).toEqual([{ bucketStartMs: f.clock.now(), count: 2 }]);
    expect(snapshot.throttle.account.fills).toEqual([{ bucketStartMs: f.clock.now(), count: 2 }]);

    await expect(risk(limits)(intendedEvent(intentFor('t-3', { quantity: '3' })))).resolves.toMatchObject({ reason: 'EXECUTION_THROTTLE_TRIPPED' });
    // The trip goes out as an event the breaker function pages on, once: later decisions find it disabled.
    expect(f.bus.ofType('ExecutionThrottleTripped.v1').map((e) => e.detail.data)).toEqual([
      { account: ACCOUNT, scope: STRATEGY, fills: 2, intentId: 't-3', trippedAt: new Date(f.clock.now()).toISOString() },
    ]);
    f.clock.advance(60_000); // the fills have long left the window
    const now = () => new Date(f.clock.now()).toISOString();
    await expect(risk(limits)(intendedEvent(intentFor('t-4', { quantity: '4', createdAt: now() })))).resolves.toMatchObject({ reason: 'EXECUTION_THROTTLE_DISABLED' });
    expect(f.bus.ofType('ExecutionThrottleTripped.v1')).toHaveLength(1);
    expect(f.telemetry.countOf(METRICS.executionThrottleTripped, { scope: 'strategy' })).toBe(1);

    await expect(reenableExecution({ ...f.stores, clock: f.clock }, { account: ACCOUNT, strategy: STRATEGY, person: 'x', reason: 'ok' })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(
      reenableExecution({ ...f.stores, clock: f.clock }, { account: ACCOUNT, strategy: STRATEGY, person: 'jane.doe', reason: 'runaway fixed in v1.2.4' }),
    ).resolves.toMatchObject({ outcome: 'reenabled', reenabledBy: 'jane.doe' });
    await f.seeder.putMark('AAPL', '100', '2026-11-23T15:00:59.000Z');
    await expect(risk(limits)(intendedEvent(intentFor('t-5', { quantity: '5', createdAt: now() })))).resolves.toMatchObject({ outcome: 'approved' });
    expect(await auditKinds()).toEqual(expect.arrayContaining(['EXECUTION_THROTTLE_TRIPPED', 'EXECUTION_REENABLED']));
  });

  it('re-enabling what no trip disabled changes nothing', async () => {
    await expect(
      reenableExecution({ ...f.stores, clock: f.clock }, { account: ACCOUNT, strategy: STRATEGY, person: 'jane.doe', reason: 'checking' }),
    ).resolves.toMatchObject({ outcome: 'refused', reason: 'NOT_DISABLED' });
  });

  it('re-enables a trip once: a second re-enable of a scope already re-enabled is refused, writing nothing', async () => {
    const limits = { executionThrottle: { maxFills: 1, windowMs: 10_000, scope: 'strategy' as const } };
    await trade(limits, 'o-1', { quantity: '1' });
    await expect(risk(limits)(intendedEvent(intentFor('o-2', { quantity: '2' })))).resolves.toMatchObject({ reason: 'EXECUTION_THROTTLE_TRIPPED' });
    const reenable = (person: string) => reenableExecution({ ...f.stores, clock: f.clock }, { account: ACCOUNT, strategy: STRATEGY, person, reason: 'looked at it' });
    await expect(reenable('jane.doe')).resolves.toMatchObject({ outcome: 'reenabled' });
    f.clock.advance(1_000);
    await expect(reenable('john.roe')).resolves.toMatchObject({ outcome: 'refused', reason: 'NOT_DISABLED' });
    expect((await auditKinds()).filter((k) => k === 'EXECUTION_REENABLED')).toHaveLength(1);
  });

  it('needs a person other than the one who lifted the previous trip of the same scope', async () => {
    const limits = { executionThrottle: { maxFills: 1, windowMs: 10_000, scope: 'strategy' as const } };
    const reenable = (person: string) => reenableExecution({ ...f.stores, clock: f.clock }, { account: ACCOUNT, strategy: STRATEGY, person, reason: 'looked at it' });
    await trade(limits, 'p-1', { quantity: '1' });
    await expect(risk(limits)(intendedEvent(intentFor('p-2', { quantity: '2' })))).resolves.toMatchObject({ reason: 'EXECUTION_THROTTLE_TRIPPED' });
    f.clock.advance(1_000);
    await expect(reenable('jane.doe')).resolves.toMatchObject({ outcome: 'reenabled' });
    f.clock.advance(1_000);
    await f.seeder.putMark('AAPL', '100', new Date(f.clock.now()).toISOString());
    await trade(limits, 'p-3', { quantity: '3' });
    await expect(risk(limits)(intendedEvent(intentFor('p-4', { quantity: '4' })))).resolves.toMatchObject({ reason: 'EXECUTION_THROTTLE_TRIPPED' });
    await expect(reenable('jane.doe')).resolves.toMatchObject({ outcome: 'refused', reason: 'SAME_PERSON' });
    await expect(reenable('john.roe')).resolves.toMatchObject({ outcome: 'reenabled', reenabledBy: 'john.roe' });
  });

  it('in REDUCING submits an order only while it shrinks the position with every other in-flight order on its side filled', async () => {
    await trade({}, 'r-1', { quantity: '10' }); // long 10
    const approveSell = async (intentId: string, quantity: string) => {
      await expect(risk()(intendedEvent(intentFor(intentId, { side: 'sell', quantity })))).resolves.toMatchObject({ outcome: 'approved' });
      return receiveOne();
    };
    const sell10 = await approveSell('r-2', '10');
    const sell5 = await approveSell('r-3', '5');
    await f.seeder.putTradingState(ACCOUNT, 'REDUCING', 'test', '2026-11-23T15:00:01.000Z');
    // With both sells in flight the 10 could take the position short: blocked before the broker.
    await orders(toSqsEvent([sell10], 'arn:aws:sqs:us-east-1:000000000000:orders.fifo'), { awsRequestId: 'a' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'r-2')).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_REDUCING' });
    await orders(toSqsEvent([sell5], 'arn:aws:sqs:us-east-1:000000000000:orders.fifo'), { awsRequestId: 'b' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'r-3')).toMatchObject({ status: 'FILLED' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '5' });
  });

  it('moves the book and marks revisions by one on every write and names the symbols each write touched', async () => {
    const revisions = async () => {
      const snapshot = await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x');
      return { book: snapshot.book.revision, marks: snapshot.marksRevision };
    };
    const start = await revisions();
    if (!start.book || !start.marks) throw new Error('the fixture writes the book and the marks, so both carry a revision');
    await trade({}, 'v-1', { quantity: '1' }); // approval (in flight) then fill (quantity, cash, release): two writes
    await f.seeder.depositCash(ACCOUNT, '10', '2026-11-23T15:00:00.500Z');
    await f.stores.marketDataStore.putMarks([
      { symbol: 'MSFT', price: '400', at: '2026-11-23T15:00:00.600Z' },
      { symbol: 'SPY', price: '600', at: '2026-11-23T15:00:00.600Z' },
    ]);
    const end = await revisions();
    expect(end.book).toEqual({ epoch: start.book.epoch, version: start.book.version + 3, changed: [] });
    expect(end.marks).toEqual({ epoch: start.marks.epoch, version: start.marks.version + 1, changed: ['MSFT', 'SPY'] });
  });
});
