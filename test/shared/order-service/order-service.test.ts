// The order service against DynamoDB Local and the simulated broker: ambiguous submissions stay in flight
// until a query settles them, definite refusals reject, stream updates book fills exactly once whatever
// their order, and cancels finish through the broker's own answer.
import { beforeEach, describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { RetryLaterError } from '../../../shared/errors/errors';
import { type Broker } from '../../../shared/ports/broker';
import type { ApprovedOrderMessage } from '../../../shared/ports/order-queue';
import { METRICS } from '../../../shared/telemetry/metrics';
import type { intentFor} from '../../support/fixtures';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import type { OrderServiceDeps } from '../../../shared/order-service/context';
import { processApprovedOrder, settleInFlightOrders } from '../../../shared/order-service/submission';
import { processBrokerUpdate } from '../../../shared/order-service/broker-view';
import { cancelAllOrders, cancelOrder } from '../../../shared/order-service/cancellation';
import { ACCOUNT, scanAll, STRATEGY } from '../../support/fixtures';
import { recordApproval } from '../../support/approvals';
import { usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
let broker: SimulatedBroker;
let updates: BrokerUpdate[];
beforeEach(() => {
  broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 11 });
  updates = [];
  broker.subscribe((u) => void updates.push(u));
});

const deps = (over: Partial<OrderServiceDeps> = {}): OrderServiceDeps => ({
  ...f.stores,
  broker,
  bus: f.bus,
  clock: f.clock,
  telemetry: f.telemetry,
  workerId: 'w-1',
  leaseMs: 10_000,
  inFlightGraceMs: 5_000,
  ...over,
});

const approve = (intentId: string, over: Parameters<typeof intentFor>[1] = {}): Promise<ApprovedOrderMessage> => recordApproval(f.stores.riskStore, intentId, over);

/** The broker fails the first submission with `error`, after (or before) it took effect. */
const failFirstSubmit = (inner: SimulatedBroker, afterEffect: boolean, error = new BrokerCallError('timed out', 'ambiguous')): Broker => {
  let failed = false;
  const wrapped = Object.create(inner) as SimulatedBroker;
  wrapped.submitOrder = async (request) => {
    if (failed) return inner.submitOrder(request);
    failed = true;
    if (afterEffect) await inner.submitOrder(request);
    throw error;
  };
  return wrapped;
};

const book = async () => (await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).book.positions.AAPL;

