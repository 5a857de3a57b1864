// EventBridge adapter for the EventBus port: PutEvents in batches of ten, resending only the entries that
// failed (partial failure is per entry), with jittered backoff, until every entry is accepted or we give up.
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { DomainEvent } from '../../shared/events/catalog';
import { InfrastructureError } from '../../shared/errors/errors';
import type { EventBus } from '../../shared/ports/event-bus';

const MAX_ENTRIES = 10;
const MAX_ATTEMPTS = 5;

export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      EventBusName: this.busName,
      Source: event.source,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      Time: new Date(event.detail.meta.occurredAt),
    }));
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
      await this.putWithRetry(entries.slice(i, i + MAX_ENTRIES));
    }
  }

  private async putWithRetry(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let retry: PutEventsRequestEntry[];
      try {
        const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
        // Results are positional: entry i of the response answers entry i of the request.
        retry = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined || out.Entries?.[i]?.EventId === undefined);
        if ((out.FailedEntryCount ?? 0) === 0 && retry.length === 0) return;
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS) throw new InfrastructureError('EventBridge PutEvents failed', 'eventbridge', { cause: error });
        retry = pending;
      }
      if (retry.length === 0) return;
      if (attempt >= MAX_ATTEMPTS) {
        throw new InfrastructureError(`EventBridge kept refusing ${retry.length} of ${batch.length} entries`, 'eventbridge');
      }
      pending = retry;
      await this.sleep(2 ** attempt * 20 * Math.random());
    }
  }
}
