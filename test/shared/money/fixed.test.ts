import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, toDecimalString as decimalString } from '../../../shared/money/decimal';
import {
  abs,
  add,
  cmp,
  eq,
  fixedFromInt,
  floorDiv,
  gt,
  gte,
  isMultipleOf,
  isPositiveDecimalText,
  isZero,
  lt,
  lte,
  max,
  min,
  mul,
  neg,
  parseFixed,
  sign,
  sub,
  toDecimalString,
  type Fixed,
} from '../../../shared/money/fixed';

// The reference: decimal.js with far more precision than any chain of operations below produces, so its
// add/sub/mul are exact; rounding toward −∞ makes div(...).floor() the exact floored quotient.
const D = Decimal.clone({ precision: 400, rounding: Decimal.ROUND_FLOOR });
const ref = (text: string) => new D(text);

const MAX = Number.MAX_SAFE_INTEGER;

/** The module's invariant: number mantissas are safe integers (never −0), bigints only outside the safe range. */
const assertWellFormed = (f: Fixed): void => {
  if (typeof f.m === 'number') {
    expect(Number.isSafeInteger(f.m)).toBe(true);
    expect(Object.is(f.m, -0)).toBe(false);
  } else {
    expect(f.m > BigInt(MAX) || f.m < -BigInt(MAX)).toBe(true);
  }
  expect(Number.isInteger(f.s) && f.s >= 0).toBe(true);
};

const digits = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

const integerPart = fc.oneof(
  fc.constant('0'),
  fc.integer({ min: 1, max: 999_999 }).map(String),
  // Around the safe-integer edge and up to the full 18 digits the schema allows.
  fc.bigInt({ min: 1n, max: 10n ** 18n - 1n }).map(String),
  fc.bigInt({ min: 10n ** 17n, max: 10n ** 18n - 1n }).map(String),
  fc.bigInt({ min: 2n ** 53n - 1000n, max: 2n ** 53n + 1000n }).map(String),
);
const fractionPart = fc.option(fc.oneof(digits(1, 4), digits(1, 12), digits(12, 12), fc.constantFrom('0', '50', '000000000000')), {
  nil: undefined,
});

/** Decimal strings as the system writes them: -?(0|[1-9]\d{0,17})(\.\d{1,12})?, trailing zeros included. */
const decimalText = fc
  .tuple(fc.boolean(), integerPart, fractionPart)
  .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);

const nonZeroText = decimalText.filter((t) => !new D(t).isZero());

