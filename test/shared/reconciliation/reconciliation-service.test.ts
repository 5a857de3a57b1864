// Reconciliation v2 against DynamoDB Local and the simulated broker's independent book: orders are created
// the way risk records them and sent by the real order service, and the broker alone decides what filled.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { SimulatedBroker, type SimulatedBrokerOptions } from '../../../adapters/broker/simulated-broker';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { RetryLaterError } from '../../../shared/errors/errors';
import { DETAIL_TYPES } from '../../../shared/events/catalog';
import type { ReconciliationBreak } from '../../../shared/events/reconciliation-events';
import { type Broker } from '../../../shared/ports/broker';
import { diffPositions } from '../../../shared/reconciliation/diff';
import { confirmBreaks, reconcileAccount, type ReconciliationDeps } from '../../../shared/reconciliation/reconciliation-service';
import { recordApproval } from '../../support/approvals';
import { delegatingBroker } from '../../support/broker-requests';
import { freshStores } from '../../support/dynamo';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import type { OrderServiceDeps } from '../../../shared/order-service/context';
import { processApprovedOrder, type SubmissionOutcome } from '../../../shared/order-service/submission';
import { processBrokerUpdate } from '../../../shared/order-service/broker-view';
import { cancelAllOrders } from '../../../shared/order-service/cancellation';
import { METRICS } from '../../../shared/telemetry/metrics';
import type { intentFor} from '../../support/fixtures';
import { ACCOUNT, ManualClock, RecordingBus, scanAll, STRATEGY } from '../../support/fixtures';

const PRICES: Record<string, string> = { AAPL: '100', MSFT: '50' };

interface World {
  client: DynamoDBClient;
  tableName: string;
  stores: TradingStores;
  seeder: TableSeeder;
  broker: SimulatedBroker;
  bus: RecordingBus;
  telemetry: InMemoryTelemetry;
  clock: ManualClock;
  prices: Record<string, string>;
  runs: number;
}

/** A fresh table with trading ACTIVE and the broker's starting cash deposited, and a broker of its own. */
const newWorld = async (options: Partial<SimulatedBrokerOptions> = {}): Promise<World> => {
  const { client, tableName, stores, seeder } = await freshStores();
  const clock = new ManualClock();
  const prices = { ...PRICES };
  const broker = new SimulatedBroker({ priceOf: (symbol) => prices[symbol], clock, seed: 1, ...options });
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
  await seeder.depositCash(ACCOUNT, '1000000', '2026-11-23T14:00:00.000Z');
  return { client, tableName, stores, seeder, broker, bus: new RecordingBus(), telemetry: new InMemoryTelemetry(), clock, prices, runs: 0 };
};

const orderDeps = (w: World, broker: Broker = w.broker): OrderServiceDeps => ({
  ...w.stores,
  broker,
  bus: w.bus,
  clock: w.clock,
  telemetry: w.telemetry,
  workerId: 'order-worker',
  leaseMs: 10_000,
  inFlightGraceMs: 5_000,
});

/**
 * Records an approval as the risk function does (order PENDING, its size in flight) and sends it; an
 * ambiguous broker answer leaves the order IN_FLIGHT (the queue would redeliver; here reconciliation settles it).
 */
const place = async (w: World, intentId: string, over: Parameters<typeof intentFor>[1] = {}, broker: Broker = w.broker): Promise<SubmissionOutcome | 'in-flight'> => {
  const message = await recordApproval(w.stores.riskStore, intentId, over);
  return processApprovedOrder(orderDeps(w, broker), message).catch((error: unknown) => {
    if (error instanceof RetryLaterError) return 'in-flight' as const;
    throw error;
  });
};

const delegate = delegatingBroker;

/** The submission takes effect at the broker but its answer is lost (a timeout): the order stays IN_FLIGHT. */
const answerLost = (inner: Broker): Broker =>
  delegate(inner, {
    submitOrder: async (request) => {
      await inner.submitOrder(request);
      throw new BrokerCallError('timed out', 'ambiguous', { code: 'ETIMEDOUT' });
    },
  });

const reconcile = (w: World, over: Partial<ReconciliationDeps> = {}) =>
  reconcileAccount({ ...w.stores, broker: w.broker, bus: w.bus, clock: w.clock, telemetry: w.telemetry, ...over }, ACCOUNT, `run-${++w.runs}`);

