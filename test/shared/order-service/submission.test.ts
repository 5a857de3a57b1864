// Submission against DynamoDB Local and the simulated broker: an ambiguous submission stays in flight until
// a query settles it, "no such order" is trusted only after the grace period, and only a definite refusal rejects.
import { describe, expect, it } from 'vitest';
import type { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import { BrokerCallError } from '../../../shared/broker/broker-call-error';
import { InvalidInputError, RetryLaterError } from '../../../shared/errors/errors';
import { processApprovedOrder, settleAfterRestart, settleInFlightOrders } from '../../../shared/order-service/submission';
import type { Broker } from '../../../shared/ports/broker';
import { ACCOUNT, STRATEGY } from '../../support/fixtures';
import { useOrderServiceFixture } from '../../support/order-service';

const w = useOrderServiceFixture();
const { f } = w;

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

describe('order submission', () => {
  it('keeps an order in flight after a timeout that reached the w.broker, then books it once from the query', async () => {
    const message = await w.approve('t-1');
    const d = w.deps({ broker: failFirstSubmit(w.broker, true) });
    await expect(processApprovedOrder(d, message)).rejects.toBeInstanceOf(RetryLaterError);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-1')).toMatchObject({ status: 'IN_FLIGHT' });
    expect(await w.book()).toMatchObject({ inFlightBuy: '10' }); // still counted against every limit
    await expect(processApprovedOrder(d, message)).resolves.toBe('settled');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-1')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect(w.broker.submittedOrderCount()).toBe(1);
    expect(await f.stores.orderStore.getPosition(ACCOUNT, 'AAPL')).toMatchObject({ quantity: '10', version: 1 });
    expect(await w.book()).toMatchObject({ quantity: '10', inFlightBuy: '0' });
  });

  it('does not trust "no such order" within the grace period, and sends again under the same id after it', async () => {
    const message = await w.approve('t-2');
    const d = w.deps({ broker: failFirstSubmit(w.broker, false) });
    await expect(processApprovedOrder(d, message)).rejects.toBeInstanceOf(RetryLaterError);
    f.clock.advance(4_999);
    await expect(processApprovedOrder(d, message)).rejects.toThrow(/does not show it yet/);
    f.clock.advance(1);
    await expect(processApprovedOrder(d, message)).resolves.toBe('submitted');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-2')).toMatchObject({ status: 'FILLED' });
    expect(w.broker.submittedOrderCount()).toBe(1);
  });

  it('blocks an order the broker never got when trading halted in the meantime', async () => {
    const message = await w.approve('t-3');
    const d = w.deps({ broker: failFirstSubmit(w.broker, false) });
    await expect(processApprovedOrder(d, message)).rejects.toBeInstanceOf(RetryLaterError);
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T15:00:01.000Z');
    f.clock.advance(5_000);
    await expect(settleInFlightOrders(d, ACCOUNT, 'rec-1')).resolves.toBe(1);
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-3')).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_HALTED', inFlight: '0' });
    expect(w.broker.submittedOrderCount()).toBe(0);
    expect(await w.book()).toMatchObject({ inFlightBuy: '0' });
  });

  it('sends an approval exactly 60 s old and blocks one a millisecond older (a message redriven long after) before any broker call', async () => {
    const fresh = await w.approve('t-5');
    f.clock.advance(60_000);
    await expect(processApprovedOrder(w.deps(), fresh)).resolves.toBe('submitted');
    const stale = await w.approve('t-6');
    f.clock.advance(60_001);
    await expect(processApprovedOrder(w.deps(), stale)).resolves.toBe('blocked');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-6')).toMatchObject({ status: 'BLOCKED', reason: 'APPROVAL_EXPIRED', inFlight: '0' });
    expect(w.broker.submittedOrderCount()).toBe(1);
    expect(f.bus.ofType('OrderDenied.v1').at(-1)?.detail).toMatchObject({ data: { reason: 'APPROVAL_EXPIRED', stage: 'pre-submit' } });
    // The same message delivered again is a duplicate: nothing more happens.
    await expect(processApprovedOrder(w.deps(), stale)).resolves.toBe('duplicate');
  });

  it('refuses, naming the field, an approval for an order the table does not hold (a message the risk function did not send), with no broker call', async () => {
    const real = await w.approve('t-7');
    const forged = { ...real, data: { ...real.data, intent: { ...real.data.intent, intentId: 'never-approved' } } };
    const error = await processApprovedOrder(w.deps(), forged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail.data.intent.intentId');
    expect(w.broker.submittedOrderCount()).toBe(0);
  });

  it('rejects an order only on a definite refusal, and releases its exposure', async () => {
    const message = await w.approve('t-4');
    const d = w.deps({ broker: failFirstSubmit(w.broker, false, new BrokerCallError('insufficient buying power', 'refused', { status: 403 })) });
    await expect(processApprovedOrder(d, message)).resolves.toBe('rejected');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-4')).toMatchObject({ status: 'REJECTED', rejectReason: expect.stringMatching(/buying power/) });
    expect((await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).openOrders).toBe(0);
    expect(await w.book()).toMatchObject({ inFlightBuy: '0' });
  });
  it('blocks a queued approval at the gate once trading is KILLED: no broker call, its exposure released, the denial published', async () => {
    const message = await w.approve('t-7');
    await f.seeder.putTradingState(ACCOUNT, 'KILLED', 'alice', '2026-11-23T15:00:01.000Z');
    await expect(processApprovedOrder(w.deps(), message)).resolves.toBe('blocked');
    const order = await f.stores.orderStore.getOrder(ACCOUNT, 't-7');
    expect(order).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_KILLED', inFlight: '0' });
    expect(order?.gatePassedAt).toBeUndefined();
    expect(w.broker.submitCalls()).toBe(0);
    expect(await w.book()).toMatchObject({ inFlightBuy: '0' });
    expect(f.bus.ofType('OrderDenied.v1').at(-1)?.detail).toMatchObject({ data: { reason: 'TRADING_KILLED', stage: 'pre-submit' } });
  });

  it('records the gate an order passed before it is sent', async () => {
    const message = await w.approve('t-8');
    await expect(processApprovedOrder(w.deps(), message)).resolves.toBe('submitted');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-8')).toMatchObject({ gatePassedAt: f.clock.now(), gateState: 'ACTIVE' });
  });

  it('after a kill, a worker taking over a dead one books what the dead one sent and blocks what it never sent', async () => {
    const sent = await w.approve('t-9');
    const unsent = await w.approve('t-10');
    // Both passed the gate under a worker that died; only t-9 reached the broker.
    await f.stores.orderStore.claimForSubmission(ACCOUNT, 't-9', 'w-dead', f.clock.now(), 10_000);
    await f.stores.orderStore.claimForSubmission(ACCOUNT, 't-10', 'w-dead', f.clock.now(), 10_000);
    await w.broker.submitOrder({ clientOrderId: 't-9', symbol: 'AAPL', side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day' });
    await f.seeder.putTradingState(ACCOUNT, 'KILLED', 'alice', '2026-11-23T15:00:01.000Z');
    f.clock.advance(10_001);
    await expect(processApprovedOrder(w.deps(), sent)).resolves.toBe('settled');
    await expect(processApprovedOrder(w.deps(), unsent)).resolves.toBe('blocked');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-9')).toMatchObject({ status: 'FILLED' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-10')).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_KILLED', inFlight: '0' });
    expect(w.broker.submittedOrderCount()).toBe(1);
  });

  it('after a whole-process restart, books what the broker holds, even a PENDING order whose claim the table lost, and blocks the rest unsent', async () => {
    await w.approve('t-12');
    await w.approve('t-13');
    await w.approve('t-14');
    // t-12 reached the broker but its claim never became durable; t-13 was claimed and sent; t-14 went nowhere.
    await f.stores.orderStore.claimForSubmission(ACCOUNT, 't-13', 'w-dead', f.clock.now(), 10_000);
    for (const id of ['t-12', 't-13']) await w.broker.submitOrder({ clientOrderId: id, symbol: 'AAPL', side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day' });
    await expect(settleAfterRestart(w.deps(), ACCOUNT, 'restart-1')).resolves.toEqual({ booked: 2, blocked: 1, lostClaims: 1 });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-12')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-13')).toMatchObject({ status: 'FILLED', filledQuantity: '10', inFlight: '0' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-14')).toMatchObject({ status: 'BLOCKED', reason: 'APPROVAL_EXPIRED', inFlight: '0' });
    expect(await w.book()).toMatchObject({ quantity: '20', inFlightBuy: '0' });
    expect(w.broker.submittedOrderCount()).toBe(2);
  });

  it('in REDUCING, passes the gate but blocks an order that would grow the position', async () => {
    const message = await w.approve('t-11');
    await f.seeder.putTradingState(ACCOUNT, 'REDUCING', 'breaker', '2026-11-23T15:00:01.000Z');
    await expect(processApprovedOrder(w.deps(), message)).resolves.toBe('blocked');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 't-11')).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_REDUCING', gateState: 'REDUCING' });
    expect(w.broker.submitCalls()).toBe(0);
  });
});
