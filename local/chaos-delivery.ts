// The chaos scenario's delivery faults: PutEvents answering some entries of a batch as failed, queue messages
// handed to a handler twice, and order-function invocations dying between two steps. Invariant: a fault is only
// ever one the real services can produce (a per-entry PutEvents error, an SQS redelivery, a lost invocation).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { InitializeHandler, InitializeHandlerArguments, InitializeHandlerOutput } from '@smithy/types';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { EventBridgeBus } from '../adapters/eventbridge/eventbridge-bus';
import type { DomainEvent } from '../shared/events/catalog';
import type { Broker } from '../shared/ports/broker';
import type { EventBatchBus, EventBus } from '../shared/ports/event-bus';
import type { OrderStore } from '../shared/ports/order-store';
import type { ChaosInjector, DeathPoint } from './chaos';
import type { LocalEventRouter } from './event-router';

export type QueueInvoke = (event: SQSEvent, requestId: string) => Promise<SQSBatchResponse>;

/** The per-entry codes PutEvents reports for an entry it did not take that a retry can fix. */
const RETRYABLE_ENTRY_CODES = ['ThrottlingException', 'InternalFailure'] as const;

/**
 * Which entries of a PutEvents call fail: none for a single entry, else each with even odds, at least one
 * failing and at least one taken (a partial failure, not a failed call).
 */
const failingEntries = (chaos: ChaosInjector, count: number): Set<number> => {
  if (count < 2 || !chaos.decide('publishPartialFailure')) return new Set();
  const failing = new Set(Array.from({ length: count }, (_, i) => i).filter(() => chaos.fraction() < 0.5));
  if (failing.size === 0) failing.add(chaos.pick(count));
  if (failing.size === count) failing.delete(chaos.pick(count));
  return failing;
};

const domainEventOf = (entry: PutEventsRequestEntry): DomainEvent =>
  ({ source: entry.Source ?? '', detailType: entry.DetailType ?? '', detail: JSON.parse(entry.Detail ?? '{}') as unknown }) as DomainEvent;

/**
 * The bus the functions and the feed publish to: the real EventBridge adapter (its batching, and its resending of
 * only the entries that failed), over a client whose PutEvents is answered by the local router, with some entries
 * of a multi-entry call failed as EventBridge reports them (FailedEntryCount, per-entry ErrorCode, no EventId).
 */
export const chaoticBus = (router: LocalEventRouter, chaos: ChaosInjector): EventBus & EventBatchBus => {
  const client = new EventBridgeClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const answer: (next: InitializeHandler<object, object>) => InitializeHandler<object, object> =
    () =>
    async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<object>> => {
      const entries = (args.input as { Entries?: PutEventsRequestEntry[] }).Entries ?? [];
      const failing = failingEntries(chaos, entries.length);
      const taken = entries.flatMap((entry, i) => (failing.has(i) ? [] : [domainEventOf(entry)]));
      const routed = [...(await router.putBatch(taken))];
      const results = entries.map((_, i): PutEventsResultEntry => {
        if (failing.has(i)) {
          const code = RETRYABLE_ENTRY_CODES[chaos.pick(RETRYABLE_ENTRY_CODES.length)] ?? 'InternalFailure';
          return { ErrorCode: code, ErrorMessage: `${code} (chaos)` };
        }
        const result = routed.shift();
        return result?.accepted === false ? { ErrorCode: result.errorCode, ErrorMessage: result.errorMessage } : { EventId: randomUUID() };
      });
      return { output: { $metadata: {}, FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results }, response: {} };
    };
  // Terminal: the request is answered here and never leaves the process.
  (client.middlewareStack as unknown as { add(m: typeof answer, o: { step: 'initialize'; name: string }): void }).add(answer, { step: 'initialize', name: 'chaosLocalPutEvents' });
  return new EventBridgeBus(client, 'local-chaos');
};

/**
 * Hands one message of some batches to the handler a second time, as SQS does when a visibility timeout lapses
 * while the first delivery is being processed: a few ms into the first delivery, or right after it, with its
 * receive count one higher. The first delivery's answer is the batch's (its deletes stand); the second's is
 * its own business, as it would be another consumer's.
 */