describe('parseFixed and toDecimalString', () => {
  it('round-trips every system decimal string to the canonical form decimal.js prints', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const f = parseFixed(text);
        assertWellFormed(f);
        expect(toDecimalString(f)).toBe(decimalString(ref(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the written scale but prints without trailing zeros', () => {
    expect(parseFixed('190.50')).toEqual({ m: 19050, s: 2 });
    expect(toDecimalString(parseFixed('190.50'))).toBe('190.5');
    expect(toDecimalString(parseFixed('1.000'))).toBe('1');
    expect(toDecimalString(parseFixed('100'))).toBe('100');
    expect(toDecimalString(parseFixed('-0.000000000001'))).toBe('-0.000000000001');
    expect(toDecimalString(parseFixed('0.000000000010'))).toBe('0.00000000001');
  });

  it('reads 2^53 − 1 as a number mantissa and 2^53 as a bigint one, both exactly', () => {
    const edge = parseFixed('9007199254740991');
    const over = parseFixed('9007199254740992');
    expect(edge.m).toBe(MAX);
    expect(over.m).toBe(2n ** 53n);
    expect(toDecimalString(over)).toBe('9007199254740992');
    expect(gt(over, edge)).toBe(true);
    expect(parseFixed('-90071992547409.93').m).toBe(-(2n ** 53n + 1n));
    expect(toDecimalString(parseFixed('999999999999999999.999999999999'))).toBe('999999999999999999.999999999999');
  });

  it('normalises "-0" to a positive zero', () => {
    for (const text of ['-0', '-0.00', '0', '0.000000000000']) {
      const zero = parseFixed(text);
      expect(Object.is(zero.m, 0)).toBe(true);
      expect(isZero(zero)).toBe(true);
      expect(sign(zero)).toBe(0);
      expect(toDecimalString(zero)).toBe('0');
    }
    expect(Object.is(neg(parseFixed('0')).m, 0)).toBe(true);
    expect(Object.is(mul(parseFixed('-5'), parseFixed('0')).m, 0)).toBe(true);
    expect(Object.is(fixedFromInt(-0).m, 0)).toBe(true);
  });

  it.each(['1e5', '', '1.', '.5', 'abc', '1.2.3', '0x10', '-', '--1', '+1', ' 1', '1 ', '01', '-01.5', '1,5', 'Infinity', 'NaN', '１'])(
    'rejects %j with a RangeError naming the text',
    (text) => {
      expect(() => parseFixed(text)).toThrow(RangeError);
      expect(() => parseFixed(text)).toThrow(JSON.stringify(text));
    },
  );

  it('accepts exactly the strings the DecimalStringSchema pattern accepts', () => {
    const pattern = /^-?(0|[1-9]\d{0,17})(\.\d{1,12})?$/;
    const nearMiss = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'-0123456789.e+x '), maxLength: 34 }),
      decimalText.chain((t) => fc.nat(t.length).map((at) => `${t.slice(0, at)}${t.slice(at + 1)}`)),
      decimalText.chain((t) => fc.tuple(fc.nat(t.length), fc.constantFrom('0', '.', '-', '5')).map(([at, c]) => `${t.slice(0, at)}${c}${t.slice(at)}`)),
    );
    fc.assert(
      fc.property(nearMiss, (text) => {
        if (pattern.test(text)) expect(toDecimalString(parseFixed(text))).toBe(decimalString(ref(text)));
        else expect(() => parseFixed(text)).toThrow(RangeError);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects more than 18 integer or 12 fractional digits, like DecimalStringSchema', () => {
    expect(() => parseFixed('1234567890123456789')).toThrow(RangeError);
    expect(() => parseFixed('0.1234567890123')).toThrow(RangeError);
    expect(parseFixed('123456789012345678.123456789012').m).toBe(123456789012345678123456789012n);
  });
});

describe('isPositiveDecimalText', () => {
  const parsesPositive = (text: string): boolean => {
    try {
      return sign(parseFixed(text)) > 0;
    } catch {
      return false;
    }
  };

  it('answers exactly as parseFixed would: read, and above zero', () => {
    const texts = fc.oneof(
      fc.string({ unit: fc.constantFrom('0', '1', '9', '.', '-', 'e', ' '), maxLength: 22 }),
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 14 })).map(([m, d]) => (d === 0 ? `${m}` : `${m / 10n ** BigInt(d)}.${(m % 10n ** BigInt(d)).toString().padStart(d, '0')}`)),
    );
    fc.assert(
      fc.property(texts, (text) => {
        expect(isPositiveDecimalText(text), text).toBe(parsesPositive(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the boundaries of the grammar', () => {
    expect(['1', '0.000000000001', '999999999999999999', '10.5'].map(isPositiveDecimalText)).toEqual([true, true, true, true]);
    expect(['0', '0.0', '-1', '01', '1.', '.5', '0.0000000000001', '1000000000000000000', ''].map(isPositiveDecimalText)).toEqual(Array(9).fill(false));
  });
});

describe('fixedFromInt', () => {
  it('accepts safe integers only', () => {
    expect(toDecimalString(fixedFromInt(-42))).toBe('-42');
    expect(fixedFromInt(MAX)).toEqual({ m: MAX, s: 0 });
    expect(() => fixedFromInt(0.5)).toThrow(RangeError);
    expect(() => fixedFromInt(2 ** 53)).toThrow(RangeError);
    expect(() => fixedFromInt(Number.NaN)).toThrow(RangeError);
  });
});

describe('arithmetic equals decimal.js exactly', () => {
  const binary = (
    name: string,
    op: (a: Fixed, b: Fixed) => Fixed,
    expected: (a: InstanceType<typeof D>, b: InstanceType<typeof D>) => InstanceType<typeof D>,
  ) =>
    it(`${name} matches decimal.js for any two system decimals`, () => {
      fc.assert(
        fc.property(decimalText, decimalText, (x, y) => {
          const result = op(parseFixed(x), parseFixed(y));
          assertWellFormed(result);
          expect(toDecimalString(result)).toBe(decimalString(expected(ref(x), ref(y))));
        }),
        { numRuns: 2000 },
      );
    });

  binary('add', add, (a, b) => a.plus(b));
  binary('sub', sub, (a, b) => a.minus(b));
  binary('mul', mul, (a, b) => a.times(b));
  binary('max', max, (a, b) => D.max(a, b));
  binary('min', min, (a, b) => D.min(a, b));

  it('cmp, eq, lt, lte, gt and gte match decimal.js', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (x, y) => {
        const [a, b] = [parseFixed(x), parseFixed(y)];
        const expected = ref(x).cmp(ref(y));
        expect(cmp(a, b)).toBe(expected);
        expect([eq(a, b), lt(a, b), lte(a, b), gt(a, b), gte(a, b)]).toEqual([
          expected === 0,
          expected < 0,
          expected <= 0,
          expected > 0,
          expected >= 0,
        ]);
      }),
      { numRuns: 2000 },
    );
  });

  it('cmp orders equal values written with different scales as equal', () => {
    fc.assert(
      fc.property(decimalText, fc.integer({ min: 1, max: 12 }), (x, extra) => {
        const a = parseFixed(x);
        const padded = mul(a, parseFixed(`1.${'0'.repeat(extra)}`));
        expect(cmp(a, padded)).toBe(0);
        expect(cmp(padded, a)).toBe(0);
      }),
    );
  });

  it('neg, abs and sign match decimal.js', () => {
    fc.assert(
      fc.property(decimalText, (x) => {
        const a = parseFixed(x);
        for (const f of [neg(a), abs(a)]) assertWellFormed(f);
        expect(toDecimalString(neg(a))).toBe(decimalString(ref(x).neg()));
        expect(toDecimalString(abs(a))).toBe(decimalString(ref(x).abs()));
        expect(sign(a)).toBe(ref(x).isZero() ? 0 : ref(x).isNeg() ? -1 : 1);
      }),
    );
  });

  it('floorDiv is the floored integer quotient decimal.js computes', () => {
    fc.assert(
      fc.property(decimalText, nonZeroText, (x, y) => {
        const q = floorDiv(parseFixed(x), parseFixed(y));
        assertWellFormed(q);
        expect(q.s).toBe(0);
        expect(toDecimalString(q)).toBe(decimalString(ref(x).div(ref(y)).floor()));
      }),
      { numRuns: 2000 },
    );
  });

  it('isMultipleOf agrees with a zero decimal.js remainder', () => {
    // Random pairs are rarely multiples, so also build exact multiples k × lot (which may exceed 18 digits).
    const pair = decimalText.map((x) => parseFixed(x));
    const multiple = fc.tuple(nonZeroText, fc.integer({ min: -100_000, max: 100_000 })).map(([lot, k]) => mul(parseFixed(lot), fixedFromInt(k)));
    fc.assert(
      fc.property(fc.oneof(pair, multiple), nonZeroText, fc.boolean(), (a, lot, useLot) => {
        const dividend = useLot ? mul(a, parseFixed(lot)) : a;
        expect(isMultipleOf(dividend, parseFixed(lot))).toBe(ref(toDecimalString(dividend)).mod(ref(lot)).isZero());
      }),
      { numRuns: 2000 },
    );
  });

  it('stays exact through chains whose intermediates leave the safe range (BigInt fallback)', () => {
    fc.assert(
      fc.property(decimalText, decimalText, decimalText, decimalText, (w, x, y, z) => {
        const [a, b, c, d] = [w, x, y, z].map(parseFixed) as [Fixed, Fixed, Fixed, Fixed];
        const [ra, rb, rc, rd] = [w, x, y, z].map(ref) as [InstanceType<typeof D>, ...InstanceType<typeof D>[]];
        const result = sub(mul(add(mul(a, b), c), d), a);
        assertWellFormed(result);
        expect(toDecimalString(result)).toBe(decimalString(ra.times(rb!).plus(rc!).times(rd!).minus(ra)));
        // The risk check's cross-multiplication: |a − b| × 10000 against c × d.
        const lhs = mul(abs(sub(a, b)), fixedFromInt(10_000));
        expect(cmp(lhs, mul(c, d))).toBe(ra.minus(rb!).abs().times(10_000).cmp(rc!.times(rd!)));
        if (!isZero(d)) {
          expect(toDecimalString(floorDiv(mul(a, b), d))).toBe(decimalString(ra.times(rb!).div(rd!).floor()));
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('boundaries and examples', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    const sum = add(parseFixed('0.1'), parseFixed('0.2'));
    expect(eq(sum, parseFixed('0.3'))).toBe(true);
    expect(toDecimalString(sum)).toBe('0.3');
  });

  it('falls back to BigInt when a sum crosses 2^53 − 1 and returns to number when it fits again', () => {
    const edge = fixedFromInt(MAX);
    const over = add(edge, fixedFromInt(1));
    expect(over.m).toBe(2n ** 53n);
    expect(toDecimalString(over)).toBe('9007199254740992');
    const back = sub(over, fixedFromInt(1));
    expect(back).toEqual({ m: MAX, s: 0 });
    expect(toDecimalString(sub(fixedFromInt(-MAX), fixedFromInt(1)))).toBe('-9007199254740992');
  });

  it('falls back to BigInt when a product or a scale alignment overflows', () => {
    const product = mul(fixedFromInt(2 ** 26), fixedFromInt(2 ** 27));
    expect(product.m).toBe(2n ** 53n);
    const aligned = add(parseFixed('9007199254740.991'), parseFixed('0.000000000001'));
    expect(typeof aligned.m).toBe('bigint');
    expect(toDecimalString(aligned)).toBe('9007199254740.991000000001');
    expect(toDecimalString(mul(parseFixed('999999999999999999.999999999999'), parseFixed('-999999999999999999.999999999999')))).toBe(
      decimalString(ref('999999999999999999.999999999999').times('-999999999999999999.999999999999')),
    );
  });

  it('compares across an overflowing alignment without losing order', () => {
    const huge = parseFixed('9007199254740991');
    const tiny = parseFixed('0.000000000001');
    expect(cmp(huge, tiny)).toBe(1);
    expect(cmp(tiny, huge)).toBe(-1);
    expect(cmp(neg(huge), tiny)).toBe(-1);
    expect(cmp(parseFixed('0'), parseFixed('-0.000000000001'))).toBe(1);
    expect(cmp(parseFixed('9007199254740992'), parseFixed('9007199254740991.999999999999'))).toBe(1);
  });

  it('reduces the scale of products past 12 fractional digits without changing the value', () => {
    const p = mul(parseFixed('0.500000000000'), parseFixed('0.200000000000'));
    expect(p.s).toBeLessThanOrEqual(12);
    expect(toDecimalString(p)).toBe('0.1');
  });

  it('floors integer quotients toward −∞ and refuses a zero divisor', () => {
    expect(toDecimalString(floorDiv(fixedFromInt(-7), fixedFromInt(2)))).toBe('-4');
    expect(toDecimalString(floorDiv(fixedFromInt(7), fixedFromInt(-2)))).toBe('-4');
    expect(toDecimalString(floorDiv(fixedFromInt(-6), fixedFromInt(2)))).toBe('-3');
    expect(toDecimalString(floorDiv(parseFixed('1'), parseFixed('0.3')))).toBe('3');
    expect(toDecimalString(floorDiv(parseFixed('1000.05'), parseFixed('0.01')))).toBe('100005');
    expect(() => floorDiv(fixedFromInt(1), parseFixed('0.00'))).toThrow(RangeError);
  });

  it('checks lot-size multiples exactly and refuses a zero lot', () => {
    expect(isMultipleOf(parseFixed('0.03'), parseFixed('0.01'))).toBe(true);
    expect(isMultipleOf(parseFixed('0.035'), parseFixed('0.01'))).toBe(false);
    expect(isMultipleOf(parseFixed('-300'), parseFixed('100'))).toBe(true);
    expect(isMultipleOf(parseFixed('0'), parseFixed('0.5'))).toBe(true);
    expect(() => isMultipleOf(fixedFromInt(1), parseFixed('0'))).toThrow(RangeError);
  });

  it('max and min return one of their arguments', () => {
    const a = parseFixed('190.05');
    const b = parseFixed('190.050');
    expect(max(a, b)).toBe(a);
    expect(min(a, b)).toBe(a);
    expect(max(a, parseFixed('190.06'))).not.toBe(a);
  });
});
