import { describe, expect, it } from 'vitest';
import { diffCash, planCash } from '../../../shared/reconciliation/cash-diff';

describe('cash diff', () => {
  it('finds no break when the figures agree exactly (trailing zeros aside)', () => {
    expect(diffCash('1000.50', '1000.5')).toBeUndefined();
  });

  it('tolerates a difference equal to the tolerance, either way, and breaks just past it', () => {
    expect(diffCash('1000.01', '1000')).toBeUndefined();
    expect(diffCash('1000', '1000.01')).toBeUndefined();
    expect(diffCash('1000.010000000001', '1000')).toMatchObject({ kind: 'CASH_MISMATCH', brokerCash: '1000.010000000001', localCash: '1000' });
    expect(diffCash('1000', '1000.010000000001')).toMatchObject({ kind: 'CASH_MISMATCH' });
  });

  it('uses exact decimals, so 0.1 + 0.2 style amounts compare exactly', () => {
    expect(diffCash('0.3', '0.30', '0')).toBeUndefined();
    expect(diffCash('0.300000000001', '0.3', '0')).toMatchObject({ kind: 'CASH_MISMATCH' });
  });

  it('takes the tolerance it is given', () => {
    expect(diffCash('105', '100', '5')).toBeUndefined();
    expect(diffCash('105.000000000001', '100', '5')).toBeDefined();
  });

  it('names both figures and the signed difference in the message', () => {
    expect(diffCash('90', '100')?.message).toBe('broker holds 90 cash, the table 100 (difference -10)');
  });
});

describe('cash plan', () => {
  const base = { brokerCash: '100', localCash: '100', firstSync: false, quiescent: true };

  it('adopts the broker figure on the first quiescent sync without a break, even when the figures agree', () => {
    expect(planCash({ ...base, localCash: '5', firstSync: true })).toEqual({ mismatch: undefined, sync: true });
    expect(planCash({ ...base, firstSync: true })).toEqual({ mismatch: undefined, sync: true });
  });

  it('waits with the first sync while a fill may be unbooked, so that fill is never counted twice', () => {
    expect(planCash({ ...base, localCash: '5', firstSync: true, quiescent: false })).toEqual({ mismatch: undefined, sync: false });
  });

  it('reports and syncs a difference beyond the tolerance on a quiescent account', () => {
    const plan = planCash({ ...base, localCash: '90' });
    expect(plan.sync).toBe(true);
    expect(plan.mismatch).toMatchObject({ kind: 'CASH_MISMATCH', brokerCash: '100', localCash: '90' });
  });

  it('syncs a difference within the tolerance on a quiescent account without a break', () => {
    expect(planCash({ ...base, localCash: '100.01' })).toEqual({ mismatch: undefined, sync: true });
  });

  it('only compares while orders can fill', () => {
    const plan = planCash({ ...base, localCash: '90', quiescent: false });
    expect(plan.sync).toBe(false);
    expect(plan.mismatch).toMatchObject({ kind: 'CASH_MISMATCH' });
  });

  it('writes nothing when a synced, quiescent account agrees', () => {
    expect(planCash(base)).toEqual({ mismatch: undefined, sync: false });
  });
});
