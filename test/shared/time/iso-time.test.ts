import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoToEpochMs } from '../../../shared/time/iso-time';

describe('isoToEpochMs', () => {
  it('reads every instant Date.toISOString writes in years 0000-9999 exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(0, 0, 1) - 1900 * 365 * 86_400_000, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (ms) => {
        const text = new Date(ms).toISOString();
        fc.pre(text.length === 24);
        expect(isoToEpochMs(text)).toBe(ms);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads leap days and the last millisecond of a year', () => {
    expect(isoToEpochMs('2024-02-29T12:00:00.001Z')).toBe(Date.UTC(2024, 1, 29, 12, 0, 0, 1));
    expect(isoToEpochMs('2000-02-29T00:00:00.000Z')).toBe(Date.UTC(2000, 1, 29));
    expect(isoToEpochMs('2026-12-31T23:59:59.999Z')).toBe(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
  });

  it('rejects impossible dates and times that Date.parse would roll over', () => {
    for (const text of ['2026-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-01-00T00:00:00.000Z', '2026-01-01T24:00:00.000Z', '2026-01-01T23:60:00.000Z', '2026-01-01T23:59:60.000Z', '2026-01-01T23:59:59.9x9Z', '2026-0a-01T00:00:00.000Z']) {
      expect(isoToEpochMs(text), text).toBeNaN();
    }
  });

  it('reads a stream of readings on a few dates, valid and impossible, as each would be read alone', () => {
    const reading = fc.oneof(
      fc.integer({ min: Date.UTC(2026, 0, 30), max: Date.UTC(2026, 2, 2) }).map((ms) => new Date(ms).toISOString()),
      fc.constantFrom('2026-02-29T10:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-02-28T24:00:00.000Z', '2026-0228T10:00:00.000Z'),
    );
    fc.assert(
      fc.property(fc.array(reading, { minLength: 1, maxLength: 40 }), (texts) => {
        for (const text of texts) {
          const alone = Date.parse(text);
          const impossible = Number.isNaN(alone) || new Date(alone).toISOString() !== text;
          if (impossible) expect(isoToEpochMs(text), text).toBeNaN();
          else expect(isoToEpochMs(text), text).toBe(alone);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('leaves other shapes to Date.parse', () => {
    expect(isoToEpochMs('2026-11-23T14:59:59Z')).toBe(Date.UTC(2026, 10, 23, 14, 59, 59));
    expect(isoToEpochMs('2026-11-23T09:59:59.250-05:00')).toBe(Date.UTC(2026, 10, 23, 14, 59, 59, 250));
    expect(isoToEpochMs('not a time')).toBeNaN();
  });
});
