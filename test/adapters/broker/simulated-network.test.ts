// The network in front of the simulated broker: injected faults, unreachability and latency.
import { describe, expect, it } from 'vitest';
import { SIMULATED_FAULT_KINDS, type SimulatedFaultKind } from '../../../adapters/broker/simulated-broker';
import { T0, failureOf, limit, market, setup } from './simulated-broker-setup';

describe('simulated broker: faults', () => {
  it.each(SIMULATED_FAULT_KINDS)('fails submitOrder as ambiguous on %s and applies it only after a timeout after the effect', async (kind) => {
    const { broker } = setup({ faults: { rate: 1, kinds: [kind], calls: ['submitOrder'] } });
    const error = await failureOf(broker.submitOrder(market()));
    expect(error.outcome).toBe('ambiguous');
    const expectedDetail: Record<SimulatedFaultKind, object> = {
      'server-error': { status: 503 },
      'rate-limited': { status: 429, retryAfterMs: 1000 },
      'connection-reset': { code: 'ECONNRESET' },
      'timeout-before-effect': { code: 'ETIMEDOUT' },
      'timeout-after-effect': { code: 'ETIMEDOUT' },
    };
    expect(error.detail).toEqual(expectedDetail[kind]);
    expect(broker.faultCount()[kind]).toBe(1);
    expect(broker.submitCalls()).toBe(1);

    const applied = kind === 'timeout-after-effect';
    expect(broker.submittedOrderCount()).toBe(applied ? 1 : 0);
    expect(broker.fills()).toHaveLength(applied ? 1 : 0);
    const found = await broker.getOrderByClientOrderId('c-1');
    if (applied) expect(found).toMatchObject({ status: 'filled', filledQuantity: '10' });
    else expect(found).toBeUndefined();
  });

  it('gives a timed-out request the same error whether or not it took effect', async () => {
    const before = await failureOf(setup({ faults: { rate: 1, kinds: ['timeout-before-effect'] } }).broker.submitOrder(market()));
    const after = await failureOf(setup({ faults: { rate: 1, kinds: ['timeout-after-effect'] } }).broker.submitOrder(market()));
    expect([after.message, after.detail]).toEqual([before.message, before.detail]);
  });

  it('applies a cancel that times out after the effect and not one that times out before it', async () => {
    for (const kind of ['timeout-after-effect', 'timeout-before-effect'] as const) {
      const { broker } = setup({ faults: { rate: 1, kinds: [kind], calls: ['cancelOrder'] } });
      const order = await broker.submitOrder(limit('100'));
      expect((await failureOf(broker.cancelOrder(order.brokerOrderId))).outcome).toBe('ambiguous');
      const status = (await broker.getOrderByClientOrderId('c-1'))?.status;
      expect([kind, status]).toEqual([kind, kind === 'timeout-after-effect' ? 'canceled' : 'accepted']);
    }
  });

  it('fails every eligible call with some kind and only the calls listed', async () => {
    const { broker } = setup({ faults: { rate: 1, calls: ['getAccount', 'getPositions'] } });
    await expect(broker.submitOrder(market())).resolves.toMatchObject({ status: 'filled' });
    for (let i = 0; i < 100; i++) expect((await failureOf(broker.getAccount())).outcome).toBe('ambiguous');
    expect((await failureOf(broker.getPositions())).outcome).toBe('ambiguous');
    const counts = broker.faultCount();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(101);
    for (const kind of SIMULATED_FAULT_KINDS) expect(counts[kind]).toBeGreaterThan(0);
    expect(new Set(broker.faultLog().map((f) => f.call))).toEqual(new Set(['getAccount', 'getPositions']));
  });

  it('fails every call as ambiguous while unreachable, counting submits, and recovers', async () => {
    const { broker } = setup();
    broker.setUnavailable(true);
    const calls: Promise<unknown>[] = [
      broker.submitOrder(market()),
      broker.getOrderByClientOrderId('c-1'),
      broker.listOpenOrders(),
      broker.cancelOrder('sim-3-1'),
      broker.cancelAllOrders(),
      broker.listFills({ after: T0 }),
      broker.getPositions(),
      broker.getAccount(),
      broker.closeAllPositions(),
    ];
    for (const call of calls) {
      const error = await failureOf(call);
      expect([error.message, error.outcome]).toEqual(['simulated broker is unreachable', 'ambiguous']);
    }
    expect(broker.submitCalls()).toBe(1);
    expect(broker.orders()).toEqual([]);
    broker.setUnavailable(false);
    await expect(broker.submitOrder(market())).resolves.toMatchObject({ status: 'filled' });
  });

  it('awaits a drawn latency within the range before each call, and never sleeps when it is zero', async () => {
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
    };
    const { broker } = setup({ latencyMs: { min: 5, max: 20 }, sleep });
    for (let i = 0; i < 20; i++) await broker.getAccount();
    expect(slept).toHaveLength(20);
    expect(slept.every((ms) => Number.isInteger(ms) && ms >= 5 && ms <= 20)).toBe(true);

    const zero: number[] = [];
    const quiet = setup({ latencyMs: { min: 0, max: 0 }, sleep: async (ms) => void zero.push(ms) }).broker;
    await quiet.submitOrder(market());
    await quiet.getAccount();
    expect(zero).toEqual([]);
  });
});
