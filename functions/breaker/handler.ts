// Breaker tasks function: the one Lambda every Task state of the circuit-breaker state machine invokes
// (lambda:invoke, Payload { task, input, ... }). Thin: validate the payload (bad input names the field),
// call the task's core in shared/breaker, return its result; any error propagates so the state machine's
// Retry/Catch decide (the Catch keeps trading halted).
import type { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { SnsPager } from '../../adapters/sns/sns-pager';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { z } from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { resolveBreakerConfig } from '../../shared/breaker/breaker-config';
import {
  BreakerExecutionStateSchema,
  BreakerPageEventSchema,
  cancelAll,
  evaluateRecovery,
  page,
  recordTrip,
  setState,
  type BreakerDeps,
} from '../../shared/breaker/breaker-tasks';
import { cancelAllOrders } from '../../shared/orders/order-service';
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

export type BreakerHandlerDeps = BreakerDeps & { telemetry: Telemetry; logger: Pick<Logger, 'error' | 'info'> };

export const createBreakerHandler =
  (deps: () => BreakerHandlerDeps) =>
  async (event: unknown): Promise<unknown> => {
    const d = deps();
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

let awsDeps: BreakerHandlerDeps | undefined;
const fromEnvironment = (): BreakerHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  const telemetry = new PowertoolsTelemetry();
  awsDeps = {
    store: adapters.store,
    pager: onCallPager(process.env[RUNTIME_ENV.onCallTopicArn]),
    clock: systemClock,
    config: resolveBreakerConfig(adapters.config.breaker),
    riskLimits: adapters.config.riskLimits,
    cancelAll: (account, requestedBy, requestId) =>
      cancelAllOrders(
        { store: adapters.store, broker: adapters.broker, bus: adapters.bus, clock: systemClock, telemetry, workerId: `breaker/${requestId}`, leaseMs: 60_000 },
        { account, requestedBy, requestId, reason: 'circuit breaker tripped' },
      ),
    telemetry,
    logger: createLogger('breaker'),
  };
  return awsDeps;
};

export const handler = createBreakerHandler(fromEnvironment);
