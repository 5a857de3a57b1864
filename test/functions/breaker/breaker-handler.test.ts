// Specification of the breaker function as the breach rules' target: a RiskBreach.v1 or a persistent
// ReconciliationBreak.v1 event starts one execution named after the breach id, a safety alarm in ALARM one
// per account; bad input is refused, naming the field, and counted; the state machine's task payloads keep
// reaching their tasks.
import { describe, expect, it } from 'vitest';
import { createBreakerHandler, type AlarmStartResult, type BreakerHandlerDeps } from '../../../functions/breaker/handler';
import { resolveBreakerConfig } from '../../../shared/breaker/breaker-config';
import type { BreakerStarter, BreakerTrip } from '../../../shared/ports/breaker-starter';
import { buildMeta } from '../../../shared/events/envelope';
import { InvalidInputError } from '../../../shared/errors/errors';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import type { StateChangeOutcome, TradingStateChange } from '../../../shared/trading-state/state-change';
import { METRICS } from '../../../shared/telemetry/metrics';
import { ManualClock, RecordingPager, silentLogger, testLimits } from '../../support/fixtures';

class RecordingStarter implements BreakerStarter {
  readonly trips: BreakerTrip[] = [];
  async start(trip: BreakerTrip): Promise<'started' | 'duplicate'> {
    const duplicate = this.trips.some((t) => t.breachId === trip.breachId);
    this.trips.push(trip);
    return duplicate ? 'duplicate' : 'started';
  }
}

/** The one store call the breach path makes: the halt right after a start (the tasks' store is tested on DynamoDB Local). */
class StateChangeRecorder {
  readonly changes: TradingStateChange[] = [];
  failing = false;
  async changeTradingState(change: TradingStateChange): Promise<StateChangeOutcome> {
    if (this.failing) throw new Error('table unavailable');
    this.changes.push(change);
    return { outcome: 'changed', previous: 'ACTIVE' };
  }
}

const unexpected = (): Promise<never> => Promise.reject(new Error('not expected'));

/** `null`: no accounts configured at all. */
const setup = (accounts: readonly string[] | null = ['acct-1', 'acct-2']) => {
  const starter = new RecordingStarter();
  const telemetry = new InMemoryTelemetry();
  const pager = new RecordingPager();
  const states = new StateChangeRecorder();
  const deps: BreakerHandlerDeps = {
    tradingStateStore: states,
    // The breach path writes nothing else: the tasks' stores are tested on DynamoDB Local.
    breakerStore: { recordBreakerTrip: unexpected, recordBreakerStage: unexpected, recordBreakerApproval: unexpected },
    riskStore: { loadRiskSnapshot: unexpected },
    reconciliationStore: { getReconciliation: unexpected },
    pager,
    clock: new ManualClock(),
    config: resolveBreakerConfig(undefined),
    riskLimits: testLimits(),
    cancelAll: unexpected,
    starter,
    telemetry,
    logger: silentLogger,
    ...(accounts ? { accounts } : {}),
  };
  return { handler: createBreakerHandler(() => deps), starter, telemetry, pager, states };
};

