// Broker updates from the order queue are claims, confirmed against the broker before they move anything
// (DynamoDB Local and the simulated broker): a forged fill or cancel books nothing and is counted and audited,
// a real update books once from the broker's own answer, an unreachable broker books nothing, and a broker
// order id that changes is reported and alarmed, never written over the stored one.
import { describe, expect, it } from 'vitest';
import type { BrokerFill, BrokerOrder, BrokerUpdate } from '../../../shared/broker/broker-order';
import { RetryLaterError } from '../../../shared/errors/errors';
import { buildMeta } from '../../../shared/events/envelope';
import type { OrderQueueMessage } from '../../../shared/events/order-queue-messages';
import { processBrokerUpdate } from '../../../shared/order-service/broker-view';
import { handleOrderQueueMessage } from '../../../shared/order-service/queue-dispatch';
import { processApprovedOrder } from '../../../shared/order-service/submission';
import { BrokerReadCache, brokerMayLag, contradictionOf } from '../../../shared/order-service/update-confirmation';
import { METRICS } from '../../../shared/telemetry/metrics';
import { delegatingBroker } from '../../support/broker-requests';
import { ACCOUNT, STRATEGY, scanAll } from '../../support/fixtures';
import { useOrderServiceFixture } from '../../support/order-service';

const w = useOrderServiceFixture();
const { f } = w;

