// The event bus ports: `EventBus` publishes domain events and retries inside; `EventBatchBus` makes one attempt
// and answers entry by entry, so a caller that owns the retries can count them. Adapters: EventBridge and the
// local router implement both.
import type { DomainEvent } from '../events/catalog';

export interface EventBus {
  /** Resolves once every event is accepted; rejects with an InfrastructureError otherwise. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** One entry's answer: accepted, or refused with the bus's error code (which says whether a retry can help). */
export type EntryResult = { accepted: true } | { accepted: false; errorCode: string; errorMessage?: string };

export interface EventBatchBus {
  /**
   * One attempt, no retry: one PutEvents call. The caller keeps a call within PUT_EVENTS_LIMITS
   * (shared/events/put-events-batches.ts); EventBridge's adapter refuses more with a RangeError rather than
   * splitting. Answers positionally, one result per event. Rejects with an InfrastructureError when the call itself
   * failed: then no entry's fate is known and every one must be sent again.
   */
  putBatch(events: readonly DomainEvent[]): Promise<readonly EntryResult[]>;
}
