import { describe, expect, it } from 'vitest';
import { LocalEventRouter, type LocalEvent } from '../../local/event-router';
import { EVENT_ROUTES } from '../../shared/routing/routes';
import { intended, runawayBreach } from '../support/bus-events';

describe('local event router', () => {
  it('delivers an intent to the risk function in the EventBridge event shape, as the route table says', async () => {
    const router = new LocalEventRouter();
    const received: LocalEvent[] = [];
    router.register('risk', async (e) => void received.push(e));
    await router.publish([intended('i-1')]);
    await router.drain();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ source: 'trading.feed', 'detail-type': 'OrderIntended.v1', detail: { data: { intentId: 'i-1' } } });
  });

  it('delivers nothing through a disabled route', async () => {
    const router = new LocalEventRouter();
    let calls = 0;
    router.register('risk', async () => void calls++);
    router.disableRoute(EVENT_ROUTES[0]?.id ?? '');
    await router.publish([intended('i-2')]);
    await router.drain();
    expect(calls).toBe(0);
  });

  it('retries a failing target twice and then keeps the event as a dead letter', async () => {
    const router = new LocalEventRouter({ retries: 2 });
    let calls = 0;
    router.register('risk', async () => {
      calls++;
      throw new Error('boom');
    });
    await router.publish([intended('i-3')]);
    await router.drain();
    expect(calls).toBe(3);
    expect(router.deadLetters).toHaveLength(1);
  });

  it('delivers a breach to the breaker while the risk function still has a backlog of intents', async () => {
    const router = new LocalEventRouter({ concurrency: 1 });
    let releaseRisk!: () => void;
    const riskBlocked = new Promise<void>((resolve) => (releaseRisk = resolve));
    let decided = 0;
    router.register('risk', async () => {
      await riskBlocked;
      decided++;
    });
    const breaches: LocalEvent[] = [];
    router.register('breaker', async (e) => void breaches.push(e));
    await router.publish(Array.from({ length: 50 }, (_, i) => intended(`i-b${i}`)));
    await router.publish([runawayBreach('INTENT_RATE.a.20261123T150000Z')]);
    await new Promise((r) => setTimeout(r, 20));
    expect(breaches).toHaveLength(1);
    expect(decided).toBe(0);
    expect(router.pending).toBe(50);
    releaseRisk();
    await router.drain();
    expect(decided).toBe(50);
  });

  it('refuses to publish an event its own schema rejects', async () => {
    const router = new LocalEventRouter();
    const bad = intended('i-4');
    (bad.detail.data as { quantity: string }).quantity = '-1';
    await expect(router.publish([bad])).rejects.toThrow(/quantity/);
  });

  it('answers a batch entry by entry: an event its schema rejects is refused as malformed, the others are delivered', async () => {
    const router = new LocalEventRouter();
    const received: string[] = [];
    router.register('risk', async (e) => void received.push((e.detail as { data: { intentId: string } }).data.intentId));
    const bad = intended('i-6');
    (bad.detail.data as { quantity: string }).quantity = '-1';
    const results = await router.putBatch([intended('i-5'), bad, intended('i-7')]);
    await router.drain();
    expect(results.map((r) => r.accepted)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ accepted: false, errorCode: 'MalformedDetail', errorMessage: expect.stringMatching(/quantity/) });
    expect(received.sort()).toEqual(['i-5', 'i-7']);
    expect(router.published.get('OrderIntended.v1')).toBe(2);
  });

  it('tells a listener of every delivery its target took, and of none it failed', async () => {
    const router = new LocalEventRouter({ retries: 0 });
    router.register('risk', async (e) => {
      if ((e.detail as { data: { intentId: string } }).data.intentId === 'i-9') throw new Error('boom');
    });
    const delivered: string[] = [];
    router.onDelivered(({ route, event }) => delivered.push(`${route}:${(event.detail as { data: { intentId: string } }).data.intentId}`));
    await router.publish([intended('i-8'), intended('i-9')]);
    await router.drain();
    expect(delivered).toEqual([`${EVENT_ROUTES[0]?.id}:i-8`]);
    expect(router.deadLetters).toHaveLength(1);
  });

  it('replays recorded events as EventBridge does: the same ids and details, named by the replay, not archived again', async () => {
    const router = new LocalEventRouter();
    const received: LocalEvent[] = [];
    router.register('risk', async (e) => void received.push(e));
    router.register('breaker', async (e) => void received.push(e));
    await router.publish([intended('i-10'), runawayBreach('INTENT_RATE.a.20261123T150000Z')]);
    await router.drain();
    const recorded = [...router.seen];
    router.redeliver(recorded, { replayName: 'replay-1' });
    await router.drain();
    expect(received.slice(2).map((e) => e.id).sort()).toEqual(recorded.map((e) => e.id).sort());
    expect(received.slice(2).every((e) => (e as LocalEvent & { 'replay-name'?: string })['replay-name'] === 'replay-1')).toBe(true);
    expect(received.slice(2).map((e) => e.detail)).toEqual(expect.arrayContaining(recorded.map((e) => e.detail)));
    expect(router.seen).toHaveLength(2);
    expect(router.published.get('OrderIntended.v1')).toBe(1);
  });

  it('replays only through the routes a replay names, as its FilterArns limit it to those rules', async () => {
    const router = new LocalEventRouter();
    const targets: string[] = [];
    router.register('risk', async () => void targets.push('risk'));
    router.register('breaker', async () => void targets.push('breaker'));
    await router.publish([intended('i-11'), runawayBreach('INTENT_RATE.a.20261123T150001Z')]);
    await router.drain();
    router.redeliver(router.seen, { replayName: 'breaches-only', routes: ['RiskBreachToBreaker'] });
    await router.drain();
    expect(targets.sort()).toEqual(['breaker', 'breaker', 'risk']);
  });
});