const auditKinds = async (w: World) =>
  (await scanAll(w.client, w.tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === 'AUDIT').map((i) => (i.kind as { S: string }).S);

describe('position break confirmation', () => {
  const mismatch = (symbol: string): ReconciliationBreak => ({ kind: 'QUANTITY_MISMATCH', symbol, message: symbol });

  it('keeps a break both reads found, with the re-read figures', () => {
    const second = { ...mismatch('AAPL'), brokerQuantity: '7' };
    expect(confirmBreaks([mismatch('AAPL')], [second])).toEqual([second]);
  });

  it('drops a break only one of the two reads found (a fill in transit)', () => {
    expect(confirmBreaks([mismatch('AAPL')], [])).toEqual([]);
    expect(confirmBreaks([], [mismatch('MSFT')])).toEqual([]);
  });
});

describe('reconciliation run', () => {
  let w: World;
  beforeEach(async () => {
    w = await newWorld();
  });

  it('reports clean when the table and the broker agree (orders, positions, cash)', async () => {
    await place(w, 'o-1', { quantity: '10' });
    await place(w, 'o-2', { symbol: 'MSFT', orderType: 'limit', limitPrice: '40', quantity: '4' }); // rests at the broker
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'clean', breaks: [], ordersCompared: 1, adopted: 0, settled: 0, cash: { broker: '999000', local: '999000' } });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-2')).toMatchObject({ status: 'ACCEPTED', inFlight: '4' });
    expect(w.bus.ofType('ReconciliationCompleted.v1')).toHaveLength(1);
    expect(w.bus.ofType('ReconciliationBreak.v1')).toHaveLength(0);
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [] });
  });

  it('books a fill whose stream update was lost', async () => {
    w = await newWorld({ partialFills: { probability: 1, maxSlices: 2 } });
    await place(w, 'o-1', { quantity: '10' });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'PARTIALLY_FILLED', filledQuantity: '5' });
    w.broker.advance(); // the rest fills; nobody hears of it
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'clean', breaks: [], ordersCompared: 1 });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect(await w.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10' });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).positions.AAPL).toEqual({ quantity: '10', inFlightBuy: '0', inFlightSell: '0' });
    expect(w.bus.ofType(DETAIL_TYPES.FillApplied).at(-1)).toMatchObject({ detail: { meta: { causationId: 'run-1' }, data: { intentId: 'o-1', quantity: '5', positionQuantity: '10' } } });
  });

  it('books a cancel whose stream update was lost and releases the order in flight', async () => {
    await place(w, 'o-1', { orderType: 'limit', limitPrice: '90', quantity: '3' });
    const brokerOrderId = (await w.stores.orderStore.getOrder(ACCOUNT, 'o-1'))?.brokerOrderId ?? '';
    await w.broker.cancelOrder(brokerOrderId); // canceled elsewhere (say, at the broker's console)
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [] });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).positions.AAPL).toMatchObject({ inFlightBuy: '0' });
  });

  it('settles an in-flight order found at the broker', async () => {
    await place(w, 'o-1', { quantity: '10' }, answerLost(w.broker));
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'IN_FLIGHT' });
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'clean', breaks: [], settled: 1 });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect(await w.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10' });
    expect(w.broker.submittedOrderCount()).toBe(1);
  });

  it('leaves an in-flight order the broker does not show yet in flight, within the grace period', async () => {
    const lostBeforeEffect = delegate(w.broker, { submitOrder: () => Promise.reject(new BrokerCallError('timed out', 'ambiguous')) });
    await place(w, 'o-1', { quantity: '10' }, lostBeforeEffect);
    const run = await reconcile(w, { inFlightGraceMs: 60_000 });
    expect(run).toMatchObject({ status: 'clean', settled: 0 });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'IN_FLIGHT', inFlight: '10' });
    expect(w.broker.submittedOrderCount()).toBe(0);
  });

  describe('a SUBMITTED order whose submitter died without a broker id', () => {
    const LEASE_MS = 10_000;
    const GRACE_MS = 5_000;
    /** Approved and claimed by a worker that then died: SUBMITTED, its lease running out, no broker id. */
    const abandon = async (intentId: string, reachedBroker: boolean) => {
      await recordApproval(w.stores.riskStore, intentId, { quantity: '10' });
      await expect(w.stores.orderStore.claimForSubmission(ACCOUNT, intentId, 'dead-worker', w.clock.now(), LEASE_MS)).resolves.toMatchObject({ claimed: true });
      if (reachedBroker) await w.broker.submitOrder({ clientOrderId: intentId, symbol: 'AAPL', side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day' });
    };
    const cancelAll = () => cancelAllOrders(orderDeps(w), { account: ACCOUNT, requestedBy: 'ops', requestId: `cancel-${w.runs}` });

    it('books the order the broker got from it and counts it settled', async () => {
      await abandon('s-1', true);
      w.clock.advance(LEASE_MS + GRACE_MS);
      await expect(reconcile(w, { inFlightGraceMs: GRACE_MS })).resolves.toMatchObject({ status: 'clean', settled: 1, breaks: [] });
      expect(await w.stores.orderStore.getOrder(ACCOUNT, 's-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
      expect(await w.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10' });
      expect(w.broker.submittedOrderCount()).toBe(1);
    });

    it('blocks one the broker never got APPROVAL_EXPIRED once the approval is too old, releasing its size, so a cancel-all no longer waits', async () => {
      await abandon('s-2', false);
      w.clock.advance(60_001);
      await expect(cancelAll()).resolves.toMatchObject({ waiting: 1 });
      await expect(reconcile(w, { inFlightGraceMs: GRACE_MS })).resolves.toMatchObject({ settled: 1 });
      expect(await w.stores.orderStore.getOrder(ACCOUNT, 's-2')).toMatchObject({ status: 'BLOCKED', reason: 'APPROVAL_EXPIRED', inFlight: '0' });
      expect(w.broker.submitCalls()).toBe(0);
      expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).positions.AAPL).toMatchObject({ inFlightBuy: '0' });
      expect((await w.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
      expect(w.bus.ofType(DETAIL_TYPES.OrderDenied).at(-1)).toMatchObject({ detail: { data: { reason: 'APPROVAL_EXPIRED', stage: 'pre-submit' } } });
      await expect(cancelAll()).resolves.toMatchObject({ waiting: 0 });
    });

    it('trusts "no such order" only a grace period after the lease ended, then sends an approval still young enough', async () => {
      await abandon('s-3', false);
      w.clock.advance(LEASE_MS + GRACE_MS - 1);
      await expect(reconcile(w, { inFlightGraceMs: GRACE_MS })).resolves.toMatchObject({ settled: 0 });
      expect(await w.stores.orderStore.getOrder(ACCOUNT, 's-3')).toMatchObject({ status: 'SUBMITTED', inFlight: '10' });
      w.clock.advance(1);
      await expect(reconcile(w, { inFlightGraceMs: GRACE_MS })).resolves.toMatchObject({ settled: 1 });
      expect(await w.stores.orderStore.getOrder(ACCOUNT, 's-3')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
      expect(w.broker.submittedOrderCount()).toBe(1);
    });
  });

  it('adopts an unknown broker order as external, reports it once, and counts its size in flight', async () => {
    w = await newWorld({ partialFills: { probability: 1, maxSlices: 2 } });
    const placed = await w.broker.submitOrder({ clientOrderId: 'manual-1', symbol: 'AAPL', side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day' });
    expect(placed).toMatchObject({ status: 'partially_filled', filledQuantity: '5' });

    const first = await reconcile(w);
    expect(first).toMatchObject({
      status: 'breaks',
      adopted: 1,
      breaks: [{ kind: 'UNKNOWN_BROKER_ORDER', intentId: 'manual-1', brokerOrderId: placed.brokerOrderId, symbol: 'AAPL', message: expect.stringMatching(/bypassed the controls/) }],
    });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'manual-1')).toMatchObject({
      origin: 'external',
      strategy: 'external',
      status: 'PARTIALLY_FILLED',
      brokerOrderId: placed.brokerOrderId,
      filledQuantity: '5',
      inFlight: '5',
    });
    // Its fill is booked and its unfilled size is exposure the risk engine now counts.
    expect(await w.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '5' });
    const snapshot = await w.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x');
    expect(snapshot.book.positions.AAPL).toEqual({ quantity: '5', inFlightBuy: '5', inFlightSell: '0' });
    expect(snapshot.openOrders).toBe(1);
    expect(await auditKinds(w)).toContain('ORDER_ADOPTED');

    const second = await reconcile(w);
    expect(second).toMatchObject({ status: 'clean', breaks: [], adopted: 0, ordersCompared: 1 });

    w.broker.advance(); // the external order fills; the next run books it like any other order
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [] });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'manual-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect((await w.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).book.positions.AAPL).toEqual({ quantity: '10', inFlightBuy: '0', inFlightSell: '0' });
  });

  it('adopts a broker order whose client order id is not a valid intent id as ext-<broker order id>, and knows it next run', async () => {
    const placed = await w.broker.submitOrder({ clientOrderId: 'desk order #7', symbol: 'MSFT', side: 'sell', quantity: '2', orderType: 'limit', limitPrice: '60', timeInForce: 'gtc' });
    const first = await reconcile(w);
    expect(first).toMatchObject({ status: 'breaks', adopted: 1, breaks: [{ kind: 'UNKNOWN_BROKER_ORDER', intentId: `ext-${placed.brokerOrderId}` }] });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, `ext-${placed.brokerOrderId}`)).toMatchObject({ origin: 'external', status: 'ACCEPTED', inFlight: '2' });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).positions.MSFT).toMatchObject({ inFlightSell: '2' });
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [], adopted: 0 });
  });

  it('never drops a live local order the broker does not show; reports ORDER_MISSING_AT_BROKER', async () => {
    await place(w, 'o-1', { orderType: 'limit', limitPrice: '90', quantity: '3' });
    const before = await w.stores.orderStore.getOrder(ACCOUNT, 'o-1');
    const bookBefore = await w.stores.reconciliationStore.getBook(ACCOUNT);
    // The broker that answers has never seen the order (e.g. it lost it, or the account was switched).
    const other = new SimulatedBroker({ priceOf: (symbol) => PRICES[symbol], clock: w.clock, seed: 2 });
    const run = await reconcile(w, { broker: other });
    expect(run).toMatchObject({
      status: 'breaks',
      breaks: [{ kind: 'ORDER_MISSING_AT_BROKER', intentId: 'o-1', brokerOrderId: before?.brokerOrderId, symbol: 'AAPL' }],
    });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toEqual(before);
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).positions).toEqual(bookBefore.positions);
    expect(w.bus.ofType('ReconciliationBreak.v1')).toHaveLength(1);
  });

  it('treats an unreachable broker as a failed run with BROKER_UNREACHABLE, never as flat', async () => {
    await place(w, 'o-1', { quantity: '10' });
    await place(w, 'o-2', { orderType: 'limit', limitPrice: '90', quantity: '3' });
    await reconcile(w); // the first sync, so a later difference would be a break
    const orders = await w.stores.orderStore.listOrders(ACCOUNT, ['ACCEPTED', 'FILLED']);
    const positions = await w.stores.reconciliationStore.listPositions(ACCOUNT);
    const book = await w.stores.reconciliationStore.getBook(ACCOUNT);
    w.broker.setUnavailable(true);
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'failed', breaks: [{ kind: 'BROKER_UNREACHABLE', message: expect.stringMatching(/open orders.*positions.*account/) }] });
    expect(run.cash).toBeUndefined();
    expect(await w.stores.orderStore.listOrders(ACCOUNT, ['ACCEPTED', 'FILLED'])).toEqual(orders);
    expect(await w.stores.reconciliationStore.listPositions(ACCOUNT)).toEqual(positions);
    expect(await w.stores.reconciliationStore.getBook(ACCOUNT)).toEqual(book);
  });

  it('counts the consecutive runs a break persists, in the record and the break event, and starts again after a clean run', async () => {
    await reconcile(w); // the first cash sync
    w.broker.setUnavailable(true);
    const counts = async () => {
      const run = await reconcile(w);
      const events = w.bus.ofType('ReconciliationBreak.v1').filter((e) => (e.detail as { data: { runId: string } }).data.runId === run.runId);
      return [run.breaks.map((b) => b.consecutiveRuns), events.map((e) => (e.detail as { data: { break: { consecutiveRuns?: number } } }).data.break.consecutiveRuns)];
    };
    expect(await counts()).toEqual([[1], [1]]);
    expect(await counts()).toEqual([[2], [2]]);
    expect(await counts()).toEqual([[3], [3]]);
    w.broker.setUnavailable(false);
    expect((await reconcile(w)).status).toBe('clean');
    w.broker.setUnavailable(true);
    expect(await counts()).toEqual([[1], [1]]);
  });

  it('treats a broker whose open orders cannot be read as a failed run, never as "no orders"', async () => {
    await place(w, 'o-1', { orderType: 'limit', limitPrice: '90', quantity: '3' });
    const blind = delegate(w.broker, { listOpenOrders: () => Promise.reject(new BrokerCallError('503', 'ambiguous', { status: 503 })) });
    const run = await reconcile(w, { broker: blind });
    expect(run).toMatchObject({ status: 'failed', ordersCompared: 0, breaks: [{ kind: 'BROKER_UNREACHABLE', message: expect.stringMatching(/open orders: 503/) }] });
    expect(await w.stores.orderStore.getOrder(ACCOUNT, 'o-1')).toMatchObject({ status: 'ACCEPTED', inFlight: '3' });
  });

  it('reports an open broker order it cannot represent on every run, and still compares and adopts the others', async () => {
    await reconcile(w); // the first cash sync
    await place(w, 'o-1', { orderType: 'limit', limitPrice: '90', quantity: '3' });
    const manual = await w.broker.submitOrder({ clientOrderId: 'manual-1', symbol: 'MSFT', side: 'sell', quantity: '2', orderType: 'limit', limitPrice: '60', timeInForce: 'gtc' });
    const stop = { brokerOrderId: 'stop-1', clientOrderId: 'desk-stop-1', symbol: 'AAPL', reason: 'order.type: invalid option' };
    const withStop = delegate(w.broker, {
      listOpenOrders: async () => {
        const open = await w.broker.listOpenOrders();
        return { ...open, unrepresentable: [stop] };
      },
    });
    const first = await reconcile(w, { broker: withStop });
    expect(first).toMatchObject({ status: 'breaks', adopted: 1, ordersCompared: 2 });
    expect(first.breaks.map((b) => [b.kind, b.brokerOrderId])).toEqual([
      ['UNREPRESENTABLE_BROKER_ORDER', 'stop-1'],
      ['UNKNOWN_BROKER_ORDER', manual.brokerOrderId],
    ]);
    expect(first.breaks[0]).toEqual({
      kind: 'UNREPRESENTABLE_BROKER_ORDER',
      symbol: 'AAPL',
      brokerOrderId: 'stop-1',
      consecutiveRuns: 1,
      message: expect.stringContaining('broker order stop-1 (client order id desk-stop-1, AAPL) is open but this system cannot represent it (order.type: invalid option)'),
    });
    expect(w.bus.ofType('ReconciliationBreak.v1')).toHaveLength(2);

    // Reported again while it stays open, so the count reaches the breaker; the adopted order is reported once.
    const second = await reconcile(w, { broker: withStop });
    expect(second).toMatchObject({ status: 'breaks', breaks: [{ kind: 'UNREPRESENTABLE_BROKER_ORDER', brokerOrderId: 'stop-1', consecutiveRuns: 2 }] });
    expect(second.breaks).toHaveLength(1);
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [] });
  });

  it('names an unrepresentable order without the ids and symbol the broker could not give', async () => {
    await reconcile(w);
    const odd = delegate(w.broker, {
      listOpenOrders: async () => ({ orders: [], unrepresentable: [{ brokerOrderId: 'odd-1', symbol: 'not a symbol!', reason: 'order.status: unknown' }] }),
    });
    const run = await reconcile(w, { broker: odd });
    expect(run.breaks).toEqual([
      { kind: 'UNREPRESENTABLE_BROKER_ORDER', brokerOrderId: 'odd-1', consecutiveRuns: 1, message: expect.stringMatching(/^broker order odd-1 \(not a symbol!\) is open/) },
    ]);
  });

  it('a position mismatch that disappears on the re-read is not reported', async () => {
    await place(w, 'o-1', { quantity: '10' });
    let reads = 0;
    // The broker's positions lag its fills on the first read, as a REST view can.
    const lagging = delegate(w.broker, { getPositions: async () => (++reads === 1 ? [] : w.broker.getPositions()) });
    const run = await reconcile(w, { broker: lagging });
    expect(run).toMatchObject({ status: 'clean', breaks: [] });
    expect(reads).toBe(2);
  });

  it('reports a position mismatch that both reads show', async () => {
    await place(w, 'o-1', { quantity: '10' });
    await w.broker.submitOrder({ clientOrderId: 'desk-1', symbol: 'MSFT', side: 'sell', quantity: '3', orderType: 'market', timeInForce: 'day' });
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'breaks', breaks: [{ kind: 'QUANTITY_MISMATCH', symbol: 'MSFT', brokerQuantity: '-3', localQuantity: '0' }] });
  });
});

