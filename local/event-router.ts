// The local stand-in for EventBridge: an EventBus (and EventBatchBus) whose rules are the same route table the
// CDK app deploys.
// Delivery is asynchronous and at least once, like EventBridge's: a failed invocation is retried twice,
// then kept as a dead letter (never dropped silently). Each target has its own queue and concurrency, as
// each Lambda function does: a backlog of intents for risk never delays a breach on its way to the breaker.
// A route with a queue of its own delivers to the queue attached for it (the in-process SQS, read by the
// target in batches); without one attached (a test of the router alone), to the target directly.
// `seen` is the run's archive: every event accepted, in order. `redeliver` replays recorded events as an
// EventBridge replay does, and `onDelivered` lets a caller watch deliveries; neither changes how events flow.
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { DETAIL_SCHEMAS, type DomainEvent } from '../shared/events/catalog';
import type { EntryResult, EventBatchBus, EventBus } from '../shared/ports/event-bus';
import { EVENT_ROUTES, matchesPattern, type EventRoute, type FunctionName } from '../shared/routing/routes';

export type LocalEvent = EventBridgeEvent<string, unknown>;
type Invoke = (event: LocalEvent) => Promise<unknown>;

/** Where a queued route's events go: its queue, and how to wait until what was sent there has been taken. */
export interface RouteQueueSink {
  send(event: LocalEvent): Promise<void>;
  /** Resolves once the queue is empty and its consumer idle; true when there was anything to wait for. */
  drain(): Promise<boolean>;
}

export interface DeadLetter {
  route: string;
  event: LocalEvent;
  error: unknown;
}

/** A delivery made: a route's target invoked without error, or its queue took the event. */
export interface DeliveredEvent {
  route: string;
  event: LocalEvent;
}

/** A replay, as StartReplay names it: its name (stamped on every event it sends) and the rules it may reach. */
export interface ReplayOptions {
  replayName: string;
  /** The route ids to deliver through (a replay's FilterArns); absent: every route, as a replay to all rules. */
  routes?: readonly string[];
}

export interface EventRouterOptions {
  routes?: readonly EventRoute[];
  /** Invocations in flight at once per target (each function's concurrency stand-in). */
  concurrency?: number;
  /** Per-target overrides of `concurrency`. */
  concurrencyByTarget?: Partial<Record<FunctionName, number>>;
  retries?: number;
  region?: string;
  account?: string;
}

interface Delivery {
  route: EventRoute;
  event: LocalEvent;
  attempt: number;
}

export class LocalEventRouter implements EventBus, EventBatchBus {
  private readonly targets = new Map<FunctionName, Invoke>();
  private readonly sinks = new Map<string, RouteQueueSink>();
  /** Sends to a route's queue not yet answered. */
  private sending = 0;
  private readonly disabledRoutes = new Set<string>();
  private readonly queues = new Map<FunctionName, Delivery[]>();
  private readonly inFlight = new Map<FunctionName, number>();
  private idleWaiters: (() => void)[] = [];
  readonly published = new Map<string, number>();
  readonly deadLetters: DeadLetter[] = [];
  readonly seen: LocalEvent[] = [];
  private readonly deliveredListeners = new Set<(delivered: DeliveredEvent) => void>();
  private readonly routes: readonly EventRoute[];
  private readonly concurrency: number;
  private readonly retries: number;

  constructor(private readonly options: EventRouterOptions = {}) {
    this.routes = options.routes ?? EVENT_ROUTES;
    this.concurrency = options.concurrency ?? 4;
    this.retries = options.retries ?? 2;
  }

  register(target: FunctionName, invoke: Invoke): void {
    this.targets.set(target, invoke);
  }

  /** Delivers a queued route's events to its queue from now on. */
  attachQueue(routeId: string, sink: RouteQueueSink): void {
    this.sinks.set(routeId, sink);
  }

  /** Stops delivering a route's events (what disabling an EventBridge rule does). */
  disableRoute(id: string): void {
    this.disabledRoutes.add(id);
  }

  enableRoute(id: string): void {
    this.disabledRoutes.delete(id);
  }

  /** Tells `listener` of every delivery from now on; returns what stops it. */
  onDelivered(listener: (delivered: DeliveredEvent) => void): () => void {
    this.deliveredListeners.add(listener);
    return () => this.deliveredListeners.delete(listener);
  }

