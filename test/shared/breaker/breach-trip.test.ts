// Specification of which breaker execution a breach or an alarm starts: the state machine input, and the
// breach id that names the execution (so it decides how often one breach trips the breaker).
import { describe, expect, it } from 'vitest';
import {
  alarmBreachId,
  AlarmStateChangeEventSchema,
  isPersistentBreak,
  MIN_CONSECUTIVE_RUNS,
  reconciliationBreachId,
  tripFromReconciliationBreak,
  tripFromRiskBreach,
  tripsFromAlarm,
  type AlarmStateChangeEvent,
  type ReconciliationBreakDetail,
} from '../../../shared/breaker/breach-trip';
import { BreakerExecutionStateSchema } from '../../../shared/breaker/breaker-tasks';
import { ReconciliationBreakFoundDetailSchema } from '../../../shared/events/reconciliation-events';
import { RiskBreachDetailSchema, type RiskBreachDetail } from '../../../shared/events/risk-events';
import { meta, riskBreach as riskBreachEvent } from '../../support/breaker-events';

const riskBreach = (): RiskBreachDetail => RiskBreachDetailSchema.parse(riskBreachEvent().detail);

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

describe('persistent reconciliation breaks', () => {
  const withRuns = (consecutiveRuns?: number): ReconciliationBreakDetail => {
    const detail = reconciliationBreak('2026-11-23T14:59:00.000Z');
    return { ...detail, data: { ...detail.data, break: { ...detail.data.break, ...(consecutiveRuns === undefined ? {} : { consecutiveRuns }) } } };
  };

  it('calls a break persistent from two consecutive runs on, and one run (or no count) not', () => {
    expect(MIN_CONSECUTIVE_RUNS).toBe(2);
    expect([undefined, 1, 2, 3].map((n) => isPersistentBreak(withRuns(n)))).toEqual([false, false, true, true]);
  });
});

describe('trips from alarms', () => {
  const alarm = (alarmName: string, time = '2026-11-23T14:59:00Z'): AlarmStateChangeEvent =>
    AlarmStateChangeEventSchema.parse({
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      time,
      detail: { alarmName, state: { value: 'ALARM', reason: 'Threshold Crossed' } },
    });

  it('starts one ALARM trip per account, named ALARM.<account>.<alarm name>.<UTC hour>', () => {
    const trips = tripsFromAlarm(alarm('order-dlq'), ['acct-1', 'acct-2']);
    expect(trips).toEqual([
      { breachId: 'ALARM.acct-1.order-dlq.20261123T14', account: 'acct-1', kind: 'ALARM', reason: 'alarm order-dlq is ALARM: Threshold Crossed', detectedAt: '2026-11-23T14:59:00.000Z' },
      { breachId: 'ALARM.acct-2.order-dlq.20261123T14', account: 'acct-2', kind: 'ALARM', reason: 'alarm order-dlq is ALARM: Threshold Crossed', detectedAt: '2026-11-23T14:59:00.000Z' },
    ]);
    for (const trip of trips) expect(BreakerExecutionStateSchema.safeParse(trip).success).toBe(true);
  });

  it('gives an alarm that flaps within one UTC hour one id, and a new one the next hour', () => {
    expect(alarmBreachId('acct-1', 'order-dlq', '2026-11-23T14:00:00Z')).toBe(alarmBreachId('acct-1', 'order-dlq', '2026-11-23T14:59:59Z'));
    expect(alarmBreachId('acct-1', 'order-dlq', '2026-11-23T15:00:00Z')).toBe('ALARM.acct-1.order-dlq.20261123T15');
  });

  it('replaces characters an execution name may not hold', () => {
    expect(alarmBreachId('acct-1', 'TradingSafety prod/Order DLQ', '2026-11-23T14:59:00Z')).toBe('ALARM.acct-1.TradingSafety_prod_Order_DLQ.20261123T14');
  });

  it('keeps ids within 80 characters and distinct for long accounts and long alarm names alike', () => {
    const longAccount = (c: string) => `${'a'.repeat(63)}${c}`;
    const longAlarm = (c: string) => `TradingSafety-prod-FailedInvocationsAlarm${'X'.repeat(40)}${c}`;
    const ids = [
      alarmBreachId(longAccount('x'), 'order-dlq', '2026-11-23T14:59:00Z'),
      alarmBreachId(longAccount('y'), 'order-dlq', '2026-11-23T14:59:00Z'),
      alarmBreachId('acct-1', longAlarm('1'), '2026-11-23T14:59:00Z'),
      alarmBreachId('acct-1', longAlarm('2'), '2026-11-23T14:59:00Z'),
    ];
    for (const id of ids) expect(id).toMatch(/^ALARM\.[A-Za-z0-9_.:-]+-[0-9a-f]{8}\.20261123T14$/);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(80);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('trips from FEED_STALE breaches', () => {
  it("uses the producer's own reason when the breach carries one", () => {
    const breach = riskBreach();
    const detail = { ...breach, data: { ...breach.data, kind: 'FEED_STALE' as const, observed: '-1', threshold: '15', reason: 'feed stale: no feed heartbeat was ever written' } };
    expect(tripFromRiskBreach(detail).reason).toBe('feed stale: no feed heartbeat was ever written');
  });
});
