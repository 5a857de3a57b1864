// EventBridge adapter for both bus ports. `putBatch` is one PutEvents call answered entry by entry (partial
// failure is per entry, positional); `publish` cuts the events into calls within 10 entries and 256 KB and
// resends only the entries that failed, with jittered backoff, until all are accepted or it gives up.
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { DomainEvent } from '../../shared/events/catalog';
import { InfrastructureError } from '../../shared/errors/errors';
import {
  eventEntryBytes,
  fittingPrefix,
  PUT_EVENTS_LIMITS,
  putEventsEntryBytes,
  putEventsFields,
  splitIntoBatches,
} from '../../shared/events/put-events-batches';
import type { EntryResult, EventBatchBus, EventBus } from '../../shared/ports/event-bus';

const MAX_ATTEMPTS = 5;

/** An entry answered with neither an event id nor an error code was not taken: it is sent again. */
const resultOf = (entry: PutEventsResultEntry | undefined): EntryResult =>
  entry?.ErrorCode !== undefined || entry?.EventId === undefined
    ? { accepted: false, errorCode: entry?.ErrorCode ?? 'NoAnswer', ...(entry?.ErrorMessage ? { errorMessage: entry.ErrorMessage } : {}) }
    : { accepted: true };

export class EventBridgeBus implements EventBus, EventBatchBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (const batch of splitIntoBatches(events, eventEntryBytes, PUT_EVENTS_LIMITS)) await this.putWithRetry(batch);
  }

  async putBatch(events: readonly DomainEvent[]): Promise<readonly EntryResult[]> {
    if (events.length === 0) return [];
    const entries: PutEventsRequestEntry[] = events.map((event) => ({ EventBusName: this.busName, ...putEventsFields(event) }));
    // EventBusName is not part of the measured size; the fields EventBridge measures are.
    if (fittingPrefix(entries, putEventsEntryBytes, PUT_EVENTS_LIMITS) < entries.length) {
      throw new RangeError(`${entries.length} entries exceed one PutEvents call (10 entries, 256 KB)`);
    }
    let out;
    try {
      out = await this.client.send(new PutEventsCommand({ Entries: entries }));
    } catch (error) {
      throw new InfrastructureError('EventBridge PutEvents failed', 'eventbridge', { cause: error });
    }
    return entries.map((_, i) => resultOf(out.Entries?.[i]));
  }

  private async putWithRetry(batch: readonly DomainEvent[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let results: readonly EntryResult[];
      try {
        results = await this.putBatch(pending);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS) throw error;
        results = pending.map(() => resultOf(undefined));
      }
      const refused = pending.filter((_, i) => !results[i]?.accepted);
      if (refused.length === 0) return;
      if (attempt >= MAX_ATTEMPTS) {
        const codes = [...new Set(results.flatMap((result) => (result.accepted ? [] : [result.errorCode])))].join(', ');
        throw new InfrastructureError(`EventBridge kept refusing ${refused.length} of ${batch.length} entries (${codes})`, 'eventbridge');
      }
      pending = refused;
      await this.sleep(2 ** attempt * 20 * Math.random());
    }
  }
}
