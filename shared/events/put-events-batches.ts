// How a domain event becomes a PutEvents entry, how EventBridge measures that entry, and how a run of events is
// cut into calls within both limits (entries and bytes) without reordering. Pure: no SDK, no I/O.
import type { DomainEvent } from './catalog';

export interface BatchLimits {
  /** Entries a call at most (PutEvents: 10). */
  maxBatchEntries: number;
  /** The entries' total size a call at most, measured as EventBridge does (PutEvents: 256 KB). */
  maxBatchBytes: number;
}

export const PUT_EVENTS_LIMITS: BatchLimits = { maxBatchEntries: 10, maxBatchBytes: 256 * 1024 };

/** The fields EventBridge measures, named and optional as in a PutEventsRequestEntry. */
export interface MeasuredEntry {
  Source?: string | undefined;
  DetailType?: string | undefined;
  Detail?: string | undefined;
  Resources?: readonly string[] | undefined;
  Time?: Date | undefined;
}

export const putEventsFields = (event: DomainEvent): Required<Pick<MeasuredEntry, 'Source' | 'DetailType' | 'Detail' | 'Time'>> => ({
  Source: event.source,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
  Time: new Date(event.detail.meta.occurredAt),
});

const utf8 = new TextEncoder();
const utf8Bytes = (text: string): number => utf8.encode(text).length;

/**
 * EventBridge's rule ("Calculating PutEvents event entry size",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html): Time, if given, counts
 * 14 bytes; Source, DetailType, Detail and each Resources entry count the bytes of their UTF-8 encoding.
 */
export const putEventsEntryBytes = (entry: MeasuredEntry): number =>
  (entry.Time ? 14 : 0) +
  utf8Bytes(entry.Source ?? '') +
  utf8Bytes(entry.DetailType ?? '') +
  utf8Bytes(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, resource) => sum + utf8Bytes(resource), 0);

export const eventEntryBytes = (event: DomainEvent): number => putEventsEntryBytes(putEventsFields(event));

/**
 * How many items, from index `from`, one call takes: as many as fit both limits (a batch of exactly
 * maxBatchEntries or exactly maxBatchBytes fits). Throws a RangeError for a first item that fits no call.
 */
export const fittingPrefix = <T>(items: readonly T[], bytesOf: (item: T) => number, limits: BatchLimits, from = 0): number => {
  let bytes = 0;
  let count = 0;
  for (let i = from; i < items.length && count < limits.maxBatchEntries; i++) {
    const size = bytesOf(items[i] as T);
    if (bytes + size > limits.maxBatchBytes) {
      if (count === 0) throw new RangeError(`an entry of ${size} bytes exceeds the ${limits.maxBatchBytes}-byte limit of a call`);
      break;
    }
    bytes += size;
    count++;
  }
  return count;
};

/** The items cut, in order, into consecutive calls within the limits. */
export const splitIntoBatches = <T>(items: readonly T[], bytesOf: (item: T) => number, limits: BatchLimits): T[][] => {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; ) {
    const count = fittingPrefix(items, bytesOf, limits, start);
    batches.push(items.slice(start, start + count));
    start += count;
  }
  return batches;
};
