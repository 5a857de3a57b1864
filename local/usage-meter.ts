// The local usage meter: what a session asks of each AWS service, counted at the adapter boundary per caller (a
// function and what invoked it, the feed task, or the local runtime itself): invocations and their wall time,
// DynamoDB requests with the capacity the emulator reports, SQS requests, metric emissions, log lines, state
// transitions. The cost model (bench/cost/) scales these to a trading day. A session without a meter runs
// exactly as before: every hook below is the identity when no meter is given.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { InMemoryTelemetry, TelemetryEmission } from '../adapters/memory/in-memory-telemetry';
import type { DeadManSwitch } from '../shared/dead-man-switch/dead-man-switch';
import type { BrokerUpdateStream } from '../shared/ports/broker';
import type { Log } from '../shared/ports/log';
import type { FunctionName } from '../shared/routing/routes';
import { METRICS_NAMESPACE } from '../shared/telemetry/metrics';
import { isReadAction, meterDynamoDb, meterSqs, type DynamoRequest, type ItemClass, type SqsRequest } from './usage-meter-sdk';

/** What invoked a function: an event rule, a queue's event source mapping, a schedule, the REST API, the state machine. */
export type Trigger = 'event' | 'queue' | 'schedule' | 'api' | 'state-machine';
/**
 * Who made a request: a function invoked by a trigger, the feed task (its timers: marks, heartbeat, switches), the
 * feed task's relay of the broker's updates (its work follows the orders, not the clock), or the local runtime
 * itself (seeding, drain, report).
 */
export type Caller = `${FunctionName}/${Trigger}` | 'feed' | 'feed-relay' | 'local';

export interface InvocationTally {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface DynamoTally {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Capacity of the requests that named one item, by the item's class (the feed's marks and heartbeat apart). */
  byClass: Partial<Record<ItemClass, { requests: number; readUnits: number; writeUnits: number }>>;
  /** Every item access, keyed `class:access:factor` (e.g. `marks:read:1`): what scales when items grow. */
  accesses: Record<string, number>;
  /** Conditional writes whose condition failed, and items of cancelled transactions: billed, but reported without capacity. */
  conditionFailures: number;
  cancelledTransactionItems: number;
  /** Requests the emulator reported no capacity for, counted at DynamoDB's minimum charge. */
  flooredRequests: number;
}

export interface SqsTally {
  requests: number;
  messages: number;
  /** Requests that received nothing (the local consumers poll every second; Lambda's pollers are modelled instead). */
  empty: number;
  /** 64 KB chunks billed: at least one per request. */
  chunks: number;
}

export interface MetricSeen {
  service: string;
  name: string;
  /** Dimension names and values, sorted: with the service and name, one CloudWatch custom metric. */
  dimensions: string;
  /** Emitted by a scheduled invocation (those run around the clock). */
  scheduled: boolean;
}

/** Everything the meter counted, as plain data. */
export interface MeteredUsage {
  invocations: Partial<Record<Caller, InvocationTally>>;
  dynamodb: Partial<Record<Caller, DynamoTally>>;
  /** Per queue (orders, orders-dlq, intents, intents-dlq) and action. */
  sqs: Record<string, Record<string, SqsTally>>;
  /** Metric emissions and the bytes of the EMF lines Powertools would write for them. */
  emf: Partial<Record<Caller, { lines: number; bytes: number }>>;
  metrics: MetricSeen[];
  /** Log lines written through the Log port and their message-and-attributes bytes (the logger's envelope is not included). */
  logs: Partial<Record<Caller, { lines: number; payloadBytes: number }>>;
  stateTransitions: number;
  /** From the feed's first DynamoDB request to its last: how long the feed ran. */
  feedSeconds: number;
}

const SQS_CHUNK_BYTES = 64 * 1024;

const emptyDynamoTally = (): DynamoTally => ({ requests: {}, readUnits: 0, writeUnits: 0, byClass: {}, accesses: {}, conditionFailures: 0, cancelledTransactionItems: 0, flooredRequests: 0 });

/** The EMF line the Powertools adapter writes for one emission (a single metric, flushed at once). */
export const emfLine = (service: string, emission: TelemetryEmission): string =>
  JSON.stringify({
    _aws: {
      Timestamp: 1_764_858_600_000,
      CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['service', ...Object.keys(emission.dimensions)]], Metrics: [{ Name: emission.metric, Unit: emission.unit }] }],
    },
    service,
    ...emission.dimensions,
    [emission.metric]: emission.value,
  });

const attributeBytes = (attributes: readonly Record<string, unknown>[]): number => {
  try {
    return attributes.reduce((sum, a) => sum + Buffer.byteLength(JSON.stringify(a) ?? '', 'utf8'), 0);
  } catch {
    return 0;
  }
};

