// How a provider's field becomes the text a market message carries. Invariants: nothing is computed — a JSON
// number becomes its shortest decimal form (an exponent spelled out as digits), a string stays as sent, any
// other type becomes its JSON text so the validator rejects it by reason; a time is only re-spelled (fraction
// truncated to milliseconds, an offset applied), and a time of another shape is passed on as sent. Whether a
// UTC time's date exists (no February 30th) is left to the validator's strict reading, which every message
// gets anyway: reading it here too would double the cost of the commonest field.
import { isoToEpochMs } from '../../shared/time/iso-time';

/** "1.5e-7" → "0.00000015", "1e+21" → "1000000000000000000000": the digits moved, never recomputed. */
const spellOutExponent = (text: string): string => {
  const at = text.indexOf('e');
  const exponent = Number(text.slice(at + 1));
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, at);
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  const spelled =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${spelled}` : spelled;
};

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * The shortest decimal text of a non-negative number below a million with at most eight decimals — every
 * price and size a market sends — without the general shortest-digits algorithm (a third of the cost); undefined
 * for any other number. Exact: below 1e6 with d ≤ 8 decimals, value × 10^d is off its true value by less than
 * 0.02, so the d-digit decimal that rounds to `value` is found by rounding, and dividing it back gives `value`
 * exactly; the first d that does is the shortest form, as String would write it.
 */
const shortDecimal = (value: number): string | undefined => {
  if (!(value >= 0 && value < 1e6)) return undefined;
  if (Number.isInteger(value)) return String(value);
  for (let d = 1; d < POWERS_OF_TEN.length; d++) {
    const scale = POWERS_OF_TEN[d] ?? 1;
    const scaled = Math.round(value * scale);
    if (scaled / scale !== value) continue;
    const digits = String(scaled);
    const padded = digits.length > d ? digits : '0'.repeat(d + 1 - digits.length) + digits;
    return `${padded.slice(0, padded.length - d)}.${padded.slice(padded.length - d)}`;
  }
  return undefined;
};

// The texts of recent numbers, direct-mapped: a market repeats its prices and sizes quote after quote, and a
// hit costs a comparison where writing the digits costs a hundred nanoseconds.
const CACHE_SIZE = 4096;
const cachedNumbers = new Float64Array(CACHE_SIZE).fill(Number.NaN);
const cachedTexts: string[] = new Array<string>(CACHE_SIZE).fill('');

const slotOf = (value: number): number => (Math.imul((value * 1_000_003) | 0, 0x9e3779b1) >>> 20) & (CACHE_SIZE - 1);

/** A price, size or id as text: see the module comment. */
export const fieldText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    const slot = slotOf(value);
    if (cachedNumbers[slot] === value) return cachedTexts[slot] ?? String(value);
    const short = shortDecimal(value);
    if (short !== undefined) {
      cachedNumbers[slot] = value;
      cachedTexts[slot] = short;
      return short;
    }
    // JavaScript writes an exponent only below 1e-6 or from 1e21 on: everything else is decimal already.
    const magnitude = value < 0 ? -value : value;
    return (magnitude >= 1e-6 && magnitude < 1e21) || magnitude === 0 || !Number.isFinite(value) ? String(value) : spellOutExponent(String(value));
  }
  return JSON.stringify(value) ?? String(value);
};

// An instant with an offset: the date-time, the fraction, the zone.
const WITH_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([+-]\d{2}:\d{2})$/;

const readable = (iso: string): boolean => !Number.isNaN(isoToEpochMs(iso));

// "YYYY-MM-DDTHH:MM:SS": 'd' a digit, anything else itself.
const DATE_TIME_SHAPE = 'dddd-dd-ddTdd:dd:dd';

const hasDateTimeShape = (text: string): boolean => {
  for (let at = 0; at < 19; at++) {
    const code = text.charCodeAt(at);
    const expected = DATE_TIME_SHAPE.charCodeAt(at);
    if (expected === 100 /* d */ ? code < 48 || code > 57 : code !== expected) return false;
  }
  return true;
};

/**
 * An RFC 3339 time with 0–9 fractional digits as ISO-8601 UTC with milliseconds (sub-millisecond digits
 * truncated, an offset applied); a time of another shape is returned as sent.
 */
export const timeText = (value: unknown): string => {
  if (typeof value !== 'string') return fieldText(value);
  const length = value.length;
  // The common case, "2024-03-11T14:30:00.123456789Z", re-spelled with one slice: no regular expression, no Date.
  if (length >= 20 && length <= 30 && value.charCodeAt(length - 1) === 90 /* Z */ && hasDateTimeShape(value)) {
    if (length === 20) return `${value.slice(0, 19)}.000Z`;
    if (length === 21 || value.charCodeAt(19) !== 46 /* . */) return value;
    for (let at = 20; at < length - 1; at++) {
      const code = value.charCodeAt(at);
      if (code < 48 || code > 57) return value;
    }
    return length >= 24 ? `${value.slice(0, 23)}Z` : `${value.slice(0, length - 1)}${'00'.slice(0, 24 - length)}Z`;
  }
  const match = WITH_OFFSET.exec(value);
  if (!match) return value;
  const [, dateTime, fraction = '', zone] = match;
  // Date.parse rolls an impossible date over (February 30th becomes March 1st): the wall time is read strictly first.
  if (!readable(`${dateTime}.000Z`)) return value;
  const ms = Date.parse(`${dateTime}.${(fraction + '000').slice(0, 3)}${zone}`);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
};
