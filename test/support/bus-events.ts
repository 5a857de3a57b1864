// Domain events as the feed publishes them (intents and the runaway guard's breach), for the bus adapters and the
// intent publisher; `sized` pads one to an exact PutEvents entry size for tests at the byte limit.
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../../shared/events/catalog';
import { buildMeta } from '../../shared/events/envelope';
import { eventEntryBytes } from '../../shared/events/put-events-batches';
import { intentFor } from './fixtures';

const AT = '2026-11-23T15:00:00.000Z';

const feedMeta = (detailType: DomainEvent['detailType'], correlationId: string) =>
  buildMeta({ detailType, occurredAt: AT, correlationId, causationId: 'tick', account: 'a', strategy: 's', producer: 'feed' });

export const intended = (id: string): DomainEvent =>
  domainEvent(DETAIL_TYPES.OrderIntended, { meta: feedMeta(DETAIL_TYPES.OrderIntended, id), data: intentFor(id) });

export const runawayBreach = (id: string): DomainEvent =>
  domainEvent(DETAIL_TYPES.RiskBreach, {
    meta: feedMeta(DETAIL_TYPES.RiskBreach, id),
    data: { breachId: id, kind: 'INTENT_RATE', account: 'a', observed: '101', threshold: '100', sessionStart: AT, detectedAt: AT },
  });

/** The event's correlation id: the intent id of an intent, the breach id of a breach. */
export const idOf = (event: DomainEvent): string => event.detail.meta.correlationId;

/** The event with its detail padded so that its PutEvents entry measures exactly `bytes` (the bus does not re-validate). */
export const sized = (event: DomainEvent, bytes: number): DomainEvent => {
  const base = eventEntryBytes({ ...event, detail: Object.assign({}, event.detail, { pad: '' }) });
  if (bytes < base) throw new RangeError(`an entry of this event measures at least ${base} bytes`);
  return { ...event, detail: Object.assign({}, event.detail, { pad: 'x'.repeat(bytes - base) }) };
};
