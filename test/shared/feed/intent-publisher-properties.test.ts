// Whatever the interleaving of publishers, bus answers and backoffs (fast-check's scheduler orders every
// promise), and whatever the bus refuses or fails, every event is accepted exactly once; within its class
// (breaches, intents) an event is overtaken only by a batch-mate accepted when it was refused; no call breaks a
// limit; the buffer never holds more than its capacity; and the counters add up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../shared/events/catalog';
import { eventEntryBytes } from '../../../shared/events/put-events-batches';
import { IntentPublisher, type IntentPublisherOptions } from '../../../shared/feed/intent-publisher';
import type { EntryResult, EventBatchBus } from '../../../shared/ports/event-bus';
import { idOf, intended } from '../../support/bus-events';

/** Per call: accept all, fail the call, or refuse the entries whose flag is set. Past the script, accept all. */
type Answer = 'accept' | 'fail' | boolean[];

const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  fc.constant('accept' as const),
  fc.constant('fail' as const),
  fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
);

const scenarioArb = fc.record({
  bufferCapacity: fc.integer({ min: 1, max: 8 }),
  maxBatchEntries: fc.integer({ min: 1, max: 10 }),
  /** maxBatchBytes in units of the largest event: from one event a call to several. */
  bytesFactor: fc.double({ min: 1, max: 5, noNaN: true }),
  /** Each producer publishes its calls one after another; producers run concurrently. */
  producers: fc.array(fc.array(fc.array(fc.boolean(), { maxLength: 6 }), { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  answers: fc.array(answerArb, { maxLength: 40 }),
});

/**
 * A bus that answers each call as the script says, through the scheduler, and checks every call as it comes:
 * within the limits, the buffer within its capacity, and no event overtaking an older one of its class unless that
 * one is in the same call (and refused). Violations are collected, not thrown: a throwing bus is only a failed
 * call to the publisher, which would retry past it.
 */
class ScriptedBus implements EventBatchBus {
  readonly accepted: string[] = [];
  readonly violations: string[] = [];
  readonly sentOnce = new Set<string>();
  sentEntries = 0;
  calls = 0;
  buffered: () => number = () => 0;

  constructor(
    private readonly answers: readonly Answer[],
    private readonly s: fc.Scheduler,
    private readonly limits: IntentPublisherOptions['limits'],
    private readonly published: readonly string[],
    private readonly urgent: ReadonlySet<string>,
  ) {}

  putBatch(events: readonly DomainEvent[]): Promise<readonly EntryResult[]> {
    const answer = this.answers[this.calls++] ?? 'accept';
    const ids = events.map(idOf);
    this.check(events.length > 0 && events.length <= this.limits.maxBatchEntries, `call ${this.calls} of ${events.length} entries`);
    this.check(events.reduce((sum, e) => sum + eventEntryBytes(e), 0) <= this.limits.maxBatchBytes, `call ${this.calls} over the byte limit`);
    this.check(this.buffered() <= this.limits.bufferCapacity, `${this.buffered()} buffered`);
    this.sentEntries += ids.length;
    ids.forEach((id) => this.sentOnce.add(id));
    if (answer === 'fail') return this.s.schedule(Promise.reject(new Error('bus down')));
    const refuse = (i: number) => answer !== 'accept' && answer[i] === true;
    const results = ids.map((_, i): EntryResult => (refuse(i) ? { accepted: false, errorCode: 'ThrottlingException' } : { accepted: true }));
    ids.forEach((id, i) => {
      if (!results[i]?.accepted) return;
      const classOf = (other: string) => this.urgent.has(other) === this.urgent.has(id);
      const older = this.published.slice(0, this.published.indexOf(id)).filter((p) => classOf(p) && !this.accepted.includes(p));
      this.check(older.every((p) => ids.includes(p)), `${id} overtook ${older.filter((p) => !ids.includes(p)).join(' ')}`);
    });
    ids.forEach((id, i) => results[i]?.accepted && this.accepted.push(id));
    return this.s.schedule(Promise.resolve(results));
  }

  private check(ok: boolean, violation: string): void {
    if (!ok) this.violations.push(violation);
  }
}

describe('intent publisher properties', () => {
  it('delivers every event exactly once, in order within its class, within the limits and the buffer', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, fc.scheduler(), async (scenario, s) => {
        // Events are intents; the flag marks which ones the publisher treats as urgent (as it does breaches).
        let next = 0;
        const urgent = new Set<string>();
        const calls = scenario.producers.map((producer) =>
          producer.map((flags) =>
            flags.map((isUrgent) => {
              const id = `i-${next++}${'x'.repeat(next % 7)}`;
              if (isUrgent) urgent.add(id);
              return intended(id);
            }),
          ),
        );
        const largest = Math.max(0, ...calls.flat(2).map(eventEntryBytes));
        const limits = {
          bufferCapacity: scenario.bufferCapacity,
          maxBatchEntries: scenario.maxBatchEntries,
          maxBatchBytes: Math.max(1, Math.floor(largest * scenario.bytesFactor)),
        };
        const published: string[] = [];
        const bus = new ScriptedBus(scenario.answers, s, limits, published, urgent);
        const publisher = new IntentPublisher({
          bus,
          limits,
          isUrgent: (event) => urgent.has(idOf(event)),
          sleep: () => s.schedule(Promise.resolve()),
          random: () => 0.5,
        });
        bus.buffered = () => publisher.buffered;

        const producing = Promise.all(
          calls.map(async (producer) => {
            for (const events of producer) {
              await s.schedule(Promise.resolve());
              published.push(...events.map(idOf));
              await publisher.publish(events);
            }
          }),
        );
        const result = await s.waitFor(producing.then(() => publisher.flush()));

        expect(bus.violations).toEqual([]);
        expect(result).toEqual({ drained: true, left: [] });
        expect([...bus.accepted].sort()).toEqual([...published].sort());
        expect(new Set(bus.accepted).size).toBe(bus.accepted.length);
        expect(publisher.counters).toMatchObject({
          intentsPublished: published.length,
          putEventsCalls: bus.calls,
          putEventsRetriedEntries: bus.sentEntries - bus.sentOnce.size,
        });
        expect(publisher.counters.bufferHighWater).toBeLessThanOrEqual(limits.bufferCapacity);
      }),
      { numRuns: 300 },
    );
  });
});
