// How a PutEvents entry is measured (EventBridge's published rule) and how events are cut into calls: both limits
// at their boundary, order kept, an entry no call can hold refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eventEntryBytes,
  fittingPrefix,
  PUT_EVENTS_LIMITS,
  putEventsEntryBytes,
  putEventsFields,
  splitIntoBatches,
} from '../../../shared/events/put-events-batches';
import { intended, sized } from '../../support/bus-events';

const self = (bytes: number) => bytes;

describe('PutEvents entry size', () => {
  it('counts 14 bytes for Time and the UTF-8 bytes of Source, DetailType, Detail and each resource', () => {
    expect(putEventsEntryBytes({ Source: 'a', DetailType: 'bc', Detail: '{}' })).toBe(5);
    expect(putEventsEntryBytes({ Source: 'a', DetailType: 'bc', Detail: '{}', Time: new Date(0) })).toBe(5 + 14);
    expect(putEventsEntryBytes({ Source: 'a', DetailType: 'bc', Resources: ['arn:1', 'arn:22'] })).toBe(3 + 5 + 6);
    // é is 2 bytes in UTF-8, € 3 and 𝄞 (a surrogate pair in JavaScript) 4: characters are not bytes.
    expect(putEventsEntryBytes({ Source: 'é', DetailType: '€', Detail: '"𝄞"' })).toBe(2 + 3 + 6);
  });

  it('measures a domain event as the entry the adapters send: source, detail type, JSON detail and its time', () => {
    const event = intended('i-1');
    const fields = putEventsFields(event);
    expect(fields).toEqual({
      Source: 'trading.feed',
      DetailType: 'OrderIntended.v1',
      Detail: JSON.stringify(event.detail),
      Time: new Date('2026-11-23T15:00:00.000Z'),
    });
    expect(eventEntryBytes(event)).toBe(14 + 'trading.feed'.length + 'OrderIntended.v1'.length + JSON.stringify(event.detail).length);
  });

  it('pads a test event to an exact size', () => {
    expect(eventEntryBytes(sized(intended('i-1'), 2_000))).toBe(2_000);
  });
});

describe('cutting events into calls', () => {
  it('takes exactly maxBatchEntries in one call and splits one more', () => {
    const limits = { maxBatchEntries: 10, maxBatchBytes: 1_000 };
    expect(splitIntoBatches(Array<number>(10).fill(1), self, limits).map((b) => b.length)).toEqual([10]);
    expect(splitIntoBatches(Array<number>(11).fill(1), self, limits).map((b) => b.length)).toEqual([10, 1]);
  });

  it('takes entries summing to exactly maxBatchBytes in one call and splits at one byte more', () => {
    const limits = { maxBatchEntries: 10, maxBatchBytes: 300 };
    expect(splitIntoBatches([100, 100, 100], self, limits)).toEqual([[100, 100, 100]]);
    expect(splitIntoBatches([100, 100, 101], self, limits)).toEqual([[100, 100], [101]]);
  });

  it('holds at the real limits: ten entries, 256 KB', () => {
    const quarter = (256 * 1024) / 4;
    expect(splitIntoBatches([quarter, quarter, quarter, quarter], self, PUT_EVENTS_LIMITS).map((b) => b.length)).toEqual([4]);
    expect(splitIntoBatches([quarter, quarter, quarter, quarter + 1], self, PUT_EVENTS_LIMITS).map((b) => b.length)).toEqual([3, 1]);
  });

  it('refuses an entry larger than a whole call, and counts from the given index', () => {
    expect(() => fittingPrefix([301], self, { maxBatchEntries: 10, maxBatchBytes: 300 })).toThrow(RangeError);
    expect(fittingPrefix([300], self, { maxBatchEntries: 10, maxBatchBytes: 300 })).toBe(1);
    expect(fittingPrefix([500, 100, 100], self, { maxBatchEntries: 10, maxBatchBytes: 300 }, 1)).toBe(2);
    expect(fittingPrefix([], self, { maxBatchEntries: 10, maxBatchBytes: 300 })).toBe(0);
  });

  it('keeps every entry once and in order, and no call breaks a limit or could have taken the next entry', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 50, max: 500 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 60 }),
        (maxBatchEntries, maxBatchBytes, sizes) => {
          const limits = { maxBatchEntries, maxBatchBytes };
          const batches = splitIntoBatches(sizes, self, limits);
          expect(batches.flat()).toEqual(sizes);
          batches.forEach((batch, i) => {
            const bytes = batch.reduce((sum, size) => sum + size, 0);
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(maxBatchEntries);
            expect(bytes).toBeLessThanOrEqual(maxBatchBytes);
            const next = batches[i + 1]?.[0];
            if (next !== undefined) expect(batch.length === maxBatchEntries || bytes + next > maxBatchBytes).toBe(true);
          });
        },
      ),
    );
  });
});
