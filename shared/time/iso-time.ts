// Epoch milliseconds of the ISO-8601 UTC timestamps the system writes (`Date.toISOString()`:
// YYYY-MM-DDTHH:MM:SS.sssZ), read on the hot path of every decision. Date.parse costs about three times as
// much and accepts impossible dates (2026-02-30 becomes March 2nd); this reads the canonical form
// digit by digit and rejects an impossible date as NaN, which callers treat as "no valid time" (fail
// closed). Any other shape goes to Date.parse.

const DIGIT_0 = 48;

/** Two ASCII digits at `at` as a number, or NaN. */
const two = (text: string, at: number): number => {
  const a = text.charCodeAt(at) - DIGIT_0;
  const b = text.charCodeAt(at + 1) - DIGIT_0;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const isLeap = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

/** Epoch milliseconds of an ISO-8601 timestamp; NaN when it names no valid instant. */
export const isoToEpochMs = (text: string): number => {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 /* . */ ||
    text.charCodeAt(23) !== 90 /* Z */
  ) {
    return Date.parse(text);
  }
  const hour = two(text, 11);
  const minute = two(text, 14);
  const second = two(text, 17);
  const lastDigit = text.charCodeAt(22) - DIGIT_0;
  const ms = two(text, 20) * 10 + lastDigit;
  // NaN fails every comparison, so a non-digit anywhere lands in the NaN return.
  if (!(hour <= 23 && minute <= 59 && second <= 59 && lastDigit >= 0 && lastDigit <= 9 && ms >= 0)) return Number.NaN;
  return dayStartMs(text) + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
};

// The last date read, as its eight digits, and its start: a stream of timestamps nearly always stays on one date,
// so the date's checks and calendar arithmetic run once per date seen (a third of the cost of a reading).
const lastDigits = [0, 0, 0, 0, 0, 0, 0, 0];
const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
let lastDayMs = Number.NaN;

/** Epoch ms of the start of the timestamp's UTC date; NaN for a date that does not exist. */
const dayStartMs = (text: string): number => {
  let same = true;
  for (let k = 0; k < 8 && same; k++) same = text.charCodeAt(DATE_DIGITS[k] ?? 0) === lastDigits[k];
  if (same) return lastDayMs;
  const year = two(text, 0) * 100 + two(text, 2);
  const month = two(text, 5);
  const day = two(text, 8);
  if (!(month >= 1 && month <= 12) || !(day >= 1 && day <= (month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0)))) return Number.NaN;
  for (let k = 0; k < 8; k++) lastDigits[k] = text.charCodeAt(DATE_DIGITS[k] ?? 0);
  lastDayMs = daysFromCivil(year, month, day) * 86_400_000;
  return lastDayMs;
};
