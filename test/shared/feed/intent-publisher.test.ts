// The intent publisher: a bounded buffer in front of the bus. Each test drives the bus by hand (every call waits
// for the test's answer) and a sleep that records what it was asked, so nothing depends on timing.
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../shared/events/catalog';
import { eventEntryBytes } from '../../../shared/events/put-events-batches';
import { LocalEventRouter } from '../../../local/event-router';
import { IntentPublisher, type IntentPublisherOptions } from '../../../shared/feed/intent-publisher';
import type { EntryResult, EventBatchBus } from '../../../shared/ports/event-bus';
import { idOf, intended, runawayBreach, sized } from '../../support/bus-events';

interface Call {
  events: readonly DomainEvent[];
  ids: string[];
  answer(results: readonly EntryResult[]): void;
  fail(error: unknown): void;
}

/** A bus whose every call waits until the test answers it; `next()` yields the calls in the order they came. */
class ManualBus implements EventBatchBus {
  readonly calls: Call[] = [];
  private readonly arrived: Call[] = [];
  private takers: ((call: Call) => void)[] = [];

  putBatch(events: readonly DomainEvent[]): Promise<readonly EntryResult[]> {
    return new Promise((resolve, reject) => {
      const call: Call = { events: [...events], ids: events.map(idOf), answer: resolve, fail: reject };
      this.calls.push(call);
      const taker = this.takers.shift();
      if (taker) taker(call);
      else this.arrived.push(call);
    });
  }

  next(): Promise<Call> {
    const call = this.arrived.shift();
    return call ? Promise.resolve(call) : new Promise((resolve) => this.takers.push(resolve));
  }

  /** Answers the next call by accepting all of it; returns its ids. */
  async acceptNext(): Promise<string[]> {
    const call = await this.next();
    call.answer(call.events.map(() => ({ accepted: true })));
    return call.ids;
  }
}

