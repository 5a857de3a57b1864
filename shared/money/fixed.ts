// Exact fixed-point decimals for the hot path (pre-trade risk comparisons), where decimal.js costs ~1 µs
// per operation. A value is m × 10^(−s): an integer mantissa m and a count s of fractional digits.
//
// Invariant: every operation is exact — it equals decimal.js's result exactly, never a binary
// approximation. A number mantissa is always a safe integer (|m| <= 2^53 − 1) and never −0; a result
// that would leave the safe range is recomputed with BigInt mantissas, and a bigint mantissa is only
// kept while |m| > 2^53 − 1 (smaller ones go back to number), so ordinary prices and quantities stay on
// the number fast path.
//
// Build values only with parseFixed / fixedFromInt or the operations here; `s` is a non-negative
// integer. Results may carry trailing zeros ("190.50" stays m = 19050, s = 2): compare with cmp/eq,
// never by field, and print with toDecimalString.

/**
 * m × 10^(−s). `m` is a safe-integer number or, only when |m| > 2^53 − 1, a bigint. One plain shape for
 * both keeps call sites monomorphic; a separate bigint field measured no faster (within ~1 ns/op).
 */
export type Fixed = { readonly m: number | bigint; readonly s: number };

const MAX = Number.MAX_SAFE_INTEGER;
const MAX_BIG = BigInt(MAX);
const MIN_BIG = -MAX_BIG;

// 10^0 … 10^22 are exactly representable doubles, so scaling a safe integer by one of them is a single
// correctly rounded multiply: exact whenever the result is within ±MAX (see `safe`).
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
const POW10_BIG: bigint[] = Array.from({ length: 64 }, (_, k) => 10n ** BigInt(k));
const pow10Big = (k: number): bigint => POW10_BIG[k] ?? 10n ** BigInt(k);

// Above this scale, mul strips trailing zeros so repeated products do not push alignment out of the
// number range; ordinary price × quantity (scales summing to at most 12) never pays for it.
const REDUCE_ABOVE_SCALE = 12;

// A sum, difference or product of safe integers is computed exactly whenever the exact result is
// within ±MAX; if it is not, rounding is monotonic and 2^53 is a double, so the computed result lands
// outside ±MAX. One range check therefore detects every inexact single operation.
const safe = (x: number): boolean => x <= MAX && x >= -MAX;

const big = (m: number | bigint): bigint => (typeof m === 'bigint' ? m : BigInt(m));

/** The only place a bigint result is boxed: it goes back to number when it fits, keeping the invariant. */
const fromBig = (m: bigint, s: number): Fixed => (m >= MIN_BIG && m <= MAX_BIG ? { m: Number(m), s } : { m, s });

const invalid = (text: string): RangeError =>
  new RangeError(`not a decimal string: ${JSON.stringify(text)} (expected e.g. "12.50"; at most 18 integer and 12 fractional digits)`);

/**
 * Parses a decimal string of the form the system stores (-?(0|[1-9]\d{0,17})(\.\d{1,12})?), keeping
 * the written scale ("190.50" → m 19050, s 2). Anything else throws a RangeError naming the text.
 */
export function parseFixed(text: string): Fixed {
  const len = text.length;
  let i = 0;
  let negative = false;
  if (len > 0 && text.charCodeAt(0) === 45 /* - */) {
    negative = true;
    i = 1;
  }
  const intStart = i;
  let m = 0;
  let c: number;
  for (; i < len; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    m = m * 10 + c;
  }
  const intDigits = i - intStart;
  if (intDigits === 0 || intDigits > 18 || (intDigits > 1 && text.charCodeAt(intStart) === 48)) throw invalid(text);
  let s = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46 /* . */) throw invalid(text);
    const fracStart = ++i;
    for (; i < len; i++) {
      c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) throw invalid(text);
      m = m * 10 + c;
    }
    s = i - fracStart;
    if (s === 0 || s > 12) throw invalid(text);
  }
  // Each step is exact while m stays safe, and once the true value passes MAX the (monotonic) float
  // accumulation does too — so m <= MAX proves m exact; otherwise re-read the digits as a BigInt.
  if (m > MAX) return parseBig(text, s);
  return { m: negative ? 0 - m : m, s }; // 0 - m, not -m: "-0" must not become a −0 mantissa
}

/**
 * Whether parseFixed would read `text` as a value above zero — the same grammar (no leading zeros, at most 18
 * integer and 12 fractional digits, an optional minus) — without building it: a check for sizes the hot path
 * only needs to know are positive.
 */
export function isPositiveDecimalText(text: string): boolean {
  const len = text.length;
  if (len === 0 || text.charCodeAt(0) === 45 /* - */) return false;
  let i = 0;
  let nonZero = false;
  let c: number;
  for (; i < len; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (c !== 0) nonZero = true;
  }
  if (i === 0 || i > 18 || (i > 1 && text.charCodeAt(0) === 48)) return false;
  if (i === len) return nonZero;
  if (text.charCodeAt(i) !== 46 /* . */) return false;
  const fracStart = ++i;
  for (; i < len; i++) {
    c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    if (c !== 0) nonZero = true;
  }
  const fraction = i - fracStart;
  return fraction > 0 && fraction <= 12 && nonZero;
}

