// The AWS control plane against mocked Lambda and EventBridge clients (no local stand-in exists): both the
// event source mapping and the intent rule are switched, by id and name, and a failure of either is an
// InfrastructureError with its cause, after the other was still attempted.
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetEventSourceMappingCommand, LambdaClient, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaControlPlane } from '../../../adapters/aws/lambda-control-plane';
import { InfrastructureError } from '../../../shared/errors/errors';

const lambdaMock = mockClient(LambdaClient);
const eventsMock = mockClient(EventBridgeClient);

const controlPlane = () =>
  new LambdaControlPlane({
    lambda: new LambdaClient({ region: 'us-east-1' }),
    events: new EventBridgeClient({ region: 'us-east-1' }),
    orderEventSourceMappingId: 'esm-uuid-1',
    intentRuleName: 'intent-to-risk',
    eventBusName: 'trading-prod',
  });

beforeEach(() => {
  lambdaMock.reset();
  eventsMock.reset();
  lambdaMock.on(UpdateEventSourceMappingCommand).resolves({ State: 'Disabling' });
  eventsMock.on(DisableRuleCommand).resolves({});
  eventsMock.on(EnableRuleCommand).resolves({});
});

describe('lambda control plane', () => {
  it('stops intake by disabling the order event source mapping by UUID and the intent rule on its bus', async () => {
    await controlPlane().stopOrderIntake('runaway');
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand).map((c) => c.args[0].input)).toEqual([{ UUID: 'esm-uuid-1', Enabled: false }]);
    expect(eventsMock.commandCalls(DisableRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: 'intent-to-risk', EventBusName: 'trading-prod' }]);
  });

  it('is idempotent: stopping a stopped intake sends the same switches again and succeeds', async () => {
    await controlPlane().stopOrderIntake('runaway');
    await expect(controlPlane().stopOrderIntake('runaway')).resolves.toBeUndefined();
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand)).toHaveLength(2);
  });

  it('still disables the rule when the mapping update fails, then throws an InfrastructureError with the cause', async () => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    lambdaMock.on(UpdateEventSourceMappingCommand).rejects(cause);
    const error = await controlPlane().stopOrderIntake('runaway').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).message).toMatch(/event source mapping/);
    expect((error as InfrastructureError).cause).toBe(cause);
    expect(eventsMock.commandCalls(DisableRuleCommand)).toHaveLength(1);
  });

  it('reports both failures when the mapping and the rule both fail', async () => {
    lambdaMock.on(UpdateEventSourceMappingCommand).rejects(new Error('denied'));
    eventsMock.on(DisableRuleCommand).rejects(new Error('no such rule'));
    const error = await controlPlane().stopOrderIntake('runaway').catch((e: unknown) => e);
    expect((error as InfrastructureError).message).toMatch(/event source mapping.*intent rule/);
    expect((error as InfrastructureError).cause).toBeInstanceOf(AggregateError);
  });

  it('resumes intake by enabling both', async () => {
    await controlPlane().resumeOrderIntake();
    expect(lambdaMock.commandCalls(UpdateEventSourceMappingCommand)[0]?.args[0].input).toEqual({ UUID: 'esm-uuid-1', Enabled: true });
    expect(eventsMock.commandCalls(EnableRuleCommand)).toHaveLength(1);
  });

  it('reports stopped only when both are off, running only when both are on, unknown otherwise or on error', async () => {
    lambdaMock.on(GetEventSourceMappingCommand).resolves({ State: 'Disabled' });
    eventsMock.on(DescribeRuleCommand).resolves({ State: 'DISABLED' });
    await expect(controlPlane().intakeStatus()).resolves.toBe('stopped');
    lambdaMock.on(GetEventSourceMappingCommand).resolves({ State: 'Enabled' });
    eventsMock.on(DescribeRuleCommand).resolves({ State: 'ENABLED' });
    await expect(controlPlane().intakeStatus()).resolves.toBe('running');
    eventsMock.on(DescribeRuleCommand).resolves({ State: 'DISABLED' });
    await expect(controlPlane().intakeStatus()).resolves.toBe('unknown');
    lambdaMock.on(GetEventSourceMappingCommand).rejects(new Error('denied'));
    await expect(controlPlane().intakeStatus()).resolves.toBe('unknown');
  });
});