const eventBridge = (detailType: string, source: string, detail: unknown) => ({
  version: '0',
  id: 'e-1',
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: '2026-11-23T14:59:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

const meta = (producer: 'risk' | 'reconciliation') =>
  buildMeta({ detailType: 'x', occurredAt: '2026-11-23T14:59:00.000Z', correlationId: 'c-1', causationId: 'c-1', account: 'acct-1', strategy: 'momentum', producer });

const riskBreach = (over: Record<string, unknown> = {}) =>
  eventBridge('RiskBreach.v1', 'trading.risk', {
    meta: meta('risk'),
    data: {
      breachId: 'DRAWDOWN.acct-1.20261123T1430Z',
      kind: 'DRAWDOWN',
      account: 'acct-1',
      observed: '520',
      threshold: '500',
      sessionStart: '2026-11-23T14:30:00.000Z',
      detectedAt: '2026-11-23T14:59:00.000Z',
      ...over,
    },
  });

/** `null`: a break without a count (an older producer). */
const reconciliationBreak = (consecutiveRuns: number | null = 2) =>
  eventBridge('ReconciliationBreak.v1', 'trading.reconciliation', {
    meta: meta('reconciliation'),
    data: {
      runId: 'run-7',
      break: { kind: 'CASH_MISMATCH', brokerCash: '10', localCash: '5', message: 'cash differs', ...(consecutiveRuns === null ? {} : { consecutiveRuns }) },
    },
  });

/** A CloudWatch alarm state change as EventBridge delivers it from the default bus. */
const alarmEvent = (value: string, over: Record<string, unknown> = {}) => ({
  ...eventBridge('CloudWatch Alarm State Change', 'aws.cloudwatch', {
    alarmName: 'TradingSafety-prod-OrderDeadLetterAlarm1A2B3C4D-ABCDEF123456',
    state: { value, reason: 'Threshold Crossed: 1 datapoint [1.0] >= 1.0', timestamp: '2026-11-23T14:59:00.123+0000' },
    previousState: { value: 'OK' },
    configuration: { metrics: [] },
    ...over,
  }),
  resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:TradingSafety-prod-OrderDeadLetterAlarm1A2B3C4D-ABCDEF123456'],
});

describe('the breaker function on breach events', () => {
  it('starts the breaker for a RiskBreach under the breach id the risk function gave it', async () => {
    const f = setup();
    await expect(f.handler(riskBreach())).resolves.toEqual({ breachId: 'DRAWDOWN.acct-1.20261123T1430Z', outcome: 'started' });
    expect(f.starter.trips).toEqual([
      { breachId: 'DRAWDOWN.acct-1.20261123T1430Z', account: 'acct-1', kind: 'DRAWDOWN', reason: 'DRAWDOWN 520 >= 500', detectedAt: '2026-11-23T14:59:00.000Z' },
    ]);
  });

  it('starts the breaker for a ReconciliationBreak two consecutive runs reported, under the account, break kind and UTC hour', async () => {
    const f = setup();
    await expect(f.handler(reconciliationBreak())).resolves.toEqual({ breachId: 'RECONCILIATION.acct-1.CASH_MISMATCH.20261123T14', outcome: 'started' });
    expect(f.starter.trips[0]).toMatchObject({ kind: 'RECONCILIATION_BREAK', account: 'acct-1' });
  });

  it('halts the account itself right after the start, without waiting for the first task of the execution', async () => {
    const { handler, states } = setup();
    await handler(riskBreach());
    expect(states.changes).toEqual([
      expect.objectContaining({ account: 'acct-1', to: 'HALTED', from: ['ACTIVE', 'WARNING', 'REDUCING'], actor: 'breaker', correlationId: 'DRAWDOWN.acct-1.20261123T1430Z' }),
    ]);
  });

  it('leaves the trading state alone for a duplicate breach, so a late copy cannot halt an account a person brought back', async () => {
    const { handler, states } = setup();
    await handler(riskBreach());
    await handler(riskBreach());
    expect(states.changes).toHaveLength(1);
  });

  it('still answers started when its own halt fails, counting it: the execution halts', async () => {
    const { handler, states, telemetry } = setup();
    states.failing = true;
    await expect(handler(riskBreach())).resolves.toMatchObject({ outcome: 'started' });
    expect(telemetry.countOf(METRICS.breakerHaltOnStartFailed)).toBe(1);
  });

  it('answers duplicate when the same breach is delivered again', async () => {
    const f = setup();
    await f.handler(reconciliationBreak());
    await expect(f.handler(reconciliationBreak())).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it('refuses a breach detail its catalog schema rejects, naming the field, counting it and starting nothing', async () => {
    const f = setup();
    const error = await f.handler(riskBreach({ breachId: 'not a valid name!' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail.data.breachId');
    expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'breaker', field: 'detail.data.breachId' })).toBe(1);
    expect(f.starter.trips).toEqual([]);
  });

  it('ignores (and counts) a break only one run reported, or one without a count, starting nothing', async () => {
    const f = setup();
    await expect(f.handler(reconciliationBreak(1))).resolves.toMatchObject({ outcome: 'ignored', reason: 'BREAK_NOT_PERSISTENT' });
    await expect(f.handler(reconciliationBreak(null))).resolves.toMatchObject({ outcome: 'ignored', reason: 'BREAK_NOT_PERSISTENT' });
    expect(f.telemetry.countOf(METRICS.breakerEventIgnored, { reason: 'BREAK_NOT_PERSISTENT' })).toBe(2);
    expect(f.starter.trips).toEqual([]);
  });

  it('starts a BROKER_UNREACHABLE break that persisted across two consecutive runs', async () => {
    const f = setup();
    const event = eventBridge('ReconciliationBreak.v1', 'trading.reconciliation', {
      meta: meta('reconciliation'),
      data: { runId: 'run-8', break: { kind: 'BROKER_UNREACHABLE', message: 'broker unavailable: positions: 503', consecutiveRuns: 2 } },
    });
    await expect(f.handler(event)).resolves.toEqual({ breachId: 'RECONCILIATION.acct-1.BROKER_UNREACHABLE.20261123T14', outcome: 'started' });
  });

  it('refuses an event of any other detail type, naming detail-type', async () => {
    const f = setup();
    const error = await f.handler(eventBridge('OrderIntended.v1', 'trading.feed', {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail-type');
    expect(f.starter.trips).toEqual([]);
  });

  it('refuses a break count that is not a positive integer, naming the field', async () => {
    const f = setup();
    const error = await f.handler(reconciliationBreak(0)).catch((e: unknown) => e);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail.data.break.consecutiveRuns');
  });

  it('still runs the state machine task payloads', async () => {
    const f = setup();
    const input = { breachId: 'b-1', account: 'acct-1', kind: 'MANUAL', reason: 'test', detectedAt: '2026-11-23T14:59:00.000Z' };
    await expect(f.handler({ task: 'page', event: 'HALTED', input })).resolves.toEqual({ paged: 'HALTED' });
    expect(f.pager.pages).toHaveLength(1);
    expect(f.starter.trips).toEqual([]);
  });
});

describe('the breaker function on alarm state changes', () => {
  it('starts one execution per configured account for a safety alarm in ALARM, named after the account, alarm and UTC hour', async () => {
    const f = setup();
    const result = await f.handler(alarmEvent('ALARM', { alarmName: 'TradingSafety-prod-OrderDeadLetterAlarm' }));
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
    const result = (await f.handler(alarmEvent('ALARM'))) as AlarmStartResult;
    const ids = result.starts.map((s) => s.breachId);
    for (const id of ids) expect(id).toMatch(/^ALARM\.acct-[12]\.TradingSafety-prod-OrderDeadLetterAlarm[0-9A-Z]*-[0-9a-f]{8}\.20261123T14$/);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(80);
    expect(new Set(ids).size).toBe(2);
  });

  it('answers duplicate when the same alarm goes off again within the hour', async () => {
    const f = setup();
    await f.handler(alarmEvent('ALARM'));
    await expect(f.handler(alarmEvent('ALARM'))).resolves.toMatchObject({ outcome: 'duplicate' });
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('ignores (and counts) an alarm that went to %s: recovery is the breaker’s own path', async (value) => {
    const f = setup();
    await expect(f.handler(alarmEvent(value))).resolves.toMatchObject({ outcome: 'ignored', reason: 'ALARM_NOT_IN_ALARM_STATE' });
    expect(f.telemetry.countOf(METRICS.breakerEventIgnored, { reason: 'ALARM_NOT_IN_ALARM_STATE' })).toBe(1);
    expect(f.starter.trips).toEqual([]);
  });

  it('refuses an alarm event without an alarm name or with an unknown state, naming the field and counting it', async () => {
    const f = setup();
    const noName = await f.handler(alarmEvent('ALARM', { alarmName: '' })).catch((e: unknown) => e);
    expect((noName as InvalidInputError).issues[0]?.path).toBe('detail.alarmName');
    const badState = await f.handler(alarmEvent('FIRING')).catch((e: unknown) => e);
    expect(badState).toBeInstanceOf(InvalidInputError);
    expect((badState as InvalidInputError).issues[0]?.path).toBe('detail.state.value');
    expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'breaker', field: 'detail.state.value' })).toBe(1);
    expect(f.starter.trips).toEqual([]);
  });

  it('fails loudly when no accounts are configured, since it could halt none', async () => {
    const f = setup(null);
    await expect(f.handler(alarmEvent('ALARM'))).rejects.toThrow(/no accounts configured/);
  });

  it('tries every account when one start fails, then fails the invocation so EventBridge retries it', async () => {
    const f = setup();
    const start = f.starter.start.bind(f.starter);
    f.starter.start = (trip) => (trip.account === 'acct-1' ? Promise.reject(new Error('StartExecution throttled')) : start(trip));
    await expect(f.handler(alarmEvent('ALARM'))).rejects.toThrow(/could not be started for acct-1/);
    expect(f.starter.trips.map((t) => t.account)).toEqual(['acct-2']);
  });
});