const itemsOfType = async (type: string) => (await scanAll(f.client, f.tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === type);
const auditOf = async (kind: string) => (await itemsOfType('AUDIT')).filter((i) => (i.kind as { S: string }).S === kind);

/** A buy limit under the market: it rests at the broker, ACCEPTED, nothing filled. */
const restingOrder = async (intentId: string): Promise<BrokerOrder> => {
  await processApprovedOrder(w.deps(), await w.approve(intentId, { orderType: 'limit', limitPrice: '90', quantity: '4' }));
  const order = await w.broker.getOrderByClientOrderId(intentId);
  if (order?.status !== 'accepted') throw new Error('the order rests at the broker');
  return order;
};

/** What a forger with send rights on the queue would write: the real order, said to be filled at 1. */
const forgedFill = (order: BrokerOrder, over: Partial<BrokerOrder> = {}): BrokerUpdate => {
  const fill: BrokerFill = { executionId: 'forged-1', brokerOrderId: order.brokerOrderId, symbol: order.symbol, side: order.side, quantity: order.quantity, price: '1', cumulativeQuantity: order.quantity, at: order.updatedAt };
  return { event: 'fill', order: { ...order, status: 'filled', filledQuantity: order.quantity, filledAvgPrice: '1', ...over }, fill, at: order.updatedAt };
};

const queued = (update: BrokerUpdate, eventId: string): OrderQueueMessage => ({
  type: 'BrokerUpdateReceived.v1',
  detail: {
    meta: { ...buildMeta({ detailType: 'BrokerUpdateReceived.v1', occurredAt: update.at, correlationId: update.order.clientOrderId, causationId: eventId, account: ACCOUNT, strategy: STRATEGY, producer: 'feed' }), eventId },
    data: { update },
  },
});

describe('confirming broker updates against the broker', () => {
  it('books nothing for a forged fill of a real order, and counts and audits it as rejected', async () => {
    const real = await restingOrder('f-1');
    await expect(processBrokerUpdate(w.deps(), ACCOUNT, forgedFill(real), 'forged-msg-1')).resolves.toBe('rejected');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'f-1')).toMatchObject({ status: 'ACCEPTED', filledQuantity: '0', inFlight: '4' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '0' });
    expect(await itemsOfType('FILL')).toHaveLength(0);
    expect(f.telemetry.countsBy(METRICS.brokerUpdateRejected, 'reason')).toEqual({ STATUS: 1 });
    const [entry] = await auditOf('BROKER_UPDATE_REJECTED');
    expect(entry?.detail).toMatchObject({ M: { reason: { S: 'STATUS' }, event: { S: 'fill' }, brokerOrderId: { S: real.brokerOrderId } } });
    expect(await w.broker.getOrderByClientOrderId('f-1')).toMatchObject({ status: 'accepted', filledQuantity: '0' });
  });

  it('does not cancel a live order on a forged CANCELED', async () => {
    const real = await restingOrder('f-2');
    const forged: BrokerUpdate = { event: 'canceled', order: { ...real, status: 'canceled' }, at: real.updatedAt };
    await expect(processBrokerUpdate(w.deps(), ACCOUNT, forged, 'forged-msg-2')).resolves.toBe('rejected');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'f-2')).toMatchObject({ status: 'ACCEPTED', inFlight: '4' });
    expect(await w.book()).toMatchObject({ inFlightBuy: '4' });
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(1);
    expect(f.telemetry.countsBy(METRICS.brokerUpdateRejected, 'reason')).toEqual({ STATUS: 1 });
  });

  it('waits for a broker that shows an older state than the update, and rejects the claim on its last delivery', async () => {
    const real = await restingOrder('f-3');
    // Dated after anything the broker shows: its API might lag its stream, so the first delivery waits.
    const ahead = forgedFill(real, { updatedAt: '2026-11-23T15:00:05.000Z' });
    const first = handleOrderQueueMessage(w.deps(), queued(ahead, 'forged-msg-3'), { messageId: 'm-3', receiveCount: 1 });
    await expect(first).rejects.toThrow(/does not confirm update forged-msg-3 of f-3 yet/);
    await expect(handleOrderQueueMessage(w.deps(), queued(ahead, 'forged-msg-3'), { messageId: 'm-3', receiveCount: 2 })).resolves.toBe('rejected');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'f-3')).toMatchObject({ status: 'ACCEPTED', filledQuantity: '0' });
    expect(await itemsOfType('FILL')).toHaveLength(0);
    expect(await auditOf('BROKER_UPDATE_REJECTED')).toHaveLength(1);
  });

  it('books nothing from the message while the broker cannot be asked, and hands the update to reconciliation', async () => {
    const real = await restingOrder('f-4');
    w.broker.advance(); // no fill at 100 for a buy at 90: the update below is the message's word alone
    w.broker.setUnavailable(true);
    const message = queued(forgedFill(real), 'msg-4');
    await expect(handleOrderQueueMessage(w.deps(), message, { messageId: 'm-4', receiveCount: 1 })).rejects.toBeInstanceOf(RetryLaterError);
    await expect(handleOrderQueueMessage(w.deps(), message, { messageId: 'm-4', receiveCount: 2 })).resolves.toBe('handed-over');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'f-4')).toMatchObject({ status: 'ACCEPTED', filledQuantity: '0' });
    expect(await itemsOfType('FILL')).toHaveLength(0);
  });

  it('books a real fill once, from the broker’s answer, asking the broker once for the updates of one order in a batch', async () => {
    w.useBroker({ partialFills: { probability: 1, maxSlices: 3 } });
    await processApprovedOrder(w.deps(), await w.approve('r-1', { quantity: '9' }));
    w.broker.advance();
    w.broker.advance();
    const updates = w.updates.filter((u) => u.fill);
    expect(updates.length).toBeGreaterThan(1);
    let queries = 0;
    const counting = delegatingBroker(w.broker, {
      getOrderByClientOrderId: (id) => {
        queries++;
        return w.broker.getOrderByClientOrderId(id);
      },
    });
    const batch = w.deps({ broker: counting, brokerReads: new BrokerReadCache() });
    const outcomes = [];
    for (const [i, update] of [...updates, ...updates].entries()) outcomes.push(await processBrokerUpdate(batch, ACCOUNT, update, `msg-${i}`));
    expect(outcomes).not.toContain('rejected');
    expect(queries).toBe(1);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'r-1')).toMatchObject({ status: 'FILLED', filledQuantity: '9', inFlight: '0' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '9' });
    expect(await itemsOfType('FILL')).toHaveLength(w.broker.fills().length);
    expect(f.telemetry.countOf(METRICS.brokerUpdateRejected)).toBe(0);
  });

  it('asks the broker again before refusing an update on an answer shared within the batch', async () => {
    const real = await restingOrder('f-5');
    const batch = w.deps({ brokerReads: new BrokerReadCache() });
    await expect(processBrokerUpdate(batch, ACCOUNT, { event: 'new', order: real, at: real.updatedAt }, 'msg-5a')).resolves.toBe('unchanged');
    await w.broker.cancelOrder(real.brokerOrderId); // canceled at the broker after the batch's read, same time stamp
    const canceled = await w.broker.getOrderByClientOrderId('f-5');
    if (canceled?.status !== 'canceled') throw new Error('canceled');
    await expect(processBrokerUpdate(batch, ACCOUNT, { event: 'canceled', order: canceled, at: canceled.updatedAt }, 'msg-5b')).resolves.toBe('applied');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'f-5')).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    expect(f.telemetry.countOf(METRICS.brokerUpdateRejected)).toBe(0);
  });
});