describe('order service', () => {
  it('keeps an order in flight after a timeout that reached the broker, then books it once from the query', async () => {
    const message = await approve('t-1');
    const d = deps({ broker: failFirstSubmit(broker, true) });
    await expect(processApprovedOrder(d, message)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-1')).toMatchObject({ status: 'IN_FLIGHT' });
    expect(await book()).toMatchObject({ inFlightBuy: '10' }); // still counted against every limit
    await expect(processApprovedOrder(d, message)).resolves.toBe('settled');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect(broker.submittedOrderCount()).toBe(1);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
    expect(await book()).toMatchObject({ quantity: '10', inFlightBuy: '0' });
  });

  it('does not trust "no such order" within the grace period, and sends again under the same id after it', async () => {
    const message = await approve('t-2');
    const d = deps({ broker: failFirstSubmit(broker, false) });
    await expect(processApprovedOrder(d, message)).rejects.toBeInstanceOf(RetryLaterError);
    f.clock.advance(4_999);
    await expect(processApprovedOrder(d, message)).rejects.toThrow(/does not show it yet/);
    f.clock.advance(1);
    await expect(processApprovedOrder(d, message)).resolves.toBe('submitted');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-2')).toMatchObject({ status: 'FILLED' });
    expect(broker.submittedOrderCount()).toBe(1);
  });

  it('blocks an order the broker never got when trading halted in the meantime', async () => {
    const message = await approve('t-3');
    const d = deps({ broker: failFirstSubmit(broker, false) });
    await expect(processApprovedOrder(d, message)).rejects.toBeInstanceOf(RetryLaterError);
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T15:00:01.000Z');
    f.clock.advance(5_000);
    await expect(settleInFlightOrders(d, ACCOUNT, 'rec-1')).resolves.toBe(1);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-3')).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_HALTED', inFlight: '0' });
    expect(broker.submittedOrderCount()).toBe(0);
    expect(await book()).toMatchObject({ inFlightBuy: '0' });
  });

  it('rejects an order only on a definite refusal, and releases its exposure', async () => {
    const message = await approve('t-4');
    const d = deps({ broker: failFirstSubmit(broker, false, new BrokerCallError('insufficient buying power', 'refused', { status: 403 })) });
    await expect(processApprovedOrder(d, message)).resolves.toBe('rejected');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-4')).toMatchObject({ status: 'REJECTED', rejectReason: expect.stringMatching(/buying power/) });
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
    expect(await book()).toMatchObject({ inFlightBuy: '0' });
  });

  it('books partial fills from the stream exactly once when updates are duplicated and reordered', async () => {
    broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 3, partialFills: { probability: 1, maxSlices: 3 } });
    broker.subscribe((u) => void updates.push(u));
    updates = [];
    const message = await approve('t-5', { quantity: '9' });
    await processApprovedOrder(deps(), message);
    broker.advance();
    broker.advance();
    const fillUpdates = updates.filter((u) => u.fill);
    expect(fillUpdates.length).toBeGreaterThan(1);
    for (const update of [...fillUpdates].reverse().concat(fillUpdates)) await processBrokerUpdate(deps(), ACCOUNT, update, 'stream');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-5')).toMatchObject({ status: 'FILLED', filledQuantity: '9', inFlight: '0' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '9' });
    const fills = (await scanAll(f.client, f.tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === 'FILL');
    expect(fills).toHaveLength(broker.fills().length);
  });

  it('fetches the fills a lost update would have carried', async () => {
    broker = new SimulatedBroker({ priceOf: () => '100', clock: f.clock, seed: 3, partialFills: { probability: 1, maxSlices: 3 } });
    const message = await approve('t-6', { quantity: '9' });
    await processApprovedOrder(deps(), message);
    broker.advance();
    broker.advance();
    // Only the last update arrives; it says 9 filled but carries one execution.
    const last = broker.fills().at(-1);
    const order = await broker.getOrderByClientOrderId('t-6');
    if (!last || !order) throw new Error('the order filled');
    await processBrokerUpdate(deps(), ACCOUNT, { event: 'fill', order, fill: last, at: last.at }, 'stream');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-6')).toMatchObject({ status: 'FILLED', filledQuantity: '9' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '9' });
  });

  it('cancels an order not yet sent locally, and a resting one through the broker', async () => {
    await approve('c-1');
    await expect(cancelOrder(deps(), { account: ACCOUNT, intentId: 'c-1', requestedBy: 'jane.doe', requestId: 'r-1' })).resolves.toBe('canceled');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-1')).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    const resting = await approve('c-2', { orderType: 'limit', limitPrice: '99' });
    await processApprovedOrder(deps(), resting);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-2')).toMatchObject({ status: 'ACCEPTED' });
    await expect(cancelOrder(deps(), { account: ACCOUNT, intentId: 'c-2', requestedBy: 'jane.doe', requestId: 'r-2' })).resolves.toBe('requested');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-2')).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
    expect(await book()).toMatchObject({ inFlightBuy: '0' });
  });

  it('cancels every open order of the account, at the broker and locally', async () => {
    await processApprovedOrder(deps(), await approve('a-1', { orderType: 'limit', limitPrice: '98' }));
    await processApprovedOrder(deps(), await approve('a-2', { orderType: 'limit', limitPrice: '97', side: 'buy' }));
    await approve('a-3');
    await expect(cancelAllOrders(deps(), { account: ACCOUNT, requestedBy: 'kill-switch', requestId: 'k-1' })).resolves.toEqual({ requested: 2, canceledLocally: 1, waiting: 0 });
    for (const id of ['a-1', 'a-2', 'a-3']) expect(await f.stores.orderStore.getOrder(ACCOUNT, id)).toMatchObject({ status: 'CANCELED' });
    expect(await broker.listOpenOrders()).toEqual([]);
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
  });

  it('records and alarms a broker update that would move a filled order backwards, without applying it', async () => {
    await processApprovedOrder(deps(), await approve('x-1'));
    const order = await broker.getOrderByClientOrderId('x-1');
    if (!order) throw new Error('submitted');
    const bogus = { ...order, status: 'canceled' as const, updatedAt: '2026-11-23T16:00:00.000Z' };
    await processBrokerUpdate(deps(), ACCOUNT, { event: 'canceled', order: bogus, at: bogus.updatedAt }, 'stream');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'x-1')).toMatchObject({ status: 'FILLED' });
    expect(f.telemetry.countsBy(METRICS.orderAnomaly, 'kind')).toEqual({ INVALID_TRANSITION: 1 });
    const kinds = (await scanAll(f.client, f.tableName)).map((i) => (i.kind as { S: string } | undefined)?.S);
    expect(kinds).toContain('ORDER_ANOMALY');
  });
});