  /**
   * Delivers recorded events again, in the order given, as an EventBridge replay does: each event unchanged (its
   * id, time and detail) but for `replay-name`, through the enabled routes the replay names. Nothing replayed is
   * added to `seen` or `published`: an archive keeps no replayed event.
   */
  redeliver(events: readonly LocalEvent[], options: ReplayOptions): void {
    const only = options.routes ? new Set(options.routes) : undefined;
    for (const event of events) this.route({ ...event, 'replay-name': options.replayName } as LocalEvent, only);
    this.pumpAll();
  }

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const event of events) {
      // The bus contract: nothing leaves a component that its own schema would reject downstream.
      DETAIL_SCHEMAS[event.detailType].parse(event.detail);
      this.accept(event);
    }
    this.pumpAll();
  }

  /** One attempt answered per entry: an event its schema rejects is refused (as MalformedDetail), the rest go on. */
  async putBatch(events: readonly DomainEvent[]): Promise<readonly EntryResult[]> {
    const results = events.map((event): EntryResult => {
      const parsed = DETAIL_SCHEMAS[event.detailType].safeParse(event.detail);
      if (!parsed.success) return { accepted: false, errorCode: 'MalformedDetail', errorMessage: parsed.error.message };
      this.accept(event);
      return { accepted: true };
    });
    this.pumpAll();
    return results;
  }

  private accept(event: DomainEvent): void {
    const ebEvent: LocalEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': event.detailType,
      source: event.source,
      account: this.options.account ?? '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region ?? 'us-east-1',
      resources: [],
      detail: event.detail,
    };
    this.published.set(event.detailType, (this.published.get(event.detailType) ?? 0) + 1);
    this.seen.push(ebEvent);
    this.route(ebEvent);
  }

  /** Hands the event to every enabled route (of `only`, when given) whose pattern it matches. */
  private route(ebEvent: LocalEvent, only?: ReadonlySet<string>): void {
    for (const route of this.routes) {
      if (this.disabledRoutes.has(route.id) || (only && !only.has(route.id)) || !matchesPattern(route.pattern, ebEvent)) continue;
      const sink = route.queue ? this.sinks.get(route.id) : undefined;
      if (sink) this.toQueue(sink, { route, event: ebEvent, attempt: 1 });
      else this.enqueue({ route, event: ebEvent, attempt: 1 });
    }
  }

  /**
   * A queued route's event goes to its queue at once, outside the target's concurrency (a send is not an
   * invocation: the queue's consumer has its own); a failed send is retried like a failed invocation.
   */
  private toQueue(sink: RouteQueueSink, delivery: Delivery): void {
    this.sending++;
    sink
      .send(delivery.event)
      .then(() => this.delivered(delivery))
      .catch((error: unknown) => {
        if (delivery.attempt > this.retries) this.deadLetters.push({ route: delivery.route.id, event: delivery.event, error });
        else this.toQueue(sink, { ...delivery, attempt: delivery.attempt + 1 });
      })
      .finally(() => {
        this.sending--;
        this.wakeIfIdle();
      });
  }

  /** A listener that throws is the caller's bug: it never turns a delivery into a failed one. */
  private delivered(delivery: Delivery): void {
    for (const listener of this.deliveredListeners) {
      try {
        listener({ route: delivery.route.id, event: delivery.event });
      } catch {
        // ignored: see above
      }
    }
  }

  private wakeIfIdle(): void {
    if (this.pending !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }

  private pumpAll(): void {
    for (const target of this.queues.keys()) this.pump(target);
  }

  /**
   * Resolves once every delivery accepted so far has finished (or dead-lettered), what went to a route's queue
   * included, and what those deliveries published in turn.
   */
  async drain(): Promise<void> {
    for (;;) {
      if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      let waited = false;
      for (const sink of this.sinks.values()) waited = (await sink.drain()) || waited;
      if (!waited && this.pending === 0) return;
    }
  }

  get pending(): number {
    let total = this.sending;
    for (const queue of this.queues.values()) total += queue.length;
    for (const count of this.inFlight.values()) total += count;
    return total;
  }

  private enqueue(delivery: Delivery): void {
    const target = delivery.route.target;
    const queue = this.queues.get(target) ?? [];
    queue.push(delivery);
    this.queues.set(target, queue);
  }

  private pump(target: FunctionName): void {
    const queue = this.queues.get(target) ?? [];
    const limit = this.options.concurrencyByTarget?.[target] ?? this.concurrency;
    while ((this.inFlight.get(target) ?? 0) < limit && queue.length > 0) {
      const delivery = queue.shift();
      if (!delivery) break;
      this.inFlight.set(target, (this.inFlight.get(target) ?? 0) + 1);
      void this.deliver(delivery).finally(() => {
        this.inFlight.set(target, (this.inFlight.get(target) ?? 1) - 1);
        this.pump(target);
        this.wakeIfIdle();
      });
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const invoke = this.targets.get(delivery.route.target);
    if (!invoke) {
      this.deadLetters.push({ route: delivery.route.id, event: delivery.event, error: new Error(`no target ${delivery.route.target}`) });
      return;
    }
    try {
      await invoke(delivery.event);
      this.delivered(delivery);
    } catch (error) {
      if (delivery.attempt > this.retries) {
        this.deadLetters.push({ route: delivery.route.id, event: delivery.event, error });
      } else {
        this.enqueue({ ...delivery, attempt: delivery.attempt + 1 });
      }
    }
  }
}
