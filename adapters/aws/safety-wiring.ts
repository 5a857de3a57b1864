// The AWS pieces the safety functions (breaker, kill switch, dead-man switch) share, built from the environment.
// Kept out of aws-wiring.ts so the risk and order functions do not bundle the SNS and Step Functions
// clients. Invariant: a piece whose configuration is missing throws on every call (fail loudly), so the
// step that needed it is reported failed, never done.
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import type { BreakerStarter } from '../../shared/ports/breaker-starter';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { InfrastructureError } from '../../shared/errors/errors';
import type { Telemetry } from '../../shared/ports/telemetry';
import { cancelAllFrom, cancelStrategyFrom } from '../../shared/order-service/cancellation';
import type { Pager } from '../../shared/ports/pager';
import { ORDER_LEASE_MS, type AwsAdapters } from '../aws-wiring';
import { SnsPager } from '../sns/sns-pager';
import { orderServiceAdapters } from './broker-wiring';
import { SfnBreakerStarter } from './sfn-breaker-starter';
import { captured } from './client-capture';

/** The on-call pager; without ON_CALL_TOPIC_ARN every page throws. */
export const onCallPager = (env: NodeJS.ProcessEnv = process.env): Pager => {
  const topicArn = env[RUNTIME_ENV.onCallTopicArn];
  return topicArn
    ? new SnsPager(captured(new SNSClient({})), topicArn)
    : { page: () => Promise.reject(new InfrastructureError(`${RUNTIME_ENV.onCallTopicArn} is not set: cannot page`, 'sns')) };
};

/** Starts breaker executions; without BREAKER_STATE_MACHINE_ARN every start throws. */
export const breakerStarter = (env: NodeJS.ProcessEnv = process.env, sfn: SFNClient = captured(new SFNClient({}))): BreakerStarter => {
  const stateMachineArn = env[RUNTIME_ENV.breakerStateMachineArn];
  return stateMachineArn
    ? new SfnBreakerStarter(sfn, stateMachineArn)
    : { start: () => Promise.reject(new InfrastructureError(`${RUNTIME_ENV.breakerStateMachineArn} is not set: cannot start the breaker`, 'sfn')) };
};

/** The order service's cancel-all over the function's adapters, requested by `component`. */
/** One strategy's open orders cancelled from outside the order queue (the per-strategy switch). */
export const awsCancelStrategyOrders = (adapters: AwsAdapters, telemetry: Telemetry, component: string) =>
  cancelStrategyFrom({ ...orderServiceAdapters(adapters), telemetry, leaseMs: ORDER_LEASE_MS }, component);

export const awsCancelAll = (adapters: AwsAdapters, telemetry: Telemetry, component: string, defaultReason?: string) =>
  cancelAllFrom({ ...orderServiceAdapters(adapters), telemetry, leaseMs: ORDER_LEASE_MS }, component, defaultReason);
