// The feed's way out for intents and breaches: an EventBus over a buffer of at most `bufferCapacity` events (full:
// `publish` waits; nothing is dropped) and one loop that sends it in order within the PutEvents limits, refused entries
// first, with jittered backoff, until all are accepted. Breaches go ahead of unsent intents.
import { DETAIL_TYPES, type DomainEvent } from '../events/catalog';
import { eventEntryBytes, fittingPrefix } from '../events/put-events-batches';
import { InfrastructureError } from '../errors/errors';
import type { EntryResult, EventBatchBus, EventBus } from '../ports/event-bus';
import { FeedConfigSchema, type FeedConfig } from './feed-config';

export interface IntentPublisherOptions {
  /** One attempt per call, answered per entry: the publisher owns the retries, so it can count them. */
  bus: EventBatchBus;
  limits: FeedConfig['publishing'];
  /** Events that go ahead of ordinary events not yet sent. Default: risk breaches (the halt must not queue). */
  isUrgent?: (event: DomainEvent) => boolean;
  /**
   * Full-jitter backoff after a call with refusals: random × min(capMs, baseMs × 2^(n−1)), where n counts the
   * calls in a row that got nothing accepted (a call that got some accepted counts as the first).
   */
  backoff?: { baseMs: number; capMs: number };
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told of every failed call and every refused entry (for logs); the publisher retries either way. */
  onError?: (error: unknown) => void;
}

export interface IntentPublisherCounters {
  /** Events the bus accepted. */
  intentsPublished: number;
  /** Calls sent (batches), failed ones included. */
  putEventsCalls: number;
  /** Entries sent again after a refusal or a failed call. */
  putEventsRetriedEntries: number;
  /** Calls that failed as a whole (no entry's fate known). */
  putEventsFailedCalls: number;
  /** Entries the bus answered with an error code. */
  putEventsRefusedEntries: number;
  /** The most events buffered at once (at most bufferCapacity). */
  bufferHighWater: number;
  /** `publish` calls that had to wait for space. */
  backpressureWaits: number;
}

export interface FlushResult {
  /** Whether everything buffered was accepted before the deadline. */
  drained: boolean;
  /** What the bus has not accepted yet, in sending order (empty when drained). */
  left: DomainEvent[];
}

export const DEFAULT_PUBLISH_BACKOFF = { baseMs: 25, capMs: 2_000 };

const isBreach = (event: DomainEvent): boolean => event.detailType === DETAIL_TYPES.RiskBreach;

interface Item {
  event: DomainEvent;
  bytes: number;
  urgent: boolean;
  /** Times sent so far. */
  sent: number;
}

/** A `publish` call's events still waiting for space, in order. */
interface Waiter {
  items: Item[];
  resolve: () => void;
}

export class IntentPublisher implements EventBus {
  private readonly limits: FeedConfig['publishing'];
  private readonly bus: EventBatchBus;
  private readonly isUrgent: (event: DomainEvent) => boolean;
  private readonly backoff: { baseMs: number; capMs: number };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Buffered and not in flight, in sending order: refused entries first, then breaches, then the rest. */
  private queue: Item[] = [];
  private inFlight: Item[] = [];
  private readonly urgentLine: Waiter[] = [];
  private readonly line: Waiter[] = [];
  private running = false;
  /** Whether the last call got nothing accepted (failed as a whole, or every entry refused). */
  private lastCallFailed = false;
  /** Set by `discard`: nothing more is taken or sent again. */
  private discarded = false;
  private drainWaiters: (() => void)[] = [];
  private readonly counts: IntentPublisherCounters = {
    intentsPublished: 0,
    putEventsCalls: 0,
    putEventsRetriedEntries: 0,
    putEventsFailedCalls: 0,
    putEventsRefusedEntries: 0,
    bufferHighWater: 0,
    backpressureWaits: 0,
  };

  constructor(private readonly options: IntentPublisherOptions) {
    this.limits = FeedConfigSchema.shape.publishing.parse(options.limits);
    this.bus = options.bus;
    this.isUrgent = options.isUrgent ?? isBreach;
    this.backoff = options.backoff ?? DEFAULT_PUBLISH_BACKOFF;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  get counters(): IntentPublisherCounters {
    return { ...this.counts };
  }

  /** Whether the bus took something on the last call (true before any call): the feed's readiness reads it. */
  get reachable(): boolean {
    return !this.lastCallFailed;
  }

  /** Events buffered now (in flight included). */
  get buffered(): number {
    return this.queue.length + this.inFlight.length;
  }

  /**
   * Resolves once every event is buffered (not yet accepted: `flush` waits for that); waits while the buffer is
   * full, behind earlier waiting calls. An event larger than a call's byte limit could never be sent: the call is
   * refused with a RangeError and none of its events is buffered.
   */
  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (this.discarded) throw new InfrastructureError('the intent publisher was discarded: this feed no longer leads', 'eventbus');
    const items = events.map((event): Item => {
      const bytes = eventEntryBytes(event);
      if (bytes > this.limits.maxBatchBytes) {
        throw new RangeError(`${event.detailType} of ${bytes} bytes exceeds the ${this.limits.maxBatchBytes}-byte limit of a call`);
      }
      return { event, bytes, urgent: this.isUrgent(event), sent: 0 };
    });
    const waiting = [
      this.enter(this.urgentLine, items.filter((item) => item.urgent)),
      this.enter(this.line, items.filter((item) => !item.urgent)),
    ].filter((entered) => entered !== undefined);
    if (waiting.length === 0) return;
    this.counts.backpressureWaits++;
    await Promise.all(waiting);
  }