export class UsageMeter {
  private readonly scope = new AsyncLocalStorage<Caller>();
  private readonly invocations = new Map<Caller, InvocationTally>();
  private readonly dynamo = new Map<Caller, DynamoTally>();
  private readonly sqs = new Map<string, Map<string, SqsTally>>();
  private readonly emf = new Map<Caller, { lines: number; bytes: number }>();
  private readonly metrics = new Map<string, MetricSeen>();
  private readonly logs = new Map<Caller, { lines: number; payloadBytes: number }>();
  private readonly queueNames = new Map<string, string>();
  private transitions = 0;
  private feedFirstMs: number | undefined;
  private feedLastMs: number | undefined;

  /** Who is making a request now. */
  caller(): Caller {
    return this.scope.getStore() ?? 'local';
  }

  /** `handler`, counted and timed as one invocation of `fn` by `trigger`; what it asks of AWS is counted as that caller's. */
  invoke<A extends unknown[], R>(fn: FunctionName, trigger: Trigger, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    const caller: Caller = `${fn}/${trigger}`;
    return (...args: A) =>
      this.scope.run(caller, async () => {
        const started = performance.now();
        try {
          return await handler(...args);
        } finally {
          const ms = performance.now() - started;
          const tally = this.invocations.get(caller) ?? { count: 0, totalMs: 0, maxMs: 0 };
          this.invocations.set(caller, { count: tally.count + 1, totalMs: tally.totalMs + ms, maxMs: Math.max(tally.maxMs, ms) });
        }
      });
  }

  /** Runs `start` as the feed task: the timers and listeners it sets up count as the feed's. */
  asFeed<T>(start: () => T): T {
    return this.scope.run('feed', start);
  }

  /** `handler`, run as `caller` whoever calls it (a callback handed to an emitter). */
  boundAs<A extends unknown[], R>(caller: Caller, handler: (...args: A) => R): (...args: A) => R {
    return (...args: A) => this.scope.run(caller, () => handler(...args));
  }

  /** Counts the requests of the session's DynamoDB and SQS clients and the metrics its telemetry emits. */
  attach(infra: { ddb: DynamoDBClient; sqsClient: SQSClient; queueUrl: string; dlqUrl: string; intentQueue: { queueUrl: string; dlqUrl: string } }, telemetry: InMemoryTelemetry): void {
    this.queueNames.set(infra.queueUrl, 'orders').set(infra.dlqUrl, 'orders-dlq').set(infra.intentQueue.queueUrl, 'intents').set(infra.intentQueue.dlqUrl, 'intents-dlq');
    meterDynamoDb(infra.ddb, (request) => this.dynamoRequest(request));
    meterSqs(infra.sqsClient, (request) => this.sqsRequest(request));
    telemetry.observe((emission) => this.emitted(emission));
  }

  /** `inner`, with every line counted for the caller writing it. */
  log(inner: Log): Log {
    const count = (message: string, attributes: readonly Record<string, unknown>[]) => {
      const caller = this.caller();
      const tally = this.logs.get(caller) ?? { lines: 0, payloadBytes: 0 };
      this.logs.set(caller, { lines: tally.lines + 1, payloadBytes: tally.payloadBytes + Buffer.byteLength(message, 'utf8') + attributeBytes(attributes) });
    };
    return {
      info: (message, ...attributes) => {
        count(message, attributes);
        inner.info(message, ...attributes);
      },
      error: (message, ...attributes) => {
        count(message, attributes);
        inner.error(message, ...attributes);
      },
    };
  }

  /** One state transition of a breaker execution (a state entered, a retry). */
  readonly stateTransition = (): void => {
    this.transitions++;
  };

  snapshot(): MeteredUsage {
    const feedSeconds = this.feedFirstMs !== undefined && this.feedLastMs !== undefined ? (this.feedLastMs - this.feedFirstMs) / 1000 : 0;
    return structuredClone({
      invocations: Object.fromEntries(this.invocations),
      dynamodb: Object.fromEntries(this.dynamo),
      sqs: Object.fromEntries([...this.sqs].map(([queue, actions]) => [queue, Object.fromEntries(actions)])),
      emf: Object.fromEntries(this.emf),
      metrics: [...this.metrics.values()],
      logs: Object.fromEntries(this.logs),
      stateTransitions: this.transitions,
      feedSeconds,
    });
  }