// Only for inputs beyond 2^53 − 1, already validated: BigInt(string) of the digits (with any sign)
// measured faster than combining exact 15-digit number chunks with BigInt arithmetic.
const parseBig = (text: string, s: number): Fixed => fromBig(BigInt(s === 0 ? text : text.replace('.', '')), s);

/** An integer as a Fixed; throws a RangeError unless it is a safe integer (a fraction in a number is already inexact). */
export function fixedFromInt(n: number): Fixed {
  if (!Number.isSafeInteger(n)) throw new RangeError(`refusing ${n} as money: only safe integers may cross from number; pass a decimal string`);
  return { m: n + 0, s: 0 }; // + 0 turns −0 into 0
}

export function add(a: Fixed, b: Fixed): Fixed {
  const am = a.m;
  const bm = b.m;
  if (typeof am === 'number' && typeof bm === 'number') {
    const as = a.s;
    const bs = b.s;
    if (as === bs) {
      const r = am + bm;
      if (safe(r)) return { m: r, s: as };
    } else if (as < bs) {
      const x = am * (POW10[bs - as] ?? Infinity);
      const r = x + bm;
      if (safe(x) && safe(r)) return { m: r, s: bs };
    } else {
      const y = bm * (POW10[as - bs] ?? Infinity);
      const r = am + y;
      if (safe(y) && safe(r)) return { m: r, s: as };
    }
  }
  return addBig(a, b, false);
}

export function sub(a: Fixed, b: Fixed): Fixed {
  const am = a.m;
  const bm = b.m;
  if (typeof am === 'number' && typeof bm === 'number') {
    const as = a.s;
    const bs = b.s;
    if (as === bs) {
      const r = am - bm;
      if (safe(r)) return { m: r, s: as };
    } else if (as < bs) {
      const x = am * (POW10[bs - as] ?? Infinity);
      const r = x - bm;
      if (safe(x) && safe(r)) return { m: r, s: bs };
    } else {
      const y = bm * (POW10[as - bs] ?? Infinity);
      const r = am - y;
      if (safe(y) && safe(r)) return { m: r, s: as };
    }
  }
  return addBig(a, b, true);
}

function addBig(a: Fixed, b: Fixed, subtract: boolean): Fixed {
  const s = a.s > b.s ? a.s : b.s;
  const x = big(a.m) * pow10Big(s - a.s);
  const y = big(b.m) * pow10Big(s - b.s);
  return fromBig(subtract ? x - y : x + y, s);
}

export function mul(a: Fixed, b: Fixed): Fixed {
  const am = a.m;
  const bm = b.m;
  const s = a.s + b.s;
  if (typeof am === 'number' && typeof bm === 'number') {
    const r = am * bm + 0; // + 0 turns a −0 product (0 × negative) into 0
    if (safe(r)) return s > REDUCE_ABOVE_SCALE ? reduce(r, s) : { m: r, s };
  }
  const r = big(am) * big(bm);
  return s > REDUCE_ABOVE_SCALE ? reduceBig(r, s) : fromBig(r, s);
}

/** Strips trailing zeros of a safe mantissa (the value is unchanged, the scale shrinks). */
function reduce(m: number, s: number): Fixed {
  if (m === 0) return { m: 0, s: 0 };
  while (s > 0 && m % 10 === 0) {
    m /= 10;
    s--;
  }
  return { m, s };
}

function reduceBig(m: bigint, s: number): Fixed {
  if (m === 0n) return { m: 0, s: 0 };
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return fromBig(m, s);
}

export function neg(a: Fixed): Fixed {
  const m = a.m;
  return typeof m === 'number' ? { m: 0 - m, s: a.s } : { m: -m, s: a.s }; // 0 - m: never −0
}

export function abs(a: Fixed): Fixed {
  const m = a.m;
  if (typeof m === 'number') return m < 0 ? { m: -m, s: a.s } : a;
  return m < 0n ? { m: -m, s: a.s } : a;
}

export function sign(a: Fixed): -1 | 0 | 1 {
  const m = a.m;
  if (typeof m === 'number') return m > 0 ? 1 : m < 0 ? -1 : 0;
  return m > 0n ? 1 : m < 0n ? -1 : 0;
}

export function isZero(a: Fixed): boolean {
  const m = a.m;
  return typeof m === 'number' ? m === 0 : m === 0n;
}

