// Exact decimal arithmetic for prices, quantities, cash and P&L. Values travel as canonical decimal
// strings (never JS numbers) and are computed with decimal.js, so no binary floating point touches money.
import DecimalJs from 'decimal.js';
import * as z from 'zod';

/** A private decimal.js constructor so global configuration elsewhere cannot change our rounding. */
export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 60 });
export type Decimal = InstanceType<typeof Decimal>;

/** Scale used when a division is unavoidable (cost removed on a partial close). */
export const LEDGER_SCALE = 12;

const DECIMAL_PATTERN = /^-?(0|[1-9]\d{0,17})(\.\d{1,12})?$/;

/** A decimal string with at most 18 integer and 12 fractional digits (fits DynamoDB's 38-digit numbers). */
export const DecimalStringSchema = z
  .string({ error: 'must be a decimal string' })
  .regex(DECIMAL_PATTERN, { error: 'must be a decimal string such as "12.50" (at most 18 integer and 12 fractional digits)' });

// A refinement runs even when the pattern failed: only a string the pattern accepts is read as a number (decimal.js
// throws on anything else), and the pattern's issue alone names what is wrong with the rest.
export const PositiveDecimalStringSchema = DecimalStringSchema.refine((s) => !DECIMAL_PATTERN.test(s) || new Decimal(s).gt(0), {
  error: 'must be greater than zero',
});

export const dec = (value: string | Decimal | number | bigint): Decimal => {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    // Only integers may cross from number: a fractional number is already a binary approximation.
    throw new TypeError(`refusing non-integer number ${value} as money; pass a decimal string`);
  }
  return new Decimal(typeof value === 'bigint' ? value.toString() : value);
};

/** Canonical string form: no exponent, no trailing zeros, "-0" normalised to "0". */
export const toDecimalString = (value: Decimal): string => {
  if (value.isZero()) return '0';
  return value.toFixed();
};

export const ZERO = dec(0);