  private dynamoRequest(request: DynamoRequest): void {
    const caller = this.caller();
    if (caller === 'feed') {
      const now = Date.now();
      this.feedFirstMs ??= now;
      this.feedLastMs = now;
    }
    const tally = this.dynamo.get(caller) ?? emptyDynamoTally();
    this.dynamo.set(caller, tally);
    tally.requests[request.action] = (tally.requests[request.action] ?? 0) + 1;
    const read = isReadAction(request.action);
    if (read) tally.readUnits += request.units;
    else tally.writeUnits += request.units;
    for (const a of request.accesses) {
      const key = `${a.itemClass}:${a.access}:${a.factor}`;
      tally.accesses[key] = (tally.accesses[key] ?? 0) + 1;
    }
    const [only] = request.accesses;
    if (request.accesses.length === 1 && only) {
      const byClass = tally.byClass[only.itemClass] ?? { requests: 0, readUnits: 0, writeUnits: 0 };
      tally.byClass[only.itemClass] = { requests: byClass.requests + 1, readUnits: byClass.readUnits + (read ? request.units : 0), writeUnits: byClass.writeUnits + (read ? 0 : request.units) };
    }
    if (request.floored) tally.flooredRequests++;
    if (request.failed === 'ConditionalCheckFailedException') tally.conditionFailures++;
    if (request.failed === 'TransactionCanceledException') tally.cancelledTransactionItems += request.accesses.length;
  }

  private sqsRequest(request: SqsRequest): void {
    const queue = this.queueNames.get(request.queueUrl) ?? 'other';
    const actions = this.sqs.get(queue) ?? new Map<string, SqsTally>();
    this.sqs.set(queue, actions);
    const tally = actions.get(request.action) ?? { requests: 0, messages: 0, empty: 0, chunks: 0 };
    const receivedNothing = request.action === 'ReceiveMessage' && request.messages === 0;
    actions.set(request.action, {
      requests: tally.requests + 1,
      messages: tally.messages + request.messages,
      empty: tally.empty + (receivedNothing ? 1 : 0),
      chunks: tally.chunks + Math.max(1, Math.ceil(request.payloadBytes / SQS_CHUNK_BYTES)),
    });
  }

  private emitted(emission: TelemetryEmission): void {
    const caller = this.caller();
    if (caller === 'local') return;
    const service = caller === 'feed' || caller === 'feed-relay' ? 'feed' : (caller.split('/')[0] ?? caller);
    const line = emfLine(service, emission);
    const tally = this.emf.get(caller) ?? { lines: 0, bytes: 0 };
    this.emf.set(caller, { lines: tally.lines + 1, bytes: tally.bytes + Buffer.byteLength(line, 'utf8') + 1 });
    const dimensions = Object.entries(emission.dimensions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const key = `${service}|${emission.metric}|${dimensions}`;
    const seen = this.metrics.get(key);
    const scheduled = caller.endsWith('/schedule');
    this.metrics.set(key, { service, name: emission.metric, dimensions, scheduled: (seen?.scheduled ?? false) || scheduled });
  }
}

/** `handler`, metered as an invocation of `fn` when a meter is given; `handler` itself otherwise. */
export const metered = <A extends unknown[], R>(meter: UsageMeter | undefined, fn: FunctionName, trigger: Trigger, handler: (...args: A) => Promise<R>): ((...args: A) => Promise<R>) =>
  meter ? meter.invoke(fn, trigger, handler) : handler;

/** A check that runs as the dead-man switch's scheduled invocation when a meter is given; `deadMan` itself otherwise. */
export const meteredCheck = (meter: UsageMeter | undefined, deadMan: DeadManSwitch): DeadManSwitch =>
  meter ? { check: meter.invoke('dead-man-switch', 'schedule', () => deadMan.check()) } : deadMan;

/** `log`, with its lines counted when a meter is given. */
export const meteredLog = (meter: UsageMeter | undefined, log: Log): Log => (meter ? meter.log(log) : log);

/**
 * The broker's update stream with its handlers run as the feed's relay, as in AWS, not as whoever made the broker
 * emit (locally the order function calls the simulated broker in-process).
 */
export const meteredStream = (meter: UsageMeter | undefined, stream: BrokerUpdateStream): BrokerUpdateStream =>
  meter
    ? {
        start: (handlers) =>
          stream.start({ onUpdate: meter.boundAs('feed-relay', handlers.onUpdate), ...(handlers.onStatus ? { onStatus: meter.boundAs('feed-relay', handlers.onStatus) } : {}) }),
        close: () => stream.close(),
      }
    : stream;

/** Starts the feed as the feed's caller when a meter is given. */
export const startedAsFeed = <T>(meter: UsageMeter | undefined, start: () => T): T => (meter ? meter.asFeed(start) : start());
