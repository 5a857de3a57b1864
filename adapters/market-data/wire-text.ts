// How a provider's field becomes the text a market message carries. Invariants: nothing is computed — a JSON
// number becomes its shortest decimal form (an exponent spelled out as digits), a string stays as sent, any
// other type becomes its JSON text so the validator rejects it by reason; a time is only re-spelled (fraction
// truncated to milliseconds), and a time that cannot be read is passed on as sent.
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
    const text = String(value);
    return text.includes('e') && Number.isFinite(value) ? spellOutExponent(text) : text;
  }
  return JSON.stringify(value) ?? String(value);
};

const FRACTION = /^\d{1,9}$/;
// An instant with an offset: the date-time, the fraction, the zone.
const WITH_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([+-]\d{2}:\d{2})$/;

const readable = (iso: string): boolean => !Number.isNaN(isoToEpochMs(iso));

/**
 * An RFC 3339 time with 0–9 fractional digits as ISO-8601 UTC with milliseconds (sub-millisecond digits
 * truncated, an offset applied); anything that names no valid instant is returned as sent.
 */
export const timeText = (value: unknown): string => {
  if (typeof value !== 'string') return fieldText(value);
  const length = value.length;
  // The common case, "2024-03-11T14:30:00.123456789Z", re-spelled without a regular expression or a Date.
  if (length >= 20 && value.charCodeAt(length - 1) === 90 /* Z */ && value.charCodeAt(10) === 84 /* T */) {
    const head = value.slice(0, 19);
    if (length === 20) return readable(`${head}.000Z`) ? `${head}.000Z` : value;
    const fraction = value.slice(20, -1);
    if (value.charCodeAt(19) !== 46 /* . */ || !FRACTION.test(fraction)) return value;
    const iso = `${head}.${(fraction + '00').slice(0, 3)}Z`;
    return readable(iso) ? iso : value;
  }
  const match = WITH_OFFSET.exec(value);
  if (!match) return value;
  const [, dateTime, fraction = '', zone] = match;
  // Date.parse rolls an impossible date over (February 30th becomes March 1st): the wall time is read strictly first.
  if (!readable(`${dateTime}.000Z`)) return value;
  const ms = Date.parse(`${dateTime}.${(fraction + '000').slice(0, 3)}${zone}`);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
};
