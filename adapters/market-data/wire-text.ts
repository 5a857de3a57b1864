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

/** A price, size or id as text: see the module comment. */
export const fieldText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
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