describe('cash reconciliation', () => {
  let w: World;
  beforeEach(async () => {
    w = await newWorld();
  });

  it('adopts the broker cash on the first run without a break', async () => {
    await w.seeder.depositCash(ACCOUNT, '-999995', '2026-11-23T14:30:00.000Z'); // the table says 5
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'clean', breaks: [], cash: { broker: '1000000', local: '5' } });
    expect(await w.stores.reconciliationStore.getBook(ACCOUNT)).toMatchObject({ cash: '1000000', cashSyncedAt: '2026-11-23T15:00:00.000Z' });
    expect(await auditKinds(w)).toContain('CASH_SYNCED');
  });

  it('stamps the first sync even when the figures agree, so later differences are breaks', async () => {
    await reconcile(w);
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).cashSyncedAt).toBeDefined();
    await w.seeder.depositCash(ACCOUNT, '100', '2026-11-23T15:10:00.000Z');
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'breaks', breaks: [{ kind: 'CASH_MISMATCH' }] });
  });

  it('reports CASH_MISMATCH beyond the tolerance later, and sets the table to the broker figure when nothing can fill', async () => {
    await reconcile(w);
    await w.seeder.depositCash(ACCOUNT, '250.5', '2026-11-23T15:10:00.000Z');
    const run = await reconcile(w);
    expect(run).toMatchObject({
      status: 'breaks',
      cash: { broker: '1000000', local: '1000250.5' },
      breaks: [{ kind: 'CASH_MISMATCH', brokerCash: '1000000', localCash: '1000250.5' }],
    });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe('1000000');
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [] });
  });

  it('tolerates a difference at the tolerance (just allowed) and reports one just beyond it (just denied)', async () => {
    await reconcile(w);
    await w.seeder.depositCash(ACCOUNT, '0.01', '2026-11-23T15:10:00.000Z');
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'clean', breaks: [] });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe('1000000'); // synced back, so differences never pile up
    await w.seeder.depositCash(ACCOUNT, '-0.010000000001', '2026-11-23T15:20:00.000Z');
    await expect(reconcile(w)).resolves.toMatchObject({ status: 'breaks', breaks: [{ kind: 'CASH_MISMATCH', localCash: '999999.989999999999' }] });
  });

  it('takes the cash tolerance from its deps', async () => {
    await reconcile(w);
    await w.seeder.depositCash(ACCOUNT, '5', '2026-11-23T15:10:00.000Z');
    await expect(reconcile(w, { cashTolerance: '5' })).resolves.toMatchObject({ status: 'clean' });
  });

  it('only compares cash while orders can fill: reports the mismatch and leaves the table cash alone', async () => {
    await reconcile(w);
    await place(w, 'o-1', { orderType: 'limit', limitPrice: '90', quantity: '3' });
    await w.seeder.depositCash(ACCOUNT, '3', '2026-11-23T15:10:00.000Z');
    const run = await reconcile(w);
    expect(run).toMatchObject({ status: 'breaks', breaks: [{ kind: 'CASH_MISMATCH', brokerCash: '1000000', localCash: '1000003' }] });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe('1000003');
  });

  it('does not overwrite cash that moved after it was read', async () => {
    await w.seeder.depositCash(ACCOUNT, '1', '2026-11-23T14:30:00.000Z');
    const at = '2026-11-23T15:00:00.000Z';
    const audit = auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'CASH_SYNCED', actor: 'test', correlationId: 'r', causationId: 'r', detail: {} });
    await expect(w.stores.reconciliationStore.syncCash(ACCOUNT, { brokerCash: '1000000', expectedLocalCash: '1000000', at, audit })).resolves.toBe('moved');
    expect(await w.stores.reconciliationStore.getBook(ACCOUNT)).toMatchObject({ cash: '1000001' });
    expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).cashSyncedAt).toBeUndefined();
    await expect(w.stores.reconciliationStore.syncCash(ACCOUNT, { brokerCash: '1000000', expectedLocalCash: '1000001', at, audit })).resolves.toBe('synced');
    expect(await w.stores.reconciliationStore.getBook(ACCOUNT)).toMatchObject({ cash: '1000000', cashSyncedAt: at });
  });

  it('keeps the book revision contract: a cash sync bumps the version and names no symbol', async () => {
    await place(w, 'o-1', { quantity: '10' });
    const before = await w.stores.reconciliationStore.getBook(ACCOUNT);
    const at = '2026-11-23T15:00:00.000Z';
    const audit = auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'CASH_SYNCED', actor: 'test', correlationId: 'r', causationId: 'r', detail: {} });
    await w.stores.reconciliationStore.syncCash(ACCOUNT, { brokerCash: '5', expectedLocalCash: before.cash, at, audit });
    const after = await w.stores.reconciliationStore.getBook(ACCOUNT);
    expect(after.revision).toEqual({ epoch: before.revision?.epoch, version: (before.revision?.version ?? 0) + 1, changed: [] });
    expect(after.positions).toEqual(before.positions);
  });
});

