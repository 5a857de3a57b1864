// The decimal string schemas: what they accept, and that anything else is an issue naming the rule, never a throw.
import { describe, expect, it } from 'vitest';
import { DecimalStringSchema, PositiveDecimalStringSchema } from '../../../shared/money/decimal';

describe('PositiveDecimalStringSchema', () => {
  it('accepts a decimal string just above zero and refuses zero and below', () => {
    expect(PositiveDecimalStringSchema.safeParse('0.000000000001').success).toBe(true);
    expect(PositiveDecimalStringSchema.safeParse('0').error?.issues.map((i) => i.message)).toEqual(['must be greater than zero']);
    expect(PositiveDecimalStringSchema.safeParse('-1').error?.issues.map((i) => i.message)).toEqual(['must be greater than zero']);
  });

  it.each(['<script>', 'ten', '2026-02-30T10:00:00.000Z', '١٢', '1,000', ''])('refuses %j with the pattern rule alone instead of throwing', (text) => {
    const result = PositiveDecimalStringSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([DecimalStringSchema.safeParse(text).error?.issues[0]?.message]);
  });
});
