// Breaker function: the one Lambda every Task state of the circuit-breaker state machine invokes
// (lambda:invoke, Payload { task, input, ... }), and the target of the RiskBreach / ReconciliationBreak
// rules, which it turns into an execution (BreakerStarter, named after the breach id). Thin: validate the
// input (bad input names the field), call the core in shared/breaker, return its result; any error
// propagates so the state machine's Retry/Catch (or EventBridge's retries and the DLQ) decide.
import type { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SfnBreakerStarter } from '../../adapters/aws/sfn-breaker-starter';
import { SnsPager } from '../../adapters/sns/sns-pager';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { z } from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { tripFromReconciliationBreak, tripFromRiskBreach } from '../../shared/breaker/breach-trip';
import { resolveBreakerConfig } from '../../shared/breaker/breaker-config';
import type { BreakerStarter } from '../../shared/breaker/breaker-starter';
import {
  BreakerExecutionStateSchema,
  BreakerPageEventSchema,
  cancelAll,
  evaluateRecovery,
  page,
  recordTrip,
  setState,
  type BreakerDeps,
  type BreakerTrip,
} from '../../shared/breaker/breaker-tasks';
import { DETAIL_SCHEMAS, DETAIL_TYPES } from '../../shared/events/catalog';
import { cancelAllFrom } from '../../shared/orders/order-service';
import { systemClock } from '../../shared/ports/clock';
import type { Pager } from '../../shared/ports/pager';
import { InfrastructureError } from '../../shared/errors/errors';
import type { Telemetry } from '../../shared/telemetry/telemetry';
import { TradingStateSchema } from '../../shared/trading-state/trading-state';
import { createLogger, parseInput } from '../support/handler-support';

export const BreakerTaskPayloadSchema = z.discriminatedUnion('task', [
  z.object({ task: z.literal('recordTrip'), input: BreakerExecutionStateSchema }).strict(),
  z
    .object({
      task: z.literal('setState'),
      to: TradingStateSchema,
      from: z.array(TradingStateSchema),
      reason: z.string().min(1),
      input: BreakerExecutionStateSchema,
    })
    .strict(),
  z.object({ task: z.literal('cancelAll'), input: BreakerExecutionStateSchema }).strict(),
  z.object({ task: z.literal('page'), event: BreakerPageEventSchema, input: BreakerExecutionStateSchema }).strict(),
  z.object({ task: z.literal('evaluateRecovery'), input: BreakerExecutionStateSchema }).strict(),
  // The waitForTaskToken step: pages the person whose approval the token waits for.
  z.object({ task: z.literal('requestApproval'), taskToken: z.string().min(1), input: BreakerExecutionStateSchema }).strict(),
]);
export type BreakerTaskPayload = z.infer<typeof BreakerTaskPayloadSchema>;

/** The breach events the rules route here; anything else with a detail-type is refused, naming that field. */
const BreachEventSchema = z.object({
  'detail-type': z.enum([DETAIL_TYPES.RiskBreach, DETAIL_TYPES.ReconciliationBreakFound], { error: 'must be RiskBreach.v1 or ReconciliationBreak.v1' }),
  detail: z.unknown(),
});

export interface BreachStartResult {
  breachId: string;
  outcome: 'started' | 'duplicate';
}

export type BreakerHandlerDeps = BreakerDeps & { starter: BreakerStarter; telemetry: Telemetry; logger: Pick<Logger, 'error' | 'info'> };

const isEventBridgeEvent = (event: unknown): event is Record<string, unknown> => typeof event === 'object' && event !== null && 'detail-type' in event;

const startFromBreach = async (d: BreakerHandlerDeps, event: unknown): Promise<BreachStartResult> => {
  const envelope = parseInput(d, 'breaker', BreachEventSchema, event);
  let trip: BreakerTrip;
  if (envelope['detail-type'] === DETAIL_TYPES.RiskBreach) {
    trip = tripFromRiskBreach(parseInput(d, 'breaker', DETAIL_SCHEMAS['RiskBreach.v1'], envelope.detail, 'detail'));
  } else {
    trip = tripFromReconciliationBreak(parseInput(d, 'breaker', DETAIL_SCHEMAS['ReconciliationBreak.v1'], envelope.detail, 'detail'));
  }
  const outcome = await d.starter.start(trip);
  d.logger.info('breaker start', { breachId: trip.breachId, kind: trip.kind, account: trip.account, outcome });
  return { breachId: trip.breachId, outcome };
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
      case 'setState':
        return setState(d, input, payload.to, payload.from, payload.reason);
      case 'cancelAll':
        return cancelAll(d, input);
      case 'page':
        return page(d, input, payload.event);
      case 'evaluateRecovery':
        return evaluateRecovery(d, input);
      case 'requestApproval':
        // The token goes back through SendTaskSuccess/SendTaskFailure by the approval API (not built yet).
        return page(d, input, 'AWAITING_APPROVAL');
    }
  };

/** Without a topic every page throws: the state machine retries, then takes its fail-closed path. */
const onCallPager = (topicArn: string | undefined): Pager =>
  topicArn
    ? new SnsPager(new SNSClient({}), topicArn)
    : {
        page: () => Promise.reject(new InfrastructureError(`${RUNTIME_ENV.onCallTopicArn} is not set: cannot page`, 'sns')),
      };

/** Without the state machine ARN every start throws: the rule's retries and DLQ show the breach was not acted on. */
const breakerStarter = (stateMachineArn: string | undefined): BreakerStarter =>
  stateMachineArn
    ? new SfnBreakerStarter(new SFNClient({}), stateMachineArn)
    : {
        start: () => Promise.reject(new InfrastructureError(`${RUNTIME_ENV.breakerStateMachineArn} is not set: cannot start the breaker`, 'sfn')),
      };

let awsDeps: BreakerHandlerDeps | undefined;
const fromEnvironment = (): BreakerHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  const telemetry = new PowertoolsTelemetry();
  awsDeps = {
    store: adapters.store,
    pager: onCallPager(process.env[RUNTIME_ENV.onCallTopicArn]),
    starter: breakerStarter(process.env[RUNTIME_ENV.breakerStateMachineArn]),
    clock: systemClock,
    config: resolveBreakerConfig(adapters.config.breaker),
    riskLimits: adapters.config.riskLimits,
    cancelAll: cancelAllFrom({ store: adapters.store, broker: adapters.broker, bus: adapters.bus, clock: systemClock, telemetry, leaseMs: 60_000 }, 'breaker', 'circuit breaker tripped'),
    telemetry,
    logger: createLogger('breaker'),
  };
  return awsDeps;
};

export const handler = createBreakerHandler(fromEnvironment);