const ok: EntryResult = { accepted: true };
const throttled: EntryResult = { accepted: false, errorCode: 'ThrottlingException' };
const intents = (from: number, count: number) => Array.from({ length: count }, (_, i) => intended(`i-${from + i}`));
/** Lets every promise job already due run (no timer, no wall clock). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));
const isSettled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settled();
  return done;
};

const setup = (limits: Partial<IntentPublisherOptions['limits']> = {}, options: Partial<IntentPublisherOptions> = {}) => {
  const bus = new ManualBus();
  const sleeps: number[] = [];
  const publisher = new IntentPublisher({
    bus,
    limits: { bufferCapacity: 100, maxBatchEntries: 10, maxBatchBytes: 256 * 1024, ...limits },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 1,
    ...options,
  });
  return { bus, publisher, sleeps };
};

describe('intent publisher: buffering and order', () => {
  it('refuses limits the feed configuration would refuse: at most 10 entries a call, a buffer of at least one', () => {
    const bus = new ManualBus();
    const limits = { bufferCapacity: 1, maxBatchEntries: 10, maxBatchBytes: 256 * 1024 };
    expect(() => new IntentPublisher({ bus, limits })).not.toThrow();
    expect(() => new IntentPublisher({ bus, limits: { ...limits, maxBatchEntries: 11 } })).toThrow();
    expect(() => new IntentPublisher({ bus, limits: { ...limits, bufferCapacity: 0 } })).toThrow();
    expect(() => new IntentPublisher({ bus, limits: { ...limits, maxBatchBytes: 256 * 1024 + 1 } })).toThrow();
  });

  it('resolves publish once the events are buffered, before the bus has answered', async () => {
    const { bus, publisher } = setup();
    await publisher.publish(intents(1, 3));
    expect(publisher.buffered).toBe(3);
    expect((await bus.next()).ids).toEqual(['i-1', 'i-2', 'i-3']);
    expect(publisher.counters.intentsPublished).toBe(0);
  });

  it('sends the events in the order they were published, across calls and batches', async () => {
    const { bus, publisher } = setup({ maxBatchEntries: 2 });
    await publisher.publish(intents(1, 3));
    await publisher.publish(intents(4, 2));
    const sent: string[] = [];
    while (sent.length < 5) sent.push(...(await bus.acceptNext()));
    expect(sent).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    expect(await publisher.flush()).toEqual({ drained: true, left: [] });
    expect(publisher.counters).toMatchObject({ intentsPublished: 5, putEventsCalls: 3, putEventsRetriedEntries: 0 });
  });

  it('makes publish wait while the buffer is full and resumes it when an accepted batch frees space', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 3, maxBatchEntries: 2 });
    await publisher.publish(intents(1, 3));
    const first = await bus.next();
    expect(first.ids).toEqual(['i-1', 'i-2']);

    const waiting = publisher.publish(intents(4, 2));
    expect(await isSettled(waiting)).toBe(false);
    expect(publisher.buffered).toBe(3);

    first.answer([ok, ok]);
    await waiting;
    expect(publisher.buffered).toBe(3);
    expect(publisher.counters).toMatchObject({ bufferHighWater: 3, backpressureWaits: 1 });
  });

  it('buffers a call larger than the whole buffer piece by piece, never holding more than the capacity', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 2, maxBatchEntries: 10 });
    const publishing = publisher.publish(intents(1, 5));
    const sent: string[] = [];
    while (sent.length < 5) {
      expect(publisher.buffered).toBeLessThanOrEqual(2);
      sent.push(...(await bus.acceptNext()));
    }
    await publishing;
    expect(sent).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    expect(publisher.counters.bufferHighWater).toBe(2);
  });

  it('serves waiting publishers in the order they came', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 1, maxBatchEntries: 1 });
    await publisher.publish(intents(1, 1));
    const second = publisher.publish(intents(2, 1));
    const third = publisher.publish(intents(3, 1));
    const sent: string[] = [];
    while (sent.length < 3) sent.push(...(await bus.acceptNext()));
    await Promise.all([second, third]);
    expect(sent).toEqual(['i-1', 'i-2', 'i-3']);
    expect(publisher.counters.backpressureWaits).toBe(2);
  });

  it('sends a runaway breach ahead of the intents not yet sent, behind the batch already in flight', async () => {
    const { bus, publisher } = setup({ maxBatchEntries: 2 });
    await publisher.publish(intents(1, 5));
    const inFlight = await bus.next();
    await publisher.publish([runawayBreach('b-1')]);
    inFlight.answer([ok, ok]);
    expect(await bus.acceptNext()).toEqual(['b-1', 'i-3']);
  });

  it('gives freed space to a waiting breach before intents that waited longer', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 2, maxBatchEntries: 1 });
    await publisher.publish(intents(1, 2));
    const inFlight = await bus.next();
    const intent = publisher.publish(intents(3, 1));
    const breach = publisher.publish([runawayBreach('b-1')]);
    inFlight.answer([ok]);
    expect(await isSettled(breach)).toBe(true);
    expect(await isSettled(intent)).toBe(false);
    expect(await bus.acceptNext()).toEqual(['b-1']);
    await intent;
    expect(publisher.counters.backpressureWaits).toBe(2);
  });

  it('refuses, whole, a call holding an event larger than a PutEvents call may carry', async () => {
    const { publisher } = setup({ maxBatchBytes: 2_000 });
    await expect(publisher.publish([intended('i-1'), sized(intended('i-2'), 2_001)])).rejects.toThrow(RangeError);
    expect(publisher.buffered).toBe(0);
  });
});

describe('intent publisher: batches within both PutEvents limits', () => {
  const batchSizes = async (bus: ManualBus, total: number) => {
    const sizes: number[] = [];
    for (let sent = 0; sent < total; sent += sizes.at(-1) ?? 0) sizes.push((await bus.acceptNext()).length);
    return sizes;
  };

  it('sends exactly maxBatchEntries in one call and splits one more', async () => {
    const exact = setup({ maxBatchEntries: 10 });
    await exact.publisher.publish(intents(1, 10));
    expect(await batchSizes(exact.bus, 10)).toEqual([10]);

    const over = setup({ maxBatchEntries: 10 });
    await over.publisher.publish(intents(1, 11));
    expect(await batchSizes(over.bus, 11)).toEqual([10, 1]);
  });

  it('sends entries totalling exactly maxBatchBytes in one call and splits at one byte more', async () => {
    const events = intents(1, 4).map((event) => sized(event, 1_000));
    expect(events.map(eventEntryBytes)).toEqual([1_000, 1_000, 1_000, 1_000]);

    const exact = setup({ maxBatchBytes: 3_000 });
    await exact.publisher.publish(events);
    expect(await batchSizes(exact.bus, 4)).toEqual([3, 1]);

    const under = setup({ maxBatchBytes: 2_999 });
    await under.publisher.publish(events);
    expect(await batchSizes(under.bus, 4)).toEqual([2, 2]);
  });
});

describe('intent publisher: a failing bus', () => {
  it('resends only the refused entries, ahead of newer ones, and counts them', async () => {
    const errors: unknown[] = [];
    const { bus, publisher, sleeps } = setup({ maxBatchEntries: 3 }, { onError: (e) => errors.push(e) });
    await publisher.publish(intents(1, 3));
    const first = await bus.next();
    await publisher.publish(intents(4, 2));
    first.answer([ok, throttled, ok]);
    expect(await bus.acceptNext()).toEqual(['i-2', 'i-4', 'i-5']);
    expect(await publisher.flush()).toEqual({ drained: true, left: [] });
    expect(publisher.counters).toMatchObject({ intentsPublished: 5, putEventsCalls: 2, putEventsRetriedEntries: 1, putEventsRefusedEntries: 1 });
    expect(sleeps).toHaveLength(1);
    expect(String(errors[0])).toMatch(/refused 1 entries \(ThrottlingException\)/);
  });

  it('resends the whole batch when the call itself fails, and tells onError the cause', async () => {
    const errors: unknown[] = [];
    const { bus, publisher } = setup({}, { onError: (e) => errors.push(e) });
    await publisher.publish(intents(1, 2));
    const failure = new Error('connection reset');
    (await bus.next()).fail(failure);
    expect(await bus.acceptNext()).toEqual(['i-1', 'i-2']);
    await publisher.flush();
    expect(errors).toEqual([failure]);
    expect(publisher.counters).toMatchObject({ intentsPublished: 2, putEventsCalls: 2, putEventsFailedCalls: 1, putEventsRetriedEntries: 2 });
  });

  it('treats an entry the bus left unanswered as refused', async () => {
    const { bus, publisher } = setup();
    await publisher.publish(intents(1, 2));
    (await bus.next()).answer([ok]);
    expect(await bus.acceptNext()).toEqual(['i-2']);
  });

  it('backs off with full jitter, doubling while nothing gets through, up to the cap, and starts over after progress', async () => {
    const { bus, publisher, sleeps } = setup({}, { backoff: { baseMs: 10, capMs: 50 } });
    await publisher.publish(intents(1, 2));
    for (let i = 0; i < 5; i++) (await bus.next()).fail(new Error('throttled'));
    (await bus.next()).answer([ok, throttled]);
    (await bus.next()).fail(new Error('throttled'));
    await bus.acceptNext();
    await publisher.flush();
    expect(sleeps).toEqual([10, 20, 40, 50, 50, 10, 20]);
  });

  it('draws each backoff at random below its ceiling', async () => {
    const { bus, publisher, sleeps } = setup({}, { backoff: { baseMs: 10, capMs: 50 }, random: () => 0.25 });
    await publisher.publish(intents(1, 1));
    (await bus.next()).fail(new Error('throttled'));
    (await bus.next()).fail(new Error('throttled'));
    await bus.acceptNext();
    expect(sleeps).toEqual([2.5, 5]);
  });

  it('keeps sending when the error listener throws', async () => {
    const { bus, publisher } = setup({}, { onError: () => { throw new Error('logger down'); } });
    await publisher.publish(intents(1, 1));
    (await bus.next()).fail(new Error('throttled'));
    expect(await bus.acceptNext()).toEqual(['i-1']);
    expect((await publisher.flush()).drained).toBe(true);
  });
});

describe('intent publisher: flush for shutdown', () => {
  it('resolves at once when nothing is buffered', async () => {
    const { publisher } = setup();
    expect(await publisher.flush()).toEqual({ drained: true, left: [] });
  });

  it('waits until everything buffered, and everything still waiting for space, was accepted', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 2, maxBatchEntries: 2 });
    await publisher.publish(intents(1, 2));
    const waiting = publisher.publish(intents(3, 2));
    const flushed = publisher.flush();
    await bus.acceptNext();
    expect(await isSettled(flushed)).toBe(false);
    await bus.acceptNext();
    await waiting;
    expect(await flushed).toEqual({ drained: true, left: [] });
    expect(publisher.counters.intentsPublished).toBe(4);
  });

  it('reports, in sending order, what is left when the deadline passes first', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 3, maxBatchEntries: 2 }, { sleep: () => new Promise<void>(() => {}) });
    await publisher.publish(intents(1, 3));
    const waiting = publisher.publish(intents(4, 1));
    (await bus.next()).answer([ok, throttled]);
    let passDeadline!: () => void;
    const flushed = publisher.flush(new Promise<void>((resolve) => (passDeadline = resolve)));
    expect(await isSettled(flushed)).toBe(false);
    passDeadline();
    const result = await flushed;
    expect(result.drained).toBe(false);
    expect(result.left.map(idOf)).toEqual(['i-2', 'i-3', 'i-4']);
    expect(await isSettled(waiting)).toBe(true);
  });
});

describe('intent publisher: discarded when the feed loses its lease', () => {
  it('drops everything not yet sent and everything waiting for space, releases the waiting callers, and sends nothing more', async () => {
    const { bus, publisher } = setup({ bufferCapacity: 3, maxBatchEntries: 2 });
    await publisher.publish(intents(1, 3));
    const waiting = publisher.publish(intents(4, 2));
    const inFlight = await bus.next();
    expect(publisher.discard().map(idOf)).toEqual(['i-3', 'i-4', 'i-5']);
    expect(await isSettled(waiting)).toBe(true);
    // The call in flight cannot be recalled; what it had refused is not sent again.
    inFlight.answer([ok, throttled]);
    expect(await publisher.flush()).toEqual({ drained: true, left: [] });
    expect(bus.calls).toHaveLength(1);
    expect(publisher.counters.intentsPublished).toBe(1);
    await expect(publisher.publish(intents(6, 1))).rejects.toThrow(/discarded/);
  });
});

describe('intent publisher: whether the bus is reachable', () => {
  it('reads reachable before any call and after a call with something accepted, and unreachable after a call with nothing accepted', async () => {
    const { bus, publisher } = setup({ maxBatchEntries: 2 });
    expect(publisher.reachable).toBe(true);
    await publisher.publish(intents(1, 2));
    (await bus.next()).answer([throttled, throttled]);
    await settled();
    expect(publisher.reachable).toBe(false);
    (await bus.next()).answer([ok, throttled]);
    await settled();
    expect(publisher.reachable).toBe(true);
    (await bus.next()).fail(new Error('connection reset'));
    await settled();
    expect(publisher.reachable).toBe(false);
    await bus.acceptNext();
    await publisher.flush();
    expect(publisher.reachable).toBe(true);
  });
});

describe('intent publisher: on the local router', () => {
  it('delivers what it publishes to the risk function, in order, as the local session would wire it', async () => {
    const router = new LocalEventRouter({ concurrency: 1 });
    const received: string[] = [];
    router.register('risk', async (e) => void received.push((e.detail as { data: { intentId: string } }).data.intentId));
    const publisher = new IntentPublisher({ bus: router, limits: { bufferCapacity: 4, maxBatchEntries: 3, maxBatchBytes: 256 * 1024 } });
    await publisher.publish(intents(1, 7));
    expect(await publisher.flush()).toEqual({ drained: true, left: [] });
    await router.drain();
    expect(received).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5', 'i-6', 'i-7']);
    expect(publisher.counters).toMatchObject({ intentsPublished: 7, putEventsCalls: 3, backpressureWaits: 1 });
  });
});