  /**
   * For shutdown: resolves once everything buffered (and everything waiting for space) was accepted, or when
   * `deadline` settles first, with what is left. The loop keeps sending either way.
   */
  async flush(deadline?: Promise<unknown>): Promise<FlushResult> {
    const drained = this.isIdle() ? Promise.resolve(true) : new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true)));
    const outcome = deadline ? Promise.race([drained, deadline.then(() => false, () => false)]) : drained;
    return (await outcome) ? { drained: true, left: [] } : { drained: false, left: this.unaccepted() };
  }

  /** Joins a line; undefined when every item found space at once, else a promise for when the last one has. */
  /**
   * For a feed that lost its lease: drops everything not yet sent (and everything waiting for space, whose
   * callers are released) and returns it, so no event is published after another feed took over. A call
   * already in flight cannot be recalled.
   */
  discard(): DomainEvent[] {
    this.discarded = true;
    const waiters = [...this.urgentLine.splice(0), ...this.line.splice(0)];
    const dropped = [...this.queue.splice(0), ...waiters.flatMap((waiter) => waiter.items)].map((item) => item.event);
    waiters.forEach((waiter) => waiter.resolve());
    return dropped;
  }

  private enter(line: Waiter[], items: Item[]): Promise<void> | undefined {
    if (items.length === 0) return undefined;
    let resolve!: () => void;
    const admitted = new Promise<void>((r) => (resolve = r));
    const waiter: Waiter = { items, resolve };
    line.push(waiter);
    this.admit();
    return waiter.items.length === 0 ? undefined : admitted;
  }

  /** Moves waiting items into free space, breaches' line first, each line in arrival order. */
  private admit(): void {
    const before = this.buffered;
    for (const line of [this.urgentLine, this.line]) {
      for (let head = line[0]; head && this.buffered < this.limits.bufferCapacity; head = line[0]) {
        const room = this.limits.bufferCapacity - this.buffered;
        head.items.splice(0, room).forEach((item) => this.place(item));
        if (head.items.length > 0) break;
        line.shift();
        head.resolve();
      }
    }
    this.counts.bufferHighWater = Math.max(this.counts.bufferHighWater, this.buffered);
    if (this.buffered > before) this.kick();
  }

  /** An urgent item goes after the entries already sent and earlier urgent ones, ahead of every fresh ordinary one. */
  private place(item: Item): void {
    const at = item.urgent ? this.queue.findIndex((queued) => !queued.urgent && queued.sent === 0) : -1;
    if (at === -1) this.queue.push(item);
    else this.queue.splice(at, 0, item);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.drainLoop();
  }

  private async drainLoop(): Promise<void> {
    let barren = 0;
    try {
      while (this.queue.length > 0) {
        const { accepted, refused } = await this.sendBatch();
        if (refused === 0) {
          barren = 0;
          continue;
        }
        barren = accepted > 0 ? 1 : barren + 1;
        await this.sleep(this.random() * Math.min(this.backoff.capMs, this.backoff.baseMs * 2 ** (barren - 1)));
      }
    } finally {
      // Synchronously after the last check of the queue: a publish from here on starts a new loop.
      this.running = false;
    }
    if (this.isIdle()) this.drainWaiters.splice(0).forEach((resolve) => resolve());
  }

  /** Sends the head of the queue as one call; what the bus did not accept goes back to the head, in order. */
  private async sendBatch(): Promise<{ accepted: number; refused: number }> {
    const batch = this.queue.splice(0, fittingPrefix(this.queue, (item) => item.bytes, this.limits));
    this.inFlight = batch;
    this.counts.putEventsCalls++;
    this.counts.putEventsRetriedEntries += batch.filter((item) => item.sent > 0).length;
    batch.forEach((item) => item.sent++);
    let results: readonly EntryResult[] | undefined;
    try {
      results = await this.bus.putBatch(batch.map((item) => item.event));
    } catch (error) {
      this.counts.putEventsFailedCalls++;
      this.report(error);
    }
    const refused = batch.filter((_, i) => !results?.[i]?.accepted);
    this.lastCallFailed = refused.length === batch.length;
    if (results) this.reportRefusals(results, refused.length);
    this.counts.intentsPublished += batch.length - refused.length;
    this.inFlight = [];
    if (!this.discarded) this.queue.unshift(...refused);
    this.admit();
    return { accepted: batch.length - refused.length, refused: refused.length };
  }

  private reportRefusals(results: readonly EntryResult[], refused: number): void {
    if (refused === 0) return;
    this.counts.putEventsRefusedEntries += refused;
    const codes = [...new Set(results.flatMap((result) => (result.accepted ? [] : [result.errorCode])))];
    this.report(new InfrastructureError(`the bus refused ${refused} entries (${codes.join(', ') || 'no answer'}); sending them again`, 'eventbus'));
  }

  private report(error: unknown): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A failing logger must not stop the loop that owns every buffered event.
    }
  }

  private isIdle(): boolean {
    return this.buffered === 0 && this.urgentLine.length === 0 && this.line.length === 0;
  }

  private unaccepted(): DomainEvent[] {
    const waiting = [...this.urgentLine, ...this.line].flatMap((waiter) => waiter.items);
    return [...this.inFlight, ...this.queue, ...waiting].map((item) => item.event);
  }
}
