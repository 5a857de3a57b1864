import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETAIL_SCHEMAS, DETAIL_TYPES, type DomainEvent } from '../../../shared/events/catalog';
import { StrategyHost, type IntentRateLimit } from '../../../shared/strategy/strategy-host';
import { STRATEGY_METRICS } from '../../../shared/strategy/strategy-metrics';
import type { Strategy, StrategyOrder } from '../../../shared/strategy/strategy';
import { ManualClock, RecordingBus } from '../../support/fixtures';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';

const order: StrategyOrder = { symbol: 'AAPL', side: 'buy', quantity: '1' };

/** A strategy that proposes whatever count the test sets for the next tick. */
const scripted = () => {
  const state = { next: 0 };
  const strategy: Strategy = { name: 'scripted', onTicks: () => Array.from({ length: state.next }, () => ({ ...order })) };
  return { strategy, state };
};

const hostWith = (limit: IntentRateLimit | undefined, bus = new RecordingBus(), clock = new ManualClock()) => {
  const { strategy, state } = scripted();
  const telemetry = new InMemoryTelemetry();
  const host = new StrategyHost({ strategy, account: 'acct-1', runId: 'run-1', bus, clock, telemetry, ...(limit ? { intentRate: limit } : {}) });
  const tick = async (proposals: number) => {
    state.next = proposals;
    return host.onTicks([{ symbol: 'AAPL', price: '100.00', at: new Date(clock.now()).toISOString() }]);
  };
  return { host, bus, clock, telemetry, tick };
};

const intents = (events: readonly DomainEvent[]) => events.filter((e) => e.detailType === DETAIL_TYPES.OrderIntended);
const breaches = (events: readonly DomainEvent[]) => events.filter((e) => e.detailType === DETAIL_TYPES.RiskBreach);

describe('strategy host runaway guard', () => {
  const limit = { maxIntents: 100, windowMs: 1000 };

  it('publishes exactly the limit within one window without tripping', async () => {
    const { bus, host, tick } = hostWith(limit);
    expect(await tick(60)).toBe(60);
    expect(await tick(40)).toBe(40);
    expect(intents(bus.events)).toHaveLength(100);
    expect(breaches(bus.events)).toHaveLength(0);
    expect(host.runaway).toBeUndefined();
  });

  it('trips on the first intent over the limit, refuses it, and publishes an INTENT_RATE breach before the intents', async () => {
    const { bus, host, tick, telemetry } = hostWith(limit);
    expect(await tick(101)).toBe(100);
    expect(intents(bus.events)).toHaveLength(100);
    const [breach] = breaches(bus.events);
    expect(bus.events[0]?.detailType).toBe(DETAIL_TYPES.RiskBreach);
    const detail = DETAIL_SCHEMAS[DETAIL_TYPES.RiskBreach].parse(breach?.detail);
    expect(detail.data).toMatchObject({ kind: 'INTENT_RATE', account: 'acct-1', observed: '101', threshold: '100', breachId: 'INTENT_RATE.acct-1.20261123T150000Z' });
    expect(breach?.source).toBe('trading.feed');
    expect(host.runaway).toMatchObject({ breachId: 'INTENT_RATE.acct-1.20261123T150000Z', observed: 101, published: true });
    expect(host.refused).toBe(1);
    expect(telemetry.countOf(STRATEGY_METRICS.runawayTripped, { strategy: 'scripted' })).toBe(1);
  });

  it('lets the window slide: the limit again one window later when it never tripped', async () => {
    const { bus, clock, tick } = hostWith(limit);
    await tick(100);
    clock.advance(999);
    expect(await tick(1)).toBe(0);
    expect(breaches(bus.events)).toHaveLength(1);

    const fresh = hostWith(limit);
    await fresh.tick(100);
    fresh.clock.advance(1000);
    expect(await fresh.tick(100)).toBe(100);
    expect(breaches(fresh.bus.events)).toHaveLength(0);
  });

  it('keeps a tripped strategy stopped: nothing it proposes later is published, and the breach goes out once', async () => {
    const { bus, clock, host, tick } = hostWith(limit);
    await tick(150);
    for (let i = 0; i < 5; i++) {
      clock.advance(5_000);
      expect(await tick(1)).toBe(0);
    }
    expect(intents(bus.events)).toHaveLength(100);
    expect(breaches(bus.events)).toHaveLength(1);
    expect(host.refused).toBe(55);
    expect(host.proposed).toBe(155);
  });

  it('sends the breach again on the next tick when the bus refused it, while the strategy stays stopped', async () => {
    let failing = true;
    const bus = new (class extends RecordingBus {
      override async publish(batch: readonly DomainEvent[]): Promise<void> {
        if (failing && batch.some((e) => e.detailType === DETAIL_TYPES.RiskBreach)) throw new Error('bus down');
        await super.publish(batch);
      }
    })();
    const { events } = bus;
    const { host, tick, telemetry } = hostWith(limit, bus);
    await expect(tick(120)).resolves.toBe(100);
    expect(breaches(events)).toHaveLength(0);
    expect(host.runaway?.published).toBe(false);
    expect(telemetry.countOf(STRATEGY_METRICS.breachUnpublished, { strategy: 'scripted' })).toBe(1);
    failing = false;
    expect(await tick(3)).toBe(0);
    expect(breaches(events)).toHaveLength(1);
    expect(host.runaway?.published).toBe(true);
  });

  it('publishes everything when no guard is configured', async () => {
    const { bus, tick } = hostWith(undefined);
    expect(await tick(1_000)).toBe(1_000);
    expect(breaches(bus.events)).toHaveLength(0);
  });

  it('refuses a guard without a positive integer limit', () => {
    expect(() => hostWith({ maxIntents: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => hostWith({ maxIntents: 1.5, windowMs: 1000 })).toThrow(RangeError);
  });

  it('never publishes more than the limit within any window, and trips exactly when a proposal would exceed it (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 100, max: 2_000 }),
        fc.array(fc.record({ gapMs: fc.integer({ min: 0, max: 1_500 }), proposals: fc.integer({ min: 0, max: 20 }) }), { maxLength: 40 }),
        async (maxIntents, windowMs, steps) => {
          const { bus, clock, host, tick } = hostWith({ maxIntents, windowMs });
          const published: number[] = [];
          let expectedTrip: number | undefined;
          const model: number[] = [];
          for (const step of steps) {
            clock.advance(step.gapMs);
            const now = clock.now();
            // The model: admit while fewer than maxIntents were admitted in (now - windowMs, now].
            for (let i = 0; i < step.proposals && expectedTrip === undefined; i++) {
              const inWindow = model.filter((t) => t > now - windowMs).length;
              if (inWindow < maxIntents) model.push(now);
              else expectedTrip = now;
            }
            const n = await tick(step.proposals);
            for (let i = 0; i < n; i++) published.push(now);
          }
          expect(published).toEqual(model);
          for (const t of published) expect(published.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(maxIntents);
          expect(host.runaway?.at).toBe(expectedTrip);
          expect(breaches(bus.events)).toHaveLength(expectedTrip === undefined ? 0 : 1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
