// Specification of the breaker's breach intake: a RiskBreach or a persistent reconciliation break starts one
// execution named after the breach id, a safety alarm in ALARM one per account; a new start halts the account
// at once (never a duplicate); what by rule starts nothing is ignored and counted.
import { describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { AlarmStateChangeEventSchema } from '../../../shared/breaker/breach-trip';
import { startFromAlarm, startFromReconciliationBreak, startFromRiskBreach, type AlarmStartResult, type BreakerIntakeDeps } from '../../../shared/breaker/intake';
import { DETAIL_SCHEMAS } from '../../../shared/events/catalog';
import { METRICS } from '../../../shared/telemetry/metrics';
import { alarmEvent, eventBridge, meta, reconciliationBreak, RecordingStarter, riskBreach, StateChangeRecorder } from '../../support/breaker-events';
import { ManualClock, silentLogger } from '../../support/fixtures';

/** `null`: no accounts configured at all. */
const setup = (accounts: readonly string[] | null = ['acct-1', 'acct-2']) => {
  const starter = new RecordingStarter();
  const telemetry = new InMemoryTelemetry();
  const states = new StateChangeRecorder();
  const deps: BreakerIntakeDeps = {
    starter,
    tradingStateStore: states,
    clock: new ManualClock(),
    telemetry,
    logger: silentLogger,
    ...(accounts ? { accounts } : {}),
  };
  return { deps, starter, telemetry, states };
};

const riskDetail = () => DETAIL_SCHEMAS['RiskBreach.v1'].parse(riskBreach().detail);
const breakDetail = (event: { detail: unknown }) => DETAIL_SCHEMAS['ReconciliationBreak.v1'].parse(event.detail);
const alarm = (value: string, over: Record<string, unknown> = {}) => AlarmStateChangeEventSchema.parse(alarmEvent(value, over));

describe('the breaker intake on breaches and breaks', () => {
  it('halts the account itself right after the start, without waiting for the first task of the execution', async () => {
    const { deps, states } = setup();
    await startFromRiskBreach(deps, riskDetail());
    expect(states.changes).toEqual([
      expect.objectContaining({ account: 'acct-1', to: 'HALTED', from: ['ACTIVE', 'WARNING', 'REDUCING'], actor: 'breaker', correlationId: 'DRAWDOWN.acct-1.20261123T1430Z' }),
    ]);
  });

  it('leaves the trading state alone for a duplicate breach, so a late copy cannot halt an account a person brought back', async () => {
    const { deps, states } = setup();
    await startFromRiskBreach(deps, riskDetail());
    await startFromRiskBreach(deps, riskDetail());
    expect(states.changes).toHaveLength(1);
  });

  it('still answers started when its own halt fails, counting it: the execution halts', async () => {
    const { deps, states, telemetry } = setup();
    states.failing = true;
    await expect(startFromRiskBreach(deps, riskDetail())).resolves.toMatchObject({ outcome: 'started' });
    expect(telemetry.countOf(METRICS.breakerHaltOnStartFailed)).toBe(1);
  });

  it('answers duplicate when the same breach is delivered again', async () => {
    const f = setup();
    await startFromReconciliationBreak(f.deps, breakDetail(reconciliationBreak()));
    await expect(startFromReconciliationBreak(f.deps, breakDetail(reconciliationBreak()))).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it('ignores (and counts) a break only one run reported, or one without a count, starting nothing', async () => {
    const f = setup();
    await expect(startFromReconciliationBreak(f.deps, breakDetail(reconciliationBreak(1)))).resolves.toMatchObject({ outcome: 'ignored', reason: 'BREAK_NOT_PERSISTENT' });
    await expect(startFromReconciliationBreak(f.deps, breakDetail(reconciliationBreak(null)))).resolves.toMatchObject({ outcome: 'ignored', reason: 'BREAK_NOT_PERSISTENT' });
    expect(f.telemetry.countOf(METRICS.breakerEventIgnored, { reason: 'BREAK_NOT_PERSISTENT' })).toBe(2);
    expect(f.starter.trips).toEqual([]);
  });

  it('starts a BROKER_UNREACHABLE break that persisted across two consecutive runs', async () => {
    const f = setup();
    const event = eventBridge('ReconciliationBreak.v1', 'trading.reconciliation', {
      meta: meta('reconciliation'),
      data: { runId: 'run-8', break: { kind: 'BROKER_UNREACHABLE', message: 'broker unavailable: positions: 503', consecutiveRuns: 2 } },
    });
    await expect(startFromReconciliationBreak(f.deps, breakDetail(event))).resolves.toEqual({ breachId: 'RECONCILIATION.acct-1.BROKER_UNREACHABLE.20261123T14', outcome: 'started' });
  });
});

describe('the breaker intake on alarm state changes', () => {
  it('starts one execution per configured account for a safety alarm in ALARM, named after the account, alarm and UTC hour', async () => {
    const f = setup();
    const result = await startFromAlarm(f.deps, alarm('ALARM', { alarmName: 'TradingSafety-prod-OrderDeadLetterAlarm' }));
    expect(result).toEqual({
      alarmName: 'TradingSafety-prod-OrderDeadLetterAlarm',
      outcome: 'started',
      starts: [
        { account: 'acct-1', breachId: 'ALARM.acct-1.TradingSafety-prod-OrderDeadLetterAlarm.20261123T14', outcome: 'started' },
        { account: 'acct-2', breachId: 'ALARM.acct-2.TradingSafety-prod-OrderDeadLetterAlarm.20261123T14', outcome: 'started' },
      ],
    });
    expect(f.starter.trips.map((t) => [t.account, t.kind, t.detectedAt])).toEqual([
      ['acct-1', 'ALARM', '2026-11-23T14:59:00.000Z'],
      ['acct-2', 'ALARM', '2026-11-23T14:59:00.000Z'],
    ]);
    expect(f.starter.trips[0]?.reason).toBe('alarm TradingSafety-prod-OrderDeadLetterAlarm is ALARM: Threshold Crossed: 1 datapoint [1.0] >= 1.0');
  });

  it('keeps the ids of a generated alarm name within 80 characters, distinct per account', async () => {
    const f = setup();
    const result = (await startFromAlarm(f.deps, alarm('ALARM'))) as AlarmStartResult;
    const ids = result.starts.map((s) => s.breachId);
    for (const id of ids) expect(id).toMatch(/^ALARM\.acct-[12]\.TradingSafety-prod-OrderDeadLetterAlarm[0-9A-Z]*-[0-9a-f]{8}\.20261123T14$/);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(80);
    expect(new Set(ids).size).toBe(2);
  });

  it('answers duplicate when the same alarm goes off again within the hour', async () => {
    const f = setup();
    await startFromAlarm(f.deps, alarm('ALARM'));
    await expect(startFromAlarm(f.deps, alarm('ALARM'))).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it('starts a new execution and halts when the alarm goes off again after trading resumed within the same hour', async () => {
    const f = setup(['acct-1']);
    await startFromAlarm(f.deps, alarm('ALARM'));
    // The breaker's recovery brought the account back at 14:59:30; the alarm fires again at 14:59:45.
    f.states.record = { state: 'ACTIVE', updatedBy: 'arn:aws:iam::1:user/carol', updatedAt: '2026-11-23T14:59:30.000Z' };
    const again = AlarmStateChangeEventSchema.parse({ ...alarmEvent('ALARM'), time: '2026-11-23T14:59:45Z' });
    const result = (await startFromAlarm(f.deps, again)) as AlarmStartResult;
    expect(result).toMatchObject({ outcome: 'started' });
    expect(result.starts[0]?.breachId).toMatch(/\.R20261123T145930Z$/);
    expect(result.starts[0]?.breachId.length).toBeLessThanOrEqual(80);
    expect(f.states.changes.filter((c) => c.to === 'HALTED')).toHaveLength(2);
    // A second copy of the new incident dedupes like any other.
    await expect(startFromAlarm(f.deps, again)).resolves.toMatchObject({ outcome: 'duplicate' });
    expect(f.states.changes.filter((c) => c.to === 'HALTED')).toHaveLength(2);
  });

  it('keeps a late copy of the old alarm a duplicate: it was detected before trading resumed', async () => {
    const f = setup(['acct-1']);
    await startFromAlarm(f.deps, alarm('ALARM'));
    f.states.record = { state: 'ACTIVE', updatedBy: 'arn:aws:iam::1:user/carol', updatedAt: '2026-11-23T14:59:30.000Z' };
    await expect(startFromAlarm(f.deps, alarm('ALARM'))).resolves.toMatchObject({ outcome: 'duplicate' });
    expect(f.states.changes).toHaveLength(1);
  });

  it('keeps a copy of an INTENT_FLOOD breach a duplicate even while the first start’s halt is still being written: its id names the episode', async () => {
    const f = setup(['acct-1']);
    const flood = DETAIL_SCHEMAS['RiskBreach.v1'].parse(riskBreach({ breachId: 'INTENT_FLOOD.acct-1.S20261123T140000Z', kind: 'INTENT_FLOOD', observed: '101', threshold: '100' }).detail);
    await startFromRiskBreach(f.deps, flood);
    // The copy is read before the first halt landed: the account still looks ACTIVE since before the breach.
    f.states.record = { state: 'ACTIVE', updatedBy: 'arn:aws:iam::1:user/carol', updatedAt: '2026-11-23T14:00:00.000Z' };
    await expect(startFromRiskBreach(f.deps, flood)).resolves.toMatchObject({ outcome: 'duplicate', breachId: 'INTENT_FLOOD.acct-1.S20261123T140000Z' });
    expect(new Set(f.starter.trips.map((t) => t.breachId))).toEqual(new Set(['INTENT_FLOOD.acct-1.S20261123T140000Z']));
    expect(f.states.changes).toHaveLength(1);
  });

  it('keeps a repeat a duplicate while the account is still stopped: the running execution owns the incident', async () => {
    const f = setup(['acct-1']);
    await startFromAlarm(f.deps, alarm('ALARM'));
    f.states.record = { state: 'HALTED', updatedBy: 'breaker', updatedAt: '2026-11-23T14:59:01.000Z' };
    const again = AlarmStateChangeEventSchema.parse({ ...alarmEvent('ALARM'), time: '2026-11-23T14:59:45Z' });
    await expect(startFromAlarm(f.deps, again)).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('ignores (and counts) an alarm that went to %s: recovery is the breaker’s own path', async (value) => {
    const f = setup();
    await expect(startFromAlarm(f.deps, alarm(value))).resolves.toMatchObject({ outcome: 'ignored', reason: 'ALARM_NOT_IN_ALARM_STATE' });
    expect(f.telemetry.countOf(METRICS.breakerEventIgnored, { reason: 'ALARM_NOT_IN_ALARM_STATE' })).toBe(1);
    expect(f.starter.trips).toEqual([]);
  });

  it('fails loudly when no accounts are configured, since it could halt none', async () => {
    const f = setup(null);
    await expect(startFromAlarm(f.deps, alarm('ALARM'))).rejects.toThrow(/no accounts configured/);
  });

  it('tries every account when one start fails, then fails the invocation so EventBridge retries it', async () => {
    const f = setup();
    const start = f.starter.start.bind(f.starter);
    f.starter.start = (trip) => (trip.account === 'acct-1' ? Promise.reject(new Error('StartExecution throttled')) : start(trip));
    await expect(startFromAlarm(f.deps, alarm('ALARM'))).rejects.toThrow(/could not be started for acct-1/);
    expect(f.starter.trips.map((t) => t.account)).toEqual(['acct-2']);
  });
});
