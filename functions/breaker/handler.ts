// Breaker function: the one Lambda every Task state of the circuit-breaker state machine invokes
// (lambda:invoke, Payload { task, input, ... }), and the target of the RiskBreach / ReconciliationBreak
// rules and of the halting alarms' rule, which it turns into executions (BreakerStarter, named after the
// breach id; an alarm starts one per account). Thin: validate the
// input (bad input names the field), call the core in shared/breaker, return its result; any error
// propagates so the state machine's Retry/Catch (or EventBridge's retries and the DLQ) decide.
import { awsCancelAll, breakerStarter, onCallPager } from '../../adapters/aws/safety-wiring';
import type { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import {
  ALARM_STATE_CHANGE,
  AlarmStateChangeEventSchema,
  isPersistentBreak,
  tripFromReconciliationBreak,
  tripFromRiskBreach,
  tripsFromAlarm,
} from '../../shared/breaker/breach-trip';
import { resolveBreakerConfig } from '../../shared/breaker/breaker-config';
import { BreakerStageSchema } from '../../shared/ports/breaker-store';
import type { BreakerStarter, BreakerTrip } from '../../shared/ports/breaker-starter';
import {
  BreakerExecutionStateSchema,
  BreakerPageEventSchema,
  cancelAll,
  enterCooldown,
  evaluateRecovery,
  page,
  recordTrip,
  recoveryConfig,
  requestApproval,
  setState,
  type BreakerDeps
} from '../../shared/breaker/breaker-tasks';
import type { Telemetry } from '../../shared/ports/telemetry';
import { DETAIL_SCHEMAS, DETAIL_TYPES } from '../../shared/events/catalog';
import { systemClock } from '../../adapters/system/system-clock';
import { InfrastructureError } from '../../shared/errors/errors';
import { METRICS } from '../../shared/telemetry/metrics';
import { TradingStateSchema } from '../../shared/trading-state/trading-state';
import { createLogger, parseInput } from '../support/handler-support';

export const BreakerTaskPayloadSchema = z.discriminatedUnion('task', [
  z.object({ task: z.literal('recordTrip'), input: BreakerExecutionStateSchema }).strict(),
  // The recovery entry (mode 'recovery'): the config without a trip, then the cooldown's start.
  z.object({ task: z.literal('recoveryConfig'), input: BreakerExecutionStateSchema }).strict(),
  z.object({ task: z.literal('enterCooldown'), input: BreakerExecutionStateSchema }).strict(),
  z
    .object({
      task: z.literal('setState'),
      to: TradingStateSchema,
      from: z.array(TradingStateSchema),
      reason: z.string().min(1),
      // The execution record's stage after the change (absent on SetHalted: the halt never waits for it).
      stage: BreakerStageSchema.optional(),
      input: BreakerExecutionStateSchema,
    })
    .strict(),
  z.object({ task: z.literal('cancelAll'), input: BreakerExecutionStateSchema }).strict(),
  z.object({ task: z.literal('page'), event: BreakerPageEventSchema, input: BreakerExecutionStateSchema }).strict(),
  z.object({ task: z.literal('evaluateRecovery'), input: BreakerExecutionStateSchema }).strict(),
  // The waitForTaskToken step: stores the token for the approval API and pages for a person.
  z.object({ task: z.literal('requestApproval'), taskToken: z.string().min(1), input: BreakerExecutionStateSchema }).strict(),
]);
export type BreakerTaskPayload = z.infer<typeof BreakerTaskPayloadSchema>;

/** The events the rules route here; anything else with a detail-type is refused, naming that field. */
const BreachEventSchema = z.object({
  'detail-type': z.enum([DETAIL_TYPES.RiskBreach, DETAIL_TYPES.ReconciliationBreakFound, ALARM_STATE_CHANGE.detailType], {
    error: `must be RiskBreach.v1, ReconciliationBreak.v1 or ${ALARM_STATE_CHANGE.detailType}`,
  }),
  detail: z.unknown(),
});

export interface BreachStartResult {
  breachId: string;
  outcome: 'started' | 'duplicate';
}

/** An alarm halts every configured account: one start each ('started' when any of them started). */
export interface AlarmStartResult {
  alarmName: string;
  outcome: 'started' | 'duplicate';
  starts: (BreachStartResult & { account: string })[];
}

/** An event that by rule starts nothing (counted as BreakerEventIgnored{reason}). */
export interface IgnoredEventResult {
  outcome: 'ignored';
  reason: 'ALARM_NOT_IN_ALARM_STATE' | 'BREAK_NOT_PERSISTENT';
  detail: string;
}

export type BreakerEventResult = BreachStartResult | AlarmStartResult | IgnoredEventResult;

export type BreakerHandlerDeps = BreakerDeps & {
  starter: BreakerStarter;
  telemetry: Telemetry;
  logger: Pick<Logger, 'error' | 'info'>;
  /** The accounts an alarm halts (the environment's accounts). Without them an alarm event fails, loudly. */
  accounts?: readonly string[];
};

const isEventBridgeEvent = (event: unknown): event is Record<string, unknown> => typeof event === 'object' && event !== null && 'detail-type' in event;

const ignore = (d: BreakerHandlerDeps, reason: IgnoredEventResult['reason'], detail: string): IgnoredEventResult => {
  d.telemetry.count(METRICS.breakerEventIgnored, { reason });
  d.logger.info('breaker event ignored', { reason, detail });
  return { outcome: 'ignored', reason, detail };
};

/** The states a trip halts from: the ASL's SetHalted uses the same list. */
const HALT_FROM = ['ACTIVE', 'WARNING', 'REDUCING'] as const;

/**
 * A new execution halts the account from here as well, without waiting for Step Functions to schedule its
 * first task (a state transition and a second invocation, each of which may start cold): the halt latency is
 * that of one conditional write after the start. The execution's SetHalted then finds HALTED and writes
 * nothing. Only after a start, never for a duplicate: a late copy of an old breach must not halt an account a
 * person has since brought back. A failure here is logged and counted, not thrown: SetHalted retries and
 * fails closed.
 */
const haltOnStart = async (d: BreakerHandlerDeps, trip: BreakerTrip): Promise<void> => {
  try {
    await setState(d, trip, 'HALTED', HALT_FROM, 'circuit breaker tripped');
  } catch (error) {
    d.telemetry.count(METRICS.breakerHaltOnStartFailed);
    d.logger.error('halt on start failed; the execution halts', { breachId: trip.breachId, account: trip.account, error });
  }
};

const startTrip = async (d: BreakerHandlerDeps, trip: BreakerTrip): Promise<BreachStartResult> => {
  const outcome = await d.starter.start(trip);
  if (outcome === 'started') await haltOnStart(d, trip);
  d.logger.info('breaker start', { breachId: trip.breachId, kind: trip.kind, account: trip.account, outcome });
  return { breachId: trip.breachId, outcome };
};

/**
 * Every account is tried even when one start fails; then the invocation fails, so EventBridge retries it
 * (the accounts already started answer duplicate) and finally keeps it in its dead-letter queue.
 */
const startFromAlarm = async (d: BreakerHandlerDeps, event: unknown): Promise<AlarmStartResult | IgnoredEventResult> => {
  const alarm = parseInput(d, 'breaker', AlarmStateChangeEventSchema, event);
  const { alarmName, state } = alarm.detail;
  // OK and INSUFFICIENT_DATA never loosen anything: recovery is the breaker's own path, through its checks.
  if (state.value !== 'ALARM') return ignore(d, 'ALARM_NOT_IN_ALARM_STATE', `${alarmName} is ${state.value}`);
  if (!d.accounts?.length) throw new InfrastructureError(`alarm ${alarmName}: no accounts configured, so none can be halted`, 'config');
  const starts: AlarmStartResult['starts'] = [];
  const failed: { account: string; error: unknown }[] = [];
  for (const trip of tripsFromAlarm(alarm, d.accounts)) {
    try {
      starts.push({ account: trip.account, ...(await startTrip(d, trip)) });
    } catch (error) {
      failed.push({ account: trip.account, error });
    }
  }
  if (failed.length > 0) {
    throw new InfrastructureError(`alarm ${alarmName}: the breaker could not be started for ${failed.map((f) => f.account).join(', ')}`, 'sfn', { cause: failed[0]?.error });
  }
  return { alarmName, outcome: starts.some((s) => s.outcome === 'started') ? 'started' : 'duplicate', starts };
};

const startFromBreach = async (d: BreakerHandlerDeps, event: unknown): Promise<BreakerEventResult> => {
  const envelope = parseInput(d, 'breaker', BreachEventSchema, event);
  if (envelope['detail-type'] === ALARM_STATE_CHANGE.detailType) return startFromAlarm(d, event);
  if (envelope['detail-type'] === DETAIL_TYPES.RiskBreach) {
    return startTrip(d, tripFromRiskBreach(parseInput(d, 'breaker', DETAIL_SCHEMAS['RiskBreach.v1'], envelope.detail, 'detail')));
  }
  const found = parseInput(d, 'breaker', DETAIL_SCHEMAS['ReconciliationBreak.v1'], envelope.detail, 'detail');
  // The rule already filters on the count; this keeps the rule for any other way the event arrives.
  if (!isPersistentBreak(found)) {
    const { break: brk, runId } = found.data;
    return ignore(d, 'BREAK_NOT_PERSISTENT', `${brk.kind} in run ${runId} seen by ${brk.consecutiveRuns ?? 1} consecutive run(s)`);
  }
  return startTrip(d, tripFromReconciliationBreak(found));
};

export const createBreakerHandler =
  (deps: () => BreakerHandlerDeps) =>
  async (event: unknown): Promise<unknown> => {
    const d = deps();
    if (isEventBridgeEvent(event)) return startFromBreach(d, event);
    const payload = parseInput(d, 'breaker', BreakerTaskPayloadSchema, event);
    const input = payload.input;
    switch (payload.task) {
      case 'recordTrip':
        return recordTrip(d, input);
      case 'recoveryConfig':
        return recoveryConfig(d, input);
      case 'enterCooldown':
        return enterCooldown(d, input);
      case 'setState':
        return setState(d, input, payload.to, payload.from, payload.reason, payload.stage);
      case 'cancelAll':
        return cancelAll(d, input);
      case 'page':
        return page(d, input, payload.event);
      case 'evaluateRecovery':
        return evaluateRecovery(d, input);
      case 'requestApproval':
        // The approval API (POST /breaker/approve, /breaker/reject) sends the stored token back.
        return requestApproval(d, input, payload.taskToken);
    }
  };

let awsDeps: BreakerHandlerDeps | undefined;
const fromEnvironment = (): BreakerHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  const telemetry = new PowertoolsTelemetry();
  awsDeps = {
    breakerStore: adapters.stores.breakerStore,
    tradingStateStore: adapters.stores.tradingStateStore,
    riskStore: adapters.stores.riskStore,
    reconciliationStore: adapters.stores.reconciliationStore,
    // Without a topic every page throws: the state machine retries, then takes its fail-closed path. Without
    // the state machine ARN every start throws: the rule's retries and DLQ show the breach was not acted on.
    pager: onCallPager(),
    starter: breakerStarter(new SFNClient({})),
    clock: systemClock,
    config: resolveBreakerConfig(adapters.config.breaker),
    riskLimits: adapters.config.riskLimits,
    accounts: adapters.config.accounts,
    cancelAll: awsCancelAll(adapters, telemetry, 'breaker', 'circuit breaker tripped'),
    telemetry,
    logger: createLogger('breaker'),
  };
  return awsDeps;
};

export const handler = createBreakerHandler(fromEnvironment);
