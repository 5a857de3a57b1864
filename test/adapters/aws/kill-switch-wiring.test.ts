// The kill-switch API's AWS pieces as the environment configures them: a piece whose configuration is missing
// throws on every call (its step reports failed, never done); configured, the real adapters are used.
import { describe, expect, it } from 'vitest';
import { breakerControl, orderIntakeControlPlane } from '../../../adapters/aws/kill-switch-wiring';
import { LambdaControlPlane } from '../../../adapters/aws/lambda-control-plane';
import { SfnBreakerApprovals } from '../../../adapters/aws/sfn-breaker-approvals';
import { SfnBreakerStarter } from '../../../adapters/aws/sfn-breaker-starter';
import { RUNTIME_ENV } from '../../../shared/config/runtime-env';
import { InfrastructureError } from '../../../shared/errors/errors';

const INTAKE_ENV = {
  [RUNTIME_ENV.orderEventSourceMappingId]: '6d1c3f7e-0000-4000-8000-000000000000',
  [RUNTIME_ENV.intentRuleName]: 'TradingSafety-dev-intents',
  [RUNTIME_ENV.eventBusName]: 'trading-dev',
};

describe('the hard stop from the environment', () => {
  it('stops order intake through the event source mapping and the intent rule when all three are set', () => {
    expect(orderIntakeControlPlane(INTAKE_ENV)).toBeInstanceOf(LambdaControlPlane);
  });

  it.each(Object.keys(INTAKE_ENV))('fails every stop and resume, and reports the intake unknown, without %s', async (missing) => {
    const controlPlane = orderIntakeControlPlane({ ...INTAKE_ENV, [missing]: undefined });
    await expect(controlPlane.stopOrderIntake('test')).rejects.toThrow(InfrastructureError);
    await expect(controlPlane.resumeOrderIntake()).rejects.toThrow(/the hard stop is not wired/);
    await expect(controlPlane.intakeStatus()).resolves.toBe('unknown');
  });
});

describe('the breaker side of the kill-switch API from the environment', () => {
  it('starts recoveries on the configured state machine and answers approvals by task token', () => {
    const { starter, approvals } = breakerControl({ [RUNTIME_ENV.breakerStateMachineArn]: 'arn:aws:states:us-east-1:123456789012:stateMachine:TradingSafety-dev-circuit-breaker' });
    expect(starter).toBeInstanceOf(SfnBreakerStarter);
    expect(approvals).toBeInstanceOf(SfnBreakerApprovals);
  });

  it('fails every recovery start without the state machine ARN', async () => {
    const { starter } = breakerControl({});
    await expect(starter.start({ breachId: 'RELEASE.acct-1.20261123T145900Z', account: 'acct-1', kind: 'RELEASE', reason: 'r', detectedAt: '2026-11-23T14:59:00.000Z' })).rejects.toThrow(
      /BREAKER_STATE_MACHINE_ARN is not set/,
    );
  });
});
