// Specification of the environment's expected load: every environment names the peak intents a second one
// account is sized for (twice it is what `--scenario stress` drives), and a peak that is no positive whole
// number is refused, naming the field and the rule.
import { describe, expect, it } from 'vitest';
import { EnvironmentConfigSchema, loadEnvironmentConfig } from '../../../shared/config/environments';

describe('the expected peak load', () => {
  it('is what one 2-core machine decides locally, and 250 a second in the deployed environments (twice it: the 500 docs/scaling.md sizes for)', () => {
    expect(loadEnvironmentConfig('local').load).toEqual({ peakIntentsPerSecond: 100 });
    for (const name of ['dev', 'staging', 'prod']) expect(loadEnvironmentConfig(name).load).toEqual({ peakIntentsPerSecond: 250 });
  });

  it('is required, naming the field', () => {
    const { load: _omitted, ...withoutLoad } = loadEnvironmentConfig('dev');
    const result = EnvironmentConfigSchema.safeParse(withoutLoad);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['load']);
  });

  it.each([
    [0, 'must be a positive number of intents a second (the expected peak per account)'],
    [-5, 'must be a positive number of intents a second (the expected peak per account)'],
    [12.5, 'must be a whole number of intents a second'],
    [100_001, 'must be at most 100000 intents a second'],
  ])('refuses a peak of %s, naming the rule', (peak, message) => {
    const result = EnvironmentConfigSchema.safeParse({ ...loadEnvironmentConfig('dev'), load: { peakIntentsPerSecond: peak } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['load', 'peakIntentsPerSecond'], message });
  });

  it('takes nothing but the peak in its section', () => {
    expect(EnvironmentConfigSchema.safeParse({ ...loadEnvironmentConfig('dev'), load: { peakIntentsPerSecond: 250, burst: 3 } }).success).toBe(false);
  });
});
