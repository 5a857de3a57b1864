// Broker views against DynamoDB Local and the simulated broker: stream updates book fills exactly once
// whatever their order, fills a lost update carried are fetched, and a move backwards is alarmed, not applied.
import { describe, expect, it } from 'vitest';
import { applyBrokerView, processBrokerUpdate } from '../../../shared/order-service/broker-view';
import { processApprovedOrder } from '../../../shared/order-service/submission';
import { METRICS } from '../../../shared/telemetry/metrics';
import { ACCOUNT, scanAll, STRATEGY } from '../../support/fixtures';
import { useOrderServiceFixture } from '../../support/order-service';

const w = useOrderServiceFixture();
const { f } = w;

describe('applying broker views', () => {
  it('books partial fills from the stream exactly once when updates are duplicated and reordered', async () => {
    w.useBroker({ seed: 3, partialFills: { probability: 1, maxSlices: 3 } });
    const message = await w.approve('t-5', { quantity: '9' });
    await processApprovedOrder(w.deps(), message);
    w.broker.advance();
    w.broker.advance();
    const fillUpdates = w.updates.filter((u) => u.fill);
    expect(fillUpdates.length).toBeGreaterThan(1);
    for (const update of [...fillUpdates].reverse().concat(fillUpdates)) await processBrokerUpdate(w.deps(), ACCOUNT, update, 'stream');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-5')).toMatchObject({ status: 'FILLED', filledQuantity: '9', inFlight: '0' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '9' });
    const fills = (await scanAll(f.client, f.tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === 'FILL');
    expect(fills).toHaveLength(w.broker.fills().length);
  });

  it('fetches the fills a lost update would have carried', async () => {
    w.useBroker({ seed: 3, partialFills: { probability: 1, maxSlices: 3 } });
    const message = await w.approve('t-6', { quantity: '9' });
    await processApprovedOrder(w.deps(), message);
    w.broker.advance();
    w.broker.advance();
    // Only the last update arrives; it says 9 filled but carries one execution.
    const last = w.broker.fills().at(-1);
    const order = await w.broker.getOrderByClientOrderId('t-6');
    if (!last || !order) throw new Error('the order filled');
    await processBrokerUpdate(w.deps(), ACCOUNT, { event: 'fill', order, fill: last, at: last.at }, 'stream');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-6')).toMatchObject({ status: 'FILLED', filledQuantity: '9' });
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '9' });
  });

  it('records and alarms a broker view that would move a filled order backwards, without applying it', async () => {
    await processApprovedOrder(w.deps(), await w.approve('x-1'));
    const order = await w.broker.getOrderByClientOrderId('x-1');
    if (!order) throw new Error('submitted');
    // Only a view from the broker itself gets this far: a queued update saying so is refused before it (update-confirmation.test.ts).
    const backwards = { ...order, status: 'canceled' as const, updatedAt: '2026-11-23T16:00:00.000Z' };
    await applyBrokerView(w.deps(), { account: ACCOUNT, strategy: STRATEGY, causationId: 'rec-1', actor: 'reconciliation' }, 'x-1', { order: backwards });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'x-1')).toMatchObject({ status: 'FILLED' });
    expect(f.telemetry.countsBy(METRICS.orderAnomaly, 'kind')).toEqual({ INVALID_TRANSITION: 1 });
    const kinds = (await scanAll(f.client, f.tableName)).map((i) => (i.kind as { S: string } | undefined)?.S);
    expect(kinds).toContain('ORDER_ANOMALY');
  });
});