/** Orders a and b exactly. Number mantissas never need BigInt: an alignment that overflows is larger than any safe value. */
export function cmp(a: Fixed, b: Fixed): -1 | 0 | 1 {
  const am = a.m;
  const bm = b.m;
  if (typeof am === 'number' && typeof bm === 'number') {
    const as = a.s;
    const bs = b.s;
    let x = am;
    let y = bm;
    // Scale up the side with fewer fractional digits. If that overflows (or the gap exceeds the exact
    // powers), |scaled| > MAX >= |other| unless the mantissa is 0 — so its sign alone decides.
    if (as < bs) {
      x = am * (POW10[bs - as] ?? Infinity);
      if (!safe(x)) return am > 0 ? 1 : am < 0 ? -1 : bm > 0 ? -1 : bm < 0 ? 1 : 0;
    } else if (as > bs) {
      y = bm * (POW10[as - bs] ?? Infinity);
      if (!safe(y)) return bm > 0 ? -1 : bm < 0 ? 1 : am > 0 ? 1 : am < 0 ? -1 : 0;
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const s = a.s > b.s ? a.s : b.s;
  const x = big(am) * pow10Big(s - a.s);
  const y = big(bm) * pow10Big(s - b.s);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const eq = (a: Fixed, b: Fixed): boolean => cmp(a, b) === 0;
export const lt = (a: Fixed, b: Fixed): boolean => cmp(a, b) < 0;
export const lte = (a: Fixed, b: Fixed): boolean => cmp(a, b) <= 0;
export const gt = (a: Fixed, b: Fixed): boolean => cmp(a, b) > 0;
export const gte = (a: Fixed, b: Fixed): boolean => cmp(a, b) >= 0;
/** The larger of a and b (a when equal); returns one of the arguments, not a copy. */
export const max = (a: Fixed, b: Fixed): Fixed => (cmp(a, b) >= 0 ? a : b);
/** The smaller of a and b (a when equal); returns one of the arguments, not a copy. */
export const min = (a: Fixed, b: Fixed): Fixed => (cmp(a, b) <= 0 ? a : b);

/** floor(a / b) as an integer Fixed (scale 0); a RangeError when b is zero. */
export function floorDiv(a: Fixed, b: Fixed): Fixed {
  if (isZero(b)) throw new RangeError(`floorDiv by zero (${toDecimalString(a)} / 0)`);
  const am = a.m;
  const bm = b.m;
  if (typeof am === 'number' && typeof bm === 'number') {
    const x = a.s < b.s ? am * (POW10[b.s - a.s] ?? Infinity) : am;
    const y = a.s > b.s ? bm * (POW10[a.s - b.s] ?? Infinity) : bm;
    if (safe(x) && safe(y)) {
      // % is exact on doubles, x − r is an exact multiple of y no larger than |x|, so the division
      // is exact too (Math.floor(x / y) alone could round up across an integer).
      const r = x % y;
      let q = (x - r) / y;
      if (r !== 0 && (r < 0) !== (y < 0)) q -= 1;
      return { m: q + 0, s: 0 };
    }
  }
  const s = a.s > b.s ? a.s : b.s;
  const x = big(am) * pow10Big(s - a.s);
  const y = big(bm) * pow10Big(s - b.s);
  const r = x % y;
  let q = x / y; // truncates toward zero; step down when the true quotient is negative and inexact
  if (r !== 0n && (r < 0n) !== (y < 0n)) q -= 1n;
  return fromBig(q, 0);
}

/** Whether a is an integer multiple of b (e.g. a quantity of a lot size); a RangeError when b is zero. */
export function isMultipleOf(a: Fixed, b: Fixed): boolean {
  if (isZero(b)) throw new RangeError(`isMultipleOf zero (${toDecimalString(a)} of 0)`);
  const am = a.m;
  const bm = b.m;
  if (typeof am === 'number' && typeof bm === 'number') {
    const x = a.s < b.s ? am * (POW10[b.s - a.s] ?? Infinity) : am;
    const y = a.s > b.s ? bm * (POW10[a.s - b.s] ?? Infinity) : bm;
    if (safe(x) && safe(y)) return x % y === 0;
  }
  const s = a.s > b.s ? a.s : b.s;
  return (big(am) * pow10Big(s - a.s)) % (big(bm) * pow10Big(s - b.s)) === 0n;
}

/** Canonical string, as toDecimalString in ./decimal: no exponent, no trailing zeros, zero is "0". */
export function toDecimalString(a: Fixed): string {
  const m = a.m;
  if (typeof m === 'number' ? m === 0 : m === 0n) return '0';
  const negative = typeof m === 'number' ? m < 0 : m < 0n;
  // String() of a safe integer or a bigint never uses an exponent.
  const digits = String(negative ? -m : m);
  let s = a.s;
  let end = digits.length;
  while (s > 0 && digits.charCodeAt(end - 1) === 48) {
    end--;
    s--;
  }
  let out: string;
  if (s === 0) out = digits.slice(0, end);
  else if (end > s) out = `${digits.slice(0, end - s)}.${digits.slice(end - s, end)}`;
  else out = `0.${'0'.repeat(s - end)}${digits.slice(0, end)}`;
  return negative ? `-${out}` : out;
}
