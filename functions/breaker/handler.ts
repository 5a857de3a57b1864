// Breaker function: the one Lambda every Task state of the circuit-breaker state machine invokes
// (lambda:invoke, Payload { task, input, ... }), and the target of the RiskBreach / ReconciliationBreak
// rules and of the halting alarms' rule; an ExecutionThrottleTripped event only pages. Thin: validate the input (bad input names the field), hand it to
// the core (the tasks in shared/breaker/breaker-tasks.ts, the breach intake in shared/breaker/intake.ts),
// return its result; any error propagates so the state machine's Retry/Catch (or EventBridge's retries and
// the DLQ) decide.
import { awsCancelAll, breakerStarter, onCallPager } from '../../adapters/aws/safety-wiring';
import * as z from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { ALARM_STATE_CHANGE, AlarmStateChangeEventSchema } from '../../shared/breaker/breach-trip';
import { resolveBreakerConfig } from '../../shared/breaker/breaker-config';
import { BreakerStageSchema } from '../../shared/ports/breaker-store';
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
import {
  startFromAlarm,
  startFromReconciliationBreak,
  startFromRiskBreach,
  type BreakerEventResult,
  type BreakerIntakeDeps,
} from '../../shared/breaker/intake';
import { DETAIL_SCHEMAS, DETAIL_TYPES } from '../../shared/events/catalog';
import { pageThrottleTrip } from '../../shared/breaker/throttle-page';
import { systemClock } from '../../adapters/system/system-clock';
import { TradingStateSchema } from '../../shared/trading-state/trading-state';
import { withDeployProbe } from '../support/deploy-probe';
import { createLogger, parseInput } from '../support/handler-support';
import { observed } from '../support/invocation';
import { breakerInvocationKeys } from './invocation-keys';
import { awsStoredCalendars, withStoredCalendars } from '../support/stored-calendars';

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
  'detail-type': z.enum([DETAIL_TYPES.RiskBreach, DETAIL_TYPES.ReconciliationBreakFound, DETAIL_TYPES.ExecutionThrottleTripped, ALARM_STATE_CHANGE.detailType], {
    error: `must be RiskBreach.v1, ReconciliationBreak.v1, ExecutionThrottleTripped.v1 or ${ALARM_STATE_CHANGE.detailType}`,
  }),
  detail: z.unknown(),
});

export type BreakerHandlerDeps = BreakerDeps & BreakerIntakeDeps;

const isEventBridgeEvent = (event: unknown): event is Record<string, unknown> => typeof event === 'object' && event !== null && 'detail-type' in event;

const startFromEvent = async (d: BreakerHandlerDeps, event: unknown): Promise<BreakerEventResult | Awaited<ReturnType<typeof pageThrottleTrip>>> => {
  const envelope = parseInput(d, 'breaker', BreachEventSchema, event);
  // A throttle trip only pages: its scope is already disabled, and a person re-enables it.
  if (envelope['detail-type'] === DETAIL_TYPES.ExecutionThrottleTripped) return pageThrottleTrip(d, parseInput(d, 'breaker', DETAIL_SCHEMAS['ExecutionThrottleTripped.v1'], envelope.detail, 'detail'));
  if (envelope['detail-type'] === ALARM_STATE_CHANGE.detailType) return startFromAlarm(d, parseInput(d, 'breaker', AlarmStateChangeEventSchema, event));
  if (envelope['detail-type'] === DETAIL_TYPES.RiskBreach) return startFromRiskBreach(d, parseInput(d, 'breaker', DETAIL_SCHEMAS['RiskBreach.v1'], envelope.detail, 'detail'));
  return startFromReconciliationBreak(d, parseInput(d, 'breaker', DETAIL_SCHEMAS['ReconciliationBreak.v1'], envelope.detail, 'detail'));
};

export const createBreakerHandler =
  (deps: () => BreakerHandlerDeps) =>
  async (event: unknown): Promise<unknown> => {
    const d = deps();
    if (isEventBridgeEvent(event)) return startFromEvent(d, event);
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
    starter: breakerStarter(),
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

// The broker's calendar, as the feed stored it, is installed before each decision (read at most every 5 minutes).
// Traced, and every log line carries the invocation's correlation id (functions/support/invocation.ts).
export const handler = observed(
  'breaker',
  breakerInvocationKeys,
  withDeployProbe(
    'breaker',
    () => ({ executions: () => Promise.all(awsAdapters().config.accounts.map((account) => awsAdapters().stores.breakerStore.getBreakerExecution(account))) }),
    withStoredCalendars(() => awsStoredCalendars(awsAdapters().stores.marketDataStore, 'breaker'), createBreakerHandler(fromEnvironment)),
  ),
);
