// The simulated broker's update feed: subscribers, the update stream adapter, and lost updates.
import { describe, expect, it } from 'vitest';
import { market, setup } from './simulated-broker-setup';

describe('simulated broker: update stream', () => {
  it('reports connected on start, delivers updates in order, isolates a failing handler and stops on close', async () => {
    const { broker } = setup();
    const stream = broker.updateStream();
    const statuses: string[] = [];
    const received: string[] = [];
    await stream.start({
      onUpdate: async (u) => {
        received.push(`${u.order.clientOrderId}:${u.event}`);
        if (u.order.clientOrderId === 'boom' && u.event === 'new') throw new Error('handler failed');
      },
      onStatus: (s) => statuses.push(s),
    });
    expect(statuses).toEqual(['connected']);
    await broker.submitOrder(market({ clientOrderId: 'boom' }));
    await broker.submitOrder(market({ clientOrderId: 'next' }));
    await stream.idle();
    expect(received).toEqual(['boom:new', 'boom:fill', 'next:new', 'next:fill']);
    expect(stream.handlerErrors()).toHaveLength(1);

    await stream.close();
    await broker.submitOrder(market({ clientOrderId: 'after-close' }));
    await stream.idle();
    expect(received).toHaveLength(4);
  });

  it('stops delivering after unsubscribe and survives a listener that throws', async () => {
    const { broker } = setup();
    const unsubscribe = broker.subscribe(() => {
      throw new Error('listener failed');
    });
    await expect(broker.submitOrder(market({ clientOrderId: 'a' }))).resolves.toMatchObject({ status: 'filled' });
    expect(broker.listenerErrors()).toHaveLength(2);
    unsubscribe();
    await broker.submitOrder(market({ clientOrderId: 'b' }));
    expect(broker.listenerErrors()).toHaveLength(2);
  });

  it('loses every update with lostUpdateRate 1 while the broker state still changes', async () => {
    const { broker, updates } = setup({ faults: { rate: 0, lostUpdateRate: 1 } });
    await broker.submitOrder(market());
    expect(updates).toEqual([]);
    expect(broker.lostUpdateCount()).toBe(2);
    expect(broker.orders()).toMatchObject([{ status: 'filled' }]);
    expect(await broker.getPositions()).toMatchObject([{ symbol: 'AAPL', quantity: '10' }]);
  });

  it('loses some but not all updates with lostUpdateRate 0.5, the same ones for the same seed', async () => {
    const run = async () => {
      const { broker, updates } = setup({ faults: { rate: 0, lostUpdateRate: 0.5 } });
      for (let i = 0; i < 50; i++) await broker.submitOrder(market({ clientOrderId: `o-${i}` }));
      expect(updates.length + broker.lostUpdateCount()).toBe(100);
      return updates.map((u) => `${u.order.clientOrderId}:${u.event}`);
    };
    const delivered = await run();
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.length).toBeLessThan(100);
    expect(await run()).toEqual(delivered);
  });
});
