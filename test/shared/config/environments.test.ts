// Specification of the environment configuration's agreement rules for the feed's age: the risk function
// denies on a stale mark first, the dead-man switch halts later, and the breaker's recovery never accepts
// marks the dead-man switch would call stale. Also the cost centre every resource is tagged with.
import { describe, expect, it } from 'vitest';
import { EnvironmentConfigSchema, loadEnvironmentConfig } from '../../../shared/config/environments';
import { resolveDeadManSwitchConfig } from '../../../shared/dead-man-switch/dead-man-switch-config';

const base = () => loadEnvironmentConfig('dev');

describe('the dead-man switch configuration', () => {
  it('defaults to a 15 s heartbeat, 60 s marks (the breaker recovery limit) and a re-cancel every 60 s', () => {
    expect(resolveDeadManSwitchConfig(undefined)).toEqual({ maxHeartbeatAgeSeconds: 15, maxMarkAgeSeconds: 60, recancelSeconds: 60 });
  });

  it.each(['local', 'dev', 'staging', 'prod'])('is consistent in the %s environment', (name) => {
    expect(() => loadEnvironmentConfig(name)).not.toThrow();
  });

  it('refuses a mark limit below the breaker recovery limit, naming the field', () => {
    const result = EnvironmentConfigSchema.safeParse({ ...base(), deadManSwitch: { maxMarkAgeSeconds: 30 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['deadManSwitch', 'maxMarkAgeSeconds'], message: 'must be at least breaker.feedMaxAgeSeconds (60)' });
    expect(EnvironmentConfigSchema.safeParse({ ...base(), deadManSwitch: { maxMarkAgeSeconds: 30 }, breaker: { feedMaxAgeSeconds: 30 } }).success).toBe(true);
  });

  it('refuses a mark limit below the risk function mark age', () => {
    const config = base();
    const limits = { ...config.riskLimits, priceCollar: { ...config.riskLimits.priceCollar, markMaxAgeMs: 120_000 } };
    const result = EnvironmentConfigSchema.safeParse({ ...config, riskLimits: limits });
    expect(result.error?.issues[0]?.message).toBe('must be at least riskLimits.priceCollar.markMaxAgeMs (120000 ms)');
  });
});

describe('accounts and broker keys', () => {
  it('refuses two accounts on one Alpaca key, naming the field and why', () => {
    const result = EnvironmentConfigSchema.safeParse({ ...base(), accounts: ['paper-1', 'paper-2'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['accounts'], message: expect.stringContaining('exactly one account') });
  });

  it('takes one account on an Alpaca key, and leaves the local simulated broker, which holds no key, to its runtime', () => {
    expect(EnvironmentConfigSchema.safeParse({ ...base(), accounts: ['paper-1'] }).success).toBe(true);
    expect(EnvironmentConfigSchema.safeParse({ ...loadEnvironmentConfig('local'), accounts: ['paper-1', 'paper-2'] }).success).toBe(true);
  });
});

describe('the cost centre', () => {
  it.each(['local', 'dev', 'staging', 'prod'])('is named in the %s environment', (name) => {
    expect(loadEnvironmentConfig(name).costCentre).toMatch(/\S/);
  });

  it('is required, naming the field', () => {
    const { costCentre: _omitted, ...withoutCostCentre } = base();
    const result = EnvironmentConfigSchema.safeParse(withoutCostCentre);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['costCentre']);
  });

  it('refuses what cannot be a tag value, and takes what can', () => {
    for (const bad of ['', 'trading;tech', 'a'.repeat(257)]) expect(EnvironmentConfigSchema.safeParse({ ...base(), costCentre: bad }).success, bad).toBe(false);
    for (const good of ['trading-tech', 'CC 4021/equities', 'ops@desk:7']) expect(EnvironmentConfigSchema.safeParse({ ...base(), costCentre: good }).success, good).toBe(true);
  });
});