describe('reconciliation property', () => {
  type Command =
    | { kind: 'submit'; symbol: 'AAPL' | 'MSFT'; side: 'buy' | 'sell'; quantity: number; price: 'market' | 'resting' | 'marketable'; answerLost: boolean }
    | { kind: 'advance' }
    | { kind: 'reprice'; symbol: 'AAPL' | 'MSFT'; price: string }
    | { kind: 'expire' };

  const command: fc.Arbitrary<Command> = fc.oneof(
    fc.record({
      kind: fc.constant('submit' as const),
      symbol: fc.constantFrom('AAPL' as const, 'MSFT' as const),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      quantity: fc.integer({ min: 1, max: 20 }),
      price: fc.constantFrom('market' as const, 'resting' as const, 'marketable' as const),
      answerLost: fc.boolean(),
    }),
    fc.constant({ kind: 'advance' as const }),
    fc.record({ kind: fc.constant('reprice' as const), symbol: fc.constantFrom('AAPL' as const, 'MSFT' as const), price: fc.constantFrom('40', '55', '100', '120') }),
    fc.constant({ kind: 'expire' as const }),
  );

  it(
    'after one run over any mix of submissions, partial fills, lost updates and lost answers, the table holds the broker positions and cash and the run is clean',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 1_000_000 }), fc.array(command, { minLength: 1, maxLength: 8 }), async (seed, commands) => {
          const w = await newWorld({ seed, partialFills: { probability: 0.6, maxSlices: 3 }, faults: { rate: 0, lostUpdateRate: 0.5 } });
          await reconcile(w); // the first sync: from here on a cash difference is a break
          const updates: BrokerUpdate[] = [];
          w.broker.subscribe((u) => void updates.push(u));
          const deliver = async () => {
            for (const update of updates.splice(0)) await processBrokerUpdate(orderDeps(w), ACCOUNT, update, `stream-${update.at}`);
          };
          let n = 0;
          for (const c of commands) {
            if (c.kind === 'submit') {
              const mark = Number(w.prices[c.symbol]);
              // Resting: on the wrong side of the market; marketable: through it.
              const away = (c.price === 'resting') === (c.side === 'buy') ? -10 : 10;
              const limit = c.price === 'market' ? {} : { orderType: 'limit' as const, limitPrice: String(mark + away) };
              await place(w, `p-${++n}`, { symbol: c.symbol, side: c.side, quantity: String(c.quantity), ...limit }, c.answerLost ? answerLost(w.broker) : w.broker);
            } else if (c.kind === 'advance') w.broker.advance();
            else if (c.kind === 'reprice') w.prices[c.symbol] = c.price;
            else w.broker.expireDayOrders();
            await deliver();
          }
          const run = await reconcile(w);
          expect(run).toMatchObject({ status: 'clean', breaks: [] });
          // The broker confirms every update it sent, however late, duplicated or reordered.
          expect(w.telemetry.countsBy(METRICS.brokerUpdateRejected, 'reason')).toEqual({});
          expect(diffPositions(await w.broker.getPositions(), await w.stores.reconciliationStore.listPositions(ACCOUNT), '0')).toEqual([]);
          expect((await w.stores.reconciliationStore.getBook(ACCOUNT)).cash).toBe((await w.broker.getAccount()).cash);
          // Every order the broker holds is in the table with the broker's status.
          for (const brokerOrder of w.broker.orders()) {
            expect((await w.stores.orderStore.getOrder(ACCOUNT, brokerOrder.clientOrderId))?.status.toLowerCase()).toBe(brokerOrder.status);
          }
        }),
        { numRuns: 15 },
      );
    },
    300_000,
  );
});