describe('a broker order id that changes', () => {
  it('is reported, counted and audited, and the stored broker order id and status stay', async () => {
    w.useBroker({ dedupeClientOrderIds: false });
    const first = await restingOrder('b-1');
    // A venue that took the same client order id twice now answers with the second order.
    const second = await w.broker.submitOrder({ clientOrderId: 'b-1', symbol: 'AAPL', side: 'buy', quantity: '4', orderType: 'market', timeInForce: 'day' });
    expect(second.brokerOrderId).not.toBe(first.brokerOrderId);
    const update = w.updates.filter((u) => u.order.brokerOrderId === second.brokerOrderId).at(-1);
    if (!update) throw new Error('the second order filled');
    await processBrokerUpdate(w.deps(), ACCOUNT, update, 'msg-b-1');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'b-1')).toMatchObject({ brokerOrderId: first.brokerOrderId, status: 'ACCEPTED', filledQuantity: '0' });
    expect(await itemsOfType('FILL')).toHaveLength(0);
    expect(f.telemetry.countOf(METRICS.brokerOrderIdChanged)).toBe(1);
    // The other order's fill is refused with it.
    expect(f.telemetry.countsBy(METRICS.orderAnomaly, 'kind')).toEqual({ BROKER_ORDER_ID_CHANGED: 1, FILL_MISMATCH: 1 });
    const details = (await auditOf('ORDER_ANOMALY')).map((i) => i.detail);
    expect(details).toContainEqual(expect.objectContaining({ M: expect.objectContaining({ kind: { S: 'BROKER_ORDER_ID_CHANGED' }, stored: { S: first.brokerOrderId }, reported: { S: second.brokerOrderId } }) }));
  });
});

describe('what the broker confirms', () => {
  const broker: BrokerOrder = {
    clientOrderId: 'c-1', brokerOrderId: 'B1', symbol: 'AAPL', side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day',
    status: 'partially_filled', filledQuantity: '6', submittedAt: '2026-11-23T15:00:00.000Z', updatedAt: '2026-11-23T15:00:02.000Z',
  };
  const fill: BrokerFill = { executionId: 'e-1', brokerOrderId: 'B1', symbol: 'AAPL', side: 'buy', quantity: '6', price: '100.5', cumulativeQuantity: '6', at: broker.updatedAt };
  const update = (order: Partial<BrokerOrder>, withFill?: Partial<BrokerFill>): BrokerUpdate => ({
    event: 'x', order: { ...broker, ...order }, ...(withFill ? { fill: { ...fill, ...withFill } } : {}), at: broker.updatedAt,
  });
  const reason = (u: BrokerUpdate, fills: BrokerFill[] = [fill]) => contradictionOf(u, { order: broker, fills })?.reason;

  it('confirms an update the broker has since overtaken (an older live status, less filled, a late fill after a cancel)', () => {
    expect(reason(update({ status: 'accepted', filledQuantity: '0' }))).toBeUndefined();
    expect(reason(update({}, { price: '100.50' }))).toBeUndefined();
    expect(contradictionOf(update({ status: 'canceled' }), { order: { ...broker, status: 'filled' } })).toBeUndefined();
  });

  it('waits, rather than refuses, while the broker’s answer may not show the update yet', () => {
    const later = update({}, {});
    expect(brokerMayLag(later, { order: undefined })).toBe(true);
    expect(brokerMayLag(update({ updatedAt: '2026-11-23T15:00:02.001Z' }), { order: broker })).toBe(true);
    // The snapshot counts the fill, the fill listing does not reach it yet.
    expect(brokerMayLag(later, { order: broker, fills: [] })).toBe(true);
    // The listing reaches it with another price, or the snapshot does not count it: final.
    expect(brokerMayLag(update({}, { price: '99' }), { order: broker, fills: [fill] })).toBe(false);
    expect(brokerMayLag(update({}, { quantity: '7', cumulativeQuantity: '7' }), { order: broker, fills: [fill] })).toBe(false);
  });

  it('refuses each thing the broker does not say, by reason', () => {
    expect(contradictionOf(update({}), { order: undefined })?.reason).toBe('NOT_AT_BROKER');
    expect(reason(update({ brokerOrderId: 'B2' }))).toBe('OTHER_BROKER_ORDER');
    expect(reason(update({ quantity: '11' }))).toBe('ORDER_DETAILS');
    expect(reason(update({ status: 'filled' }))).toBe('STATUS');
    expect(reason(update({ filledQuantity: '6.000001' }))).toBe('FILLED_QUANTITY');
    expect(reason(update({}, { price: '100.49' }))).toBe('FILL');
    expect(reason(update({}, { quantity: '5', cumulativeQuantity: '6' }))).toBe('FILL');
    expect(reason(update({}), [])).toBeUndefined();
    expect(reason(update({}, {}), [])).toBe('FILL');
  });
});
