import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldText, timeText } from '../../../adapters/market-data/wire-text';
import { isoToEpochMs } from '../../../shared/time/iso-time';

describe('wire text: prices, sizes and ids', () => {
  it('keeps a string exactly as sent, trailing zeros and all', () => {
    expect(fieldText('190.10')).toBe('190.10');
    expect(fieldText('0.00000001')).toBe('0.00000001');
    expect(fieldText('abc')).toBe('abc');
  });

  it('writes a number in its shortest decimal form', () => {
    expect(fieldText(173.73)).toBe('173.73');
    expect(fieldText(0.1)).toBe('0.1');
    expect(fieldText(100)).toBe('100');
    expect(fieldText(52983525029461)).toBe('52983525029461');
  });

  it('spells out the exponent JavaScript uses for very small and very large numbers, moving digits only', () => {
    expect(String(1e-7)).toBe('1e-7');
    expect(fieldText(1e-7)).toBe('0.0000001');
    expect(fieldText(1.5e-7)).toBe('0.00000015');
    expect(fieldText(-2.5e-8)).toBe('-0.000000025');
    expect(fieldText(1e21)).toBe('1000000000000000000000');
    expect(fieldText(1.2345e22)).toBe('12345000000000000000000');
    expect(fieldText(0.000001)).toBe('0.000001');
  });

  it('passes any other type on as its JSON text, for the validator to reject by reason', () => {
    expect(fieldText(null)).toBe('null');
    expect(fieldText(undefined)).toBe('undefined');
    expect(fieldText(true)).toBe('true');
    expect(fieldText({ p: 1 })).toBe('{"p":1}');
    expect(fieldText([1])).toBe('[1]');
  });
});

describe('wire text: numbers as the shortest decimal', () => {
  it('writes any number from a millionth up as String does, and the same again when it repeats', () => {
    const prices = fc.oneof(
      fc.integer({ min: 0, max: 99_999_999 }).chain((m) => fc.integer({ min: 0, max: 8 }).map((d) => m / 10 ** d)),
      fc.double({ min: 1e-6, max: 1e21, noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(prices, (value) => {
        fc.pre(value >= 1e-6 && value < 1e21);
        expect(fieldText(value)).toBe(String(value));
        expect(fieldText(value)).toBe(String(value));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('wire text: times', () => {
  it('truncates nanoseconds, microseconds and tenths to milliseconds, never rounding up', () => {
    expect(timeText('2026-11-23T14:59:59.999999999Z')).toBe('2026-11-23T14:59:59.999Z');
    expect(timeText('2026-11-23T14:59:59.123456Z')).toBe('2026-11-23T14:59:59.123Z');
    expect(timeText('2026-11-23T14:59:59.1Z')).toBe('2026-11-23T14:59:59.100Z');
    expect(timeText('2026-11-23T14:59:59.123Z')).toBe('2026-11-23T14:59:59.123Z');
    expect(timeText('2026-11-23T14:59:59.12Z')).toBe('2026-11-23T14:59:59.120Z');
  });

  it('adds milliseconds to a time given to the second', () => {
    expect(timeText('2026-11-23T14:59:59Z')).toBe('2026-11-23T14:59:59.000Z');
  });

  it('applies an offset', () => {
    expect(timeText('2026-11-23T09:59:59.123456789-05:00')).toBe('2026-11-23T14:59:59.123Z');
    expect(timeText('2026-11-24T01:00:00+02:00')).toBe('2026-11-23T23:00:00.000Z');
  });

  it('passes on as sent a time of another shape: ten fractional digits, a letter among the digits, a space, no zone, junk', () => {
    for (const text of [
      '2026-11-23T14:59:59.1234567890Z',
      '2026-11-23T14:59:59.12a4Z',
      '2026-11-2xT14:59:59.123Z',
      '2026-11-23T14:59:59.Z',
      '2026-11-23 14:59:59Z',
      '2026-11-23T14:59:59',
      '2026-02-30T14:59:59.123+02:00',
      'yesterday',
      '',
    ]) {
      expect(timeText(text), text).toBe(text);
    }
  });

  it('re-spells a UTC time of the right shape whose date or hour does not exist, for the strict reading to reject', () => {
    expect(timeText('2026-02-30T14:59:59.123456Z')).toBe('2026-02-30T14:59:59.123Z');
    expect(timeText('2026-11-23T24:00:00Z')).toBe('2026-11-23T24:00:00.000Z');
    expect(isoToEpochMs(timeText('2026-02-30T14:59:59.123456Z'))).toBeNaN();
    expect(isoToEpochMs(timeText('2026-11-23T24:00:00Z'))).toBeNaN();
  });

  it('passes a time of the wrong type on as text', () => {
    expect(timeText(1764000000000)).toBe('1764000000000');
    expect(timeText(undefined)).toBe('undefined');
  });
});
