// Specification of which breaker execution a breach starts: the state machine input, and the breach id
// that names the execution (so it decides how often one breach trips the breaker).
import { describe, expect, it } from 'vitest';
import { reconciliationBreachId, tripFromReconciliationBreak, tripFromRiskBreach, type ReconciliationBreakDetail } from '../../../shared/breaker/breach-trip';
import { BreakerExecutionStateSchema } from '../../../shared/breaker/breaker-tasks';
import { buildMeta } from '../../../shared/events/envelope';
import { ReconciliationBreakFoundDetailSchema } from '../../../shared/events/reconciliation-events';
import { RiskBreachDetailSchema, type RiskBreachDetail } from '../../../shared/events/risk-events';

const meta = (producer: 'risk' | 'reconciliation', occurredAt: string, account = 'acct-1') =>
  buildMeta({ detailType: 'x', occurredAt, correlationId: 'c-1', causationId: 'c-1', account, strategy: 'momentum', producer });

const riskBreach = (): RiskBreachDetail =>
  RiskBreachDetailSchema.parse({
    meta: meta('risk', '2026-11-23T14:59:00.000Z'),
    data: {
      breachId: 'DRAWDOWN.acct-1.20261123T1430Z',
      kind: 'DRAWDOWN',
      account: 'acct-1',
      observed: '520',
      threshold: '500',
      sessionStart: '2026-11-23T14:30:00.000Z',
      detectedAt: '2026-11-23T14:59:00.000Z',
    },
  });

const reconciliationBreak = (occurredAt: string, kind: 'QUANTITY_MISMATCH' | 'CASH_MISMATCH' = 'QUANTITY_MISMATCH', account = 'acct-1'): ReconciliationBreakDetail =>
  ReconciliationBreakFoundDetailSchema.parse({
    meta: meta('reconciliation', occurredAt, account),
    data: { runId: 'run-7', break: { kind, symbol: 'AAPL', brokerQuantity: '10', localQuantity: '5', message: 'broker 10, local 5' } },
  });

describe('trips from breach events', () => {
  it('starts a risk breach under the breach id the risk function gave it, with its kind, account and time', () => {
    expect(tripFromRiskBreach(riskBreach())).toEqual({
      breachId: 'DRAWDOWN.acct-1.20261123T1430Z',
      account: 'acct-1',
      kind: 'DRAWDOWN',
      reason: 'DRAWDOWN 520 >= 500',
      detectedAt: '2026-11-23T14:59:00.000Z',
    });
  });

  it('starts a reconciliation break as RECONCILIATION_BREAK named RECONCILIATION.<account>.<break kind>.<UTC hour>', () => {
    const trip = tripFromReconciliationBreak(reconciliationBreak('2026-11-23T14:59:00.000Z'));
    expect(trip).toEqual({
      breachId: 'RECONCILIATION.acct-1.QUANTITY_MISMATCH.20261123T14',
      account: 'acct-1',
      kind: 'RECONCILIATION_BREAK',
      reason: 'QUANTITY_MISMATCH AAPL in run run-7: broker 10, local 5',
      detectedAt: '2026-11-23T14:59:00.000Z',
    });
    expect(BreakerExecutionStateSchema.safeParse(trip).success).toBe(true);
  });

  it('gives a break that persists run after run within one UTC hour one id, so it trips once that hour', () => {
    const ids = ['2026-11-23T14:00:00.000Z', '2026-11-23T14:01:00.000Z', '2026-11-23T14:59:59.999Z'].map((at) => tripFromReconciliationBreak(reconciliationBreak(at)).breachId);
    expect(new Set(ids).size).toBe(1);
  });

  it('trips again when the break persists into the next UTC hour, and separately for another break kind', () => {
    const first = tripFromReconciliationBreak(reconciliationBreak('2026-11-23T14:59:00.000Z')).breachId;
    expect(tripFromReconciliationBreak(reconciliationBreak('2026-11-23T15:00:00.000Z')).breachId).not.toBe(first);
    expect(tripFromReconciliationBreak(reconciliationBreak('2026-11-23T14:59:00.000Z', 'CASH_MISMATCH')).breachId).not.toBe(first);
  });

  it('buckets by the UTC hour whatever offset the timestamp was written with', () => {
    expect(reconciliationBreachId('acct-1', 'CASH_MISMATCH', '2026-11-23T09:30:00-05:00')).toBe('RECONCILIATION.acct-1.CASH_MISMATCH.20261123T14');
  });

  it('keeps ids of the longest accounts within 80 valid execution-name characters and distinct per account', () => {
    const long = (c: string) => `${'a'.repeat(63)}${c}`;
    const a = tripFromReconciliationBreak(reconciliationBreak('2026-11-23T14:59:00.000Z', 'QUANTITY_MISMATCH', long('x'))).breachId;
    const b = tripFromReconciliationBreak(reconciliationBreak('2026-11-23T14:59:00.000Z', 'QUANTITY_MISMATCH', long('y'))).breachId;
    for (const id of [a, b]) expect(id).toMatch(/^RECONCILIATION\.a+-[0-9a-f]{8}\.QUANTITY_MISMATCH\.20261123T14$/);
    for (const id of [a, b]) expect(id.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
  });

  it('replaces characters an execution name may not hold', () => {
    expect(reconciliationBreachId('acct 1/x', 'KIND#1', '2026-11-23T14:59:00.000Z')).toBe('RECONCILIATION.acct_1_x.KIND_1.20261123T14');
  });
});
