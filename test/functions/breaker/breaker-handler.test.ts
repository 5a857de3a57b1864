// Specification of the breaker function as the breach rules' target: each event shape (RiskBreach.v1,
// ReconciliationBreak.v1, a CloudWatch alarm state change) is parsed and handed to the breach intake; bad input
// is refused, naming the field, and counted; the state machine's task payloads keep reaching their tasks.
// What the intake decides is specified in test/shared/breaker/intake.test.ts.
import { describe, expect, it } from 'vitest';
import { createBreakerHandler, type BreakerHandlerDeps } from '../../../functions/breaker/handler';
import { resolveBreakerConfig } from '../../../shared/breaker/breaker-config';
import { InvalidInputError } from '../../../shared/errors/errors';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { METRICS } from '../../../shared/telemetry/metrics';
import { alarmEvent, eventBridge, reconciliationBreak, RecordingStarter, riskBreach, StateChangeRecorder } from '../../support/breaker-events';
import { ManualClock, RecordingPager, silentLogger, testLimits } from '../../support/fixtures';
import { buildMeta } from '../../../shared/events/envelope';

const unexpected = (): Promise<never> => Promise.reject(new Error('not expected'));

const setup = () => {
  const starter = new RecordingStarter();
  const telemetry = new InMemoryTelemetry();
  const pager = new RecordingPager();
  const deps: BreakerHandlerDeps = {
    tradingStateStore: new StateChangeRecorder(),
    // The breach path writes nothing else: the tasks' stores are tested on DynamoDB Local.
    breakerStore: { recordBreakerTrip: unexpected, recordBreakerStage: unexpected, recordBreakerApproval: unexpected, getBreakerExecution: unexpected },
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
    accounts: ['acct-1', 'acct-2'],
  };
  return { handler: createBreakerHandler(() => deps), starter, telemetry, pager, deps };
};

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

  it('refuses a breach detail its catalog schema rejects, naming the field, counting it and starting nothing', async () => {
    const f = setup();
    const error = await f.handler(riskBreach({ breachId: 'not a valid name!' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('detail.data.breachId');
    expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'breaker', field: 'detail.data.breachId' })).toBe(1);
    expect(f.starter.trips).toEqual([]);
  });

  it('pages on-call for an execution-throttle trip, starting nothing and changing no state', async () => {
    const f = setup();
    const detail = {
      meta: buildMeta({ detailType: 'ExecutionThrottleTripped.v1', occurredAt: '2026-11-23T15:00:00.000Z', correlationId: 'i-9', causationId: 'evt', account: 'acct-1', strategy: 'momentum-1', producer: 'risk' }),
      data: { account: 'acct-1', scope: 'momentum-1', fills: 500, intentId: 'i-9', trippedAt: '2026-11-23T15:00:00.000Z' },
    };
    await expect(f.handler(eventBridge('ExecutionThrottleTripped.v1', 'trading.risk', detail))).resolves.toEqual({ outcome: 'paged', account: 'acct-1', scope: 'momentum-1' });
    expect(f.pager.pages).toEqual([
      expect.objectContaining({ severity: 'critical', account: 'acct-1', subject: expect.stringContaining('strategy momentum-1 disabled'), message: expect.stringContaining('POST /execution/reenable') }),
    ]);
    expect(f.starter.trips).toEqual([]);
    expect((f.deps.tradingStateStore as StateChangeRecorder).changes).toEqual([]);
  });

  it('throws when the throttle page cannot be sent, so EventBridge retries it', async () => {
    const f = setup();
    f.pager.failing = true;
    const detail = {
      meta: buildMeta({ detailType: 'ExecutionThrottleTripped.v1', occurredAt: '2026-11-23T15:00:00.000Z', correlationId: 'i-9', causationId: 'evt', account: 'acct-1', strategy: 'momentum-1', producer: 'risk' }),
      data: { account: 'acct-1', scope: '*', fills: 500, intentId: 'i-9', trippedAt: '2026-11-23T15:00:00.000Z' },
    };
    await expect(f.handler(eventBridge('ExecutionThrottleTripped.v1', 'trading.risk', detail))).rejects.toThrow('pager unavailable');
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

describe('the breaker function’s setState task, invoked by anyone', () => {
  const input = { breachId: 'b-1', account: 'acct-1', kind: 'MANUAL', reason: 'test', detectedAt: '2026-11-23T14:59:00.000Z' };
  const setState = (to: string, from: string[]) => ({ task: 'setState', to, from, reason: 'forged', input });

  it.each([
    ['ACTIVE', ['KILLED']],
    ['ACTIVE', ['HALTED']],
    ['REDUCING', ['KILLED']],
    ['HALTED', ['KILLED']],
    ['ACTIVE', []],
    ['WARNING', ['ACTIVE']],
  ])('refuses a move to %s from %j, which the state machine never makes, and writes nothing', async (to, from) => {
    const f = setup();
    await expect(f.handler(setState(to, from))).rejects.toThrow(/invalid input/);
    expect((f.deps.tradingStateStore as StateChangeRecorder).changes).toEqual([]);
  });

  it('makes the moves the state machine makes: REDUCING → ACTIVE, HALTED → REDUCING, a halt, a kill', async () => {
    const f = setup();
    // The approval was taken through the kill-switch API: the record holds no pending approval.
    f.deps.breakerStore.getBreakerExecution = async () => ({ account: 'acct-1', breachId: 'b-1', kind: 'MANUAL', stage: 'AWAITING_APPROVAL', since: input.detectedAt });
    await f.handler(setState('HALTED', ['ACTIVE', 'WARNING', 'REDUCING']));
    await f.handler(setState('REDUCING', ['HALTED']));
    await f.handler(setState('ACTIVE', ['REDUCING']));
    await f.handler(setState('KILLED', ['ACTIVE', 'WARNING', 'REDUCING', 'HALTED']));
    expect((f.deps.tradingStateStore as StateChangeRecorder).changes.map((c) => c.to)).toEqual(['HALTED', 'REDUCING', 'ACTIVE', 'KILLED']);
  });

  it('refuses REDUCING → ACTIVE while the approval is still pending in the record: a task token answered without the kill-switch API', async () => {
    const f = setup();
    f.deps.breakerStore.getBreakerExecution = async () => ({
      account: 'acct-1',
      breachId: 'b-1',
      kind: 'MANUAL',
      stage: 'AWAITING_APPROVAL',
      since: input.detectedAt,
      approval: { account: 'acct-1', breachId: 'b-1', taskToken: 'token', requestedAt: input.detectedAt, excludedApprovers: [] },
    });
    await expect(f.handler(setState('ACTIVE', ['REDUCING']))).rejects.toThrow(/still pending/);
    f.deps.breakerStore.getBreakerExecution = async () => ({ account: 'acct-1', breachId: 'b-0', kind: 'MANUAL', stage: 'ACTIVE', since: input.detectedAt });
    await expect(f.handler(setState('ACTIVE', ['REDUCING']))).rejects.toThrow(/cannot be verified/);
    expect((f.deps.tradingStateStore as StateChangeRecorder).changes).toEqual([]);
  });
});

describe('the breaker function on alarm state changes', () => {
  it('hands a safety alarm in ALARM to the intake, which starts one execution per configured account', async () => {
    const f = setup();
    await expect(f.handler(alarmEvent('ALARM'))).resolves.toMatchObject({ alarmName: 'TradingSafety-prod-OrderDeadLetterAlarm1A2B3C4D-ABCDEF123456', outcome: 'started' });
    expect(f.starter.trips.map((t) => t.account)).toEqual(['acct-1', 'acct-2']);
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
});
