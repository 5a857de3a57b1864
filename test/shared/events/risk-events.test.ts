import { describe, expect, it } from 'vitest';
import { boundedBreachId, breachIdFor } from '../../../shared/events/risk-events';
import { compactUtcSecond } from '../../../shared/time/utc';

const EXECUTION_NAME = /^[A-Za-z0-9_.:-]{1,80}$/;

describe('breach ids', () => {
  it('names the kind, the account and the suffix when they fit in an execution name', () => {
    expect(boundedBreachId('INTENT_RATE', 'paper-1', compactUtcSecond(Date.parse('2026-11-23T14:30:05.123Z')))).toBe('INTENT_RATE.paper-1.20261123T143005Z');
    expect(breachIdFor('DAILY_LOSS', 'acct-1', Date.parse('2026-11-23T14:30:00.000Z'))).toBe('DAILY_LOSS.acct-1.20261123T1430Z');
  });

  it('stays a valid execution name of at most 80 characters for the longest account, and keeps long accounts apart', () => {
    const a = `${'a'.repeat(63)}1`;
    const b = `${'a'.repeat(63)}2`;
    const idA = boundedBreachId('INTENT_RATE', a, '20261123T143005Z');
    const idB = boundedBreachId('INTENT_RATE', b, '20261123T143005Z');
    expect(idA).toMatch(EXECUTION_NAME);
    expect(idA.length).toBeLessThanOrEqual(80);
    expect(idA.endsWith('.20261123T143005Z')).toBe(true);
    expect(idA).not.toBe(idB);
    expect(breachIdFor('DRAWDOWN', a, 0)).toMatch(EXECUTION_NAME);
  });
});