export const redelivering =
  (chaos: ChaosInjector, invoke: QueueInvoke): QueueInvoke =>
  async (event, requestId) => {
    const record = event.Records.length > 0 && chaos.decide('redelivery') ? event.Records[chaos.pick(event.Records.length)] : undefined;
    if (!record) return invoke(event, requestId);
    const again: SQSEvent = {
      Records: [
        {
          ...record,
          receiptHandle: `${record.receiptHandle}-again`,
          attributes: { ...record.attributes, ApproximateReceiveCount: String((Number(record.attributes.ApproximateReceiveCount) || 1) + 1) },
        },
      ],
    };
    const first = invoke(event, requestId);
    const midway = chaos.fraction() < 0.5;
    const delayMs = Math.floor(chaos.fraction() * 20);
    // The second delivery's outcome is the queue's business, not this batch's: handled at once, so a second
    // delivery that fails (a death) while the first is still running is never an unhandled rejection.
    const second = (async () => {
      if (midway) await sleep(delayMs);
      else await first.catch(() => undefined);
      return invoke(again, `${requestId}-again`);
    })().catch(() => undefined);
    try {
      return await first;
    } finally {
      await second;
    }
  };

/** What an invocation that died throws: it made no answer, so none of its messages is deleted. */
export class HandlerDied extends Error {
  constructor(readonly point: DeathPoint | 'dead') {
    super(point === 'dead' ? 'invocation already dead' : `invocation died (chaos) ${point}`);
    this.name = 'HandlerDied';
  }
}

/** The invocation a port call belongs to, and whether it has died. */
interface Life {
  died?: DeathPoint;
}
const lives = new AsyncLocalStorage<Life>();

/**
 * The order handler's invocations, each one able to die: once a port call has died, every later port call of the
 * invocation fails and the invocation throws HandlerDied, whatever the handler made of the failure (a dead
 * process answers nothing; the event source leaves the whole batch to be delivered again).
 */
export const mortal =
  (invoke: QueueInvoke): QueueInvoke =>
  async (event, requestId) => {
    const life: Life = {};
    let response: SQSBatchResponse;
    try {
      response = await lives.run(life, () => invoke(event, requestId));
    } catch (error) {
      if (life.died) throw new HandlerDied(life.died);
      throw error;
    }
    if (life.died) throw new HandlerDied(life.died);
    return response;
  };

/** Runs one port call of the current invocation (if any) with death at `before` and `after` it possible. */
const step = async <T>(chaos: ChaosInjector, call: () => Promise<T>, before: DeathPoint | undefined, after: DeathPoint | undefined): Promise<T> => {
  const life = lives.getStore();
  if (!life) return call();
  if (life.died) throw new HandlerDied('dead');
  const die = (point: DeathPoint): never => {
    life.died = point;
    throw new HandlerDied(point);
  };
  if (before && chaos.dieAt(before)) die(before);
  const result = await call();
  if (after && chaos.dieAt(after)) die(after);
  return result;
};

/** A port whose methods run as steps: `points` names the death points around a method; the rest only check for death. */
const stepping = <P extends object>(chaos: ChaosInjector, port: P, points: Readonly<Record<string, readonly [DeathPoint | undefined, DeathPoint | undefined]>>): P =>
  new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      // Outside an invocation (a cancel-all, reconciliation) the port is the port as given.
      if (!lives.getStore()) return (value as (...a: unknown[]) => unknown).bind(target);
      const [before, after] = points[String(property)] ?? [undefined, undefined];
      return (...args: unknown[]) => step(chaos, () => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)), before, after);
    },
  });

const STORE_WRITE = ['beforeWrite', 'afterWrite'] as const;
const ORDER_STORE_POINTS = { claimForSubmission: STORE_WRITE, recordOrderUpdate: STORE_WRITE, recordCancelMessage: STORE_WRITE, recordAudit: STORE_WRITE };
/** A broker call with an effect, then death before the write that would have recorded it. */
const BROKER_POINTS = { submitOrder: [undefined, 'afterBrokerCall'], cancelOrder: [undefined, 'afterBrokerCall'], cancelAllOrders: [undefined, 'afterBrokerCall'] } as const;

/** The order function's ports as a mortal invocation uses them (outside one, they are the ports as given). */
export const mortalPorts = <D extends { orderStore: OrderStore; broker: Broker; bus: EventBus }>(chaos: ChaosInjector, deps: D): D => ({
  ...deps,
  orderStore: stepping(chaos, deps.orderStore, ORDER_STORE_POINTS),
  broker: stepping(chaos, deps.broker, BROKER_POINTS),
  bus: stepping(chaos, deps.bus, {}),
});
