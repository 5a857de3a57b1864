// The AWS breaker starter against a mocked Step Functions client: one execution per breach id, the trip as
// input; an execution that exists already is a duplicate, anything else an InfrastructureError.
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BreakerTrip } from '../../../shared/ports/breaker-starter';
import { SfnBreakerStarter } from '../../../adapters/aws/sfn-breaker-starter';
import { InfrastructureError } from '../../../shared/errors/errors';

const sfnMock = mockClient(SFNClient);
const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:TradingSafety-dev-circuit-breaker';
const trip: BreakerTrip = {
  breachId: 'RECONCILIATION.acct-1.QUANTITY_MISMATCH.20261123T14',
  account: 'acct-1',
  kind: 'RECONCILIATION_BREAK',
  reason: 'QUANTITY_MISMATCH AAPL',
  detectedAt: '2026-11-23T14:59:00.000Z',
};
const starter = () => new SfnBreakerStarter(new SFNClient({ region: 'us-east-1' }), ARN);

beforeEach(() => sfnMock.reset());

describe('SfnBreakerStarter', () => {
  it('starts one execution of the state machine named after the breach id, with the trip as its input', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:x`, startDate: new Date() });
    await expect(starter().start(trip)).resolves.toBe('started');
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ stateMachineArn: ARN, name: trip.breachId, input: JSON.stringify(trip) });
  });

  it('reports a breach whose execution exists already as a duplicate', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(starter().start(trip)).resolves.toBe('duplicate');
  });

  it('turns any other failure into an InfrastructureError carrying the cause', async () => {
    const cause = Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' });
    sfnMock.on(StartExecutionCommand).rejects(cause);
    const error = await starter().start(trip).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).component).toBe('sfn');
    expect((error as Error).message).toContain(trip.breachId);
    expect((error as Error).cause).toBe(cause);
  });
});
