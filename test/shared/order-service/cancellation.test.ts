// Cancellation against DynamoDB Local and the simulated broker: an order not yet sent is canceled locally,
// a resting one through the broker's own answer, and cancel-all reaches both.
import { describe, expect, it } from 'vitest';
import { cancelAllOrders, cancelOrder } from '../../../shared/order-service/cancellation';
import { processApprovedOrder } from '../../../shared/order-service/submission';
import { ACCOUNT, STRATEGY } from '../../support/fixtures';
import { useOrderServiceFixture } from '../../support/order-service';

const w = useOrderServiceFixture();
const { f } = w;

describe('order cancellation', () => {
  it('cancels an order not yet sent locally, and a resting one through the broker', async () => {
    await w.approve('c-1');
    await expect(cancelOrder(w.deps(), { account: ACCOUNT, intentId: 'c-1', requestedBy: 'jane.doe', requestId: 'r-1' })).resolves.toBe('canceled');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-1')).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    const resting = await w.approve('c-2', { orderType: 'limit', limitPrice: '99' });
    await processApprovedOrder(w.deps(), resting);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-2')).toMatchObject({ status: 'ACCEPTED' });
    await expect(cancelOrder(w.deps(), { account: ACCOUNT, intentId: 'c-2', requestedBy: 'jane.doe', requestId: 'r-2' })).resolves.toBe('requested');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'c-2')).toMatchObject({ status: 'CANCELED', inFlight: '0' });
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
    expect(await w.book()).toMatchObject({ inFlightBuy: '0' });
  });

  it('cancels every open order of the account, at the broker and locally', async () => {
    await processApprovedOrder(w.deps(), await w.approve('a-1', { orderType: 'limit', limitPrice: '98' }));
    await processApprovedOrder(w.deps(), await w.approve('a-2', { orderType: 'limit', limitPrice: '97', side: 'buy' }));
    await w.approve('a-3');
    await expect(cancelAllOrders(w.deps(), { account: ACCOUNT, requestedBy: 'kill-switch', requestId: 'k-1' })).resolves.toEqual({ requested: 2, canceledLocally: 1, waiting: 0, waitingIds: [], notReached: [] });
    for (const id of ['a-1', 'a-2', 'a-3']) expect(await f.stores.orderStore.getOrder(ACCOUNT, id)).toMatchObject({ status: 'CANCELED' });
    expect((await w.broker.listOpenOrders()).orders).toEqual([]);
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
  });

  it('names the orders it waits on: claimed for submission with no broker id yet', async () => {
    await w.approve('s-1');
    await f.stores.orderStore.claimForSubmission(ACCOUNT, 's-1', 'worker-2', f.clock.now(), 10_000);
    await expect(cancelAllOrders(w.deps(), { account: ACCOUNT, requestedBy: 'kill-switch', requestId: 'k-2' })).resolves.toMatchObject({ waiting: 1, waitingIds: ['s-1'], notReached: [] });
  });

  it('starts no per-order cancel at or after its deadline and names the orders it did not reach', async () => {
    await w.approve('d-1');
    const result = await cancelAllOrders(w.deps(), { account: ACCOUNT, requestedBy: 'kill-switch', requestId: 'k-3' }, { deadlineMs: f.clock.now() });
    expect(result).toMatchObject({ canceledLocally: 0, notReached: ['d-1'] });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'd-1')).toMatchObject({ status: 'PENDING' });
    await expect(cancelAllOrders(w.deps(), { account: ACCOUNT, requestedBy: 'kill-switch', requestId: 'k-4' }, { deadlineMs: f.clock.now() + 1 })).resolves.toMatchObject({ canceledLocally: 1, notReached: [] });
  });
});
