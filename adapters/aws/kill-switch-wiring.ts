// The AWS pieces only the kill-switch API uses, built from the environment: the hard stop (the order
// function's event source mapping and the intent rule) and the breaker's Step Functions side. Invariant: a
// piece whose configuration is missing throws on every call, so its step is reported failed, never done.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { InfrastructureError } from '../../shared/errors/errors';
import type { BreakerApprovals } from '../../shared/ports/breaker-approvals';
import type { BreakerStarter } from '../../shared/ports/breaker-starter';
import type { ControlPlane } from '../../shared/ports/control-plane';
import { LambdaControlPlane } from './lambda-control-plane';
import { breakerStarter } from './safety-wiring';
import { SfnBreakerApprovals } from './sfn-breaker-approvals';
import { captured } from './client-capture';

/** A part AWS cannot provide yet: every call throws, so the step is reported failed, never done. */
const notWired = (what: string) => async (): Promise<never> => {
  throw new InfrastructureError(`${what} is not wired in this deployment`, 'kill-switch');
};

/** The hard stop; without the mapping id, the intent rule and the bus, stop and resume throw and the status is 'unknown'. */
export const orderIntakeControlPlane = (env: NodeJS.ProcessEnv = process.env): ControlPlane => {
  const mappingId = env[RUNTIME_ENV.orderEventSourceMappingId];
  const ruleName = env[RUNTIME_ENV.intentRuleName];
  const busName = env[RUNTIME_ENV.eventBusName];
  return mappingId && ruleName && busName
    ? new LambdaControlPlane({ lambda: captured(new LambdaClient({})), events: captured(new EventBridgeClient({})), orderEventSourceMappingId: mappingId, intentRuleName: ruleName, eventBusName: busName })
    : { stopOrderIntake: notWired('the hard stop'), resumeOrderIntake: notWired('the hard stop'), intakeStatus: async () => 'unknown' };
};

/**
 * The breaker's side of the API, over one Step Functions client: the starter for a release's recovery
 * (without BREAKER_STATE_MACHINE_ARN every start throws, so the account stays HALTED) and the approvals. A
 * token names its execution: the approvals need no ARN, and IAM limits the sends to the breaker state machine.
 */
export const breakerControl = (env: NodeJS.ProcessEnv = process.env): { starter: BreakerStarter; approvals: BreakerApprovals } => {
  const sfn = captured(new SFNClient({}));
  return { starter: breakerStarter(env, sfn), approvals: new SfnBreakerApprovals(sfn) };
};
