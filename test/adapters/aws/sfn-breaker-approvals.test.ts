// The AWS approval adapter against a mocked Step Functions client: SendTaskSuccess with the approval as the
// task output, SendTaskFailure with the rejection error; a token Step Functions no longer waits on is
// 'expired', any other failure an InfrastructureError keeping its cause.
import { InvalidToken, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskDoesNotExist, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnBreakerApprovals } from '../../../adapters/aws/sfn-breaker-approvals';
import { InfrastructureError } from '../../../shared/errors/errors';
import { APPROVAL_REJECTED_ERROR, type ApprovalOutput } from '../../../shared/ports/breaker-approvals';

const sfnMock = mockClient(SFNClient);
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAf-token';
const output: ApprovalOutput = { approvedBy: 'arn:aws:iam::123456789012:user/carol', reason: 'checks fine', requestId: 'req-9', at: '2026-11-23T15:30:00.000Z' };
const approvals = () => new SfnBreakerApprovals(new SFNClient({ region: 'us-east-1' }));

beforeEach(() => sfnMock.reset());

describe('SfnBreakerApprovals', () => {
  it('approves with SendTaskSuccess for the token, the approval as the task output', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    await expect(approvals().approve(TOKEN, output)).resolves.toBe('delivered');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: TOKEN, output: JSON.stringify(output) }]);
  });

  it('rejects with SendTaskFailure for the token, with the error name the ASL catches and the cause', async () => {
    sfnMock.on(SendTaskFailureCommand).resolves({});
    await expect(approvals().reject(TOKEN, APPROVAL_REJECTED_ERROR, 'rejected by carol: not yet')).resolves.toBe('delivered');
    expect(sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: TOKEN, error: 'Breaker.ApprovalRejected', cause: 'rejected by carol: not yet' },
    ]);
  });

  it.each([
    ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', new InvalidToken({ message: 'Invalid token', $metadata: {} })],
    ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ])('reports a token Step Functions no longer waits on (%s) as expired, for approvals and rejections', async (_name, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error);
    sfnMock.on(SendTaskFailureCommand).rejects(error);
    await expect(approvals().approve(TOKEN, output)).resolves.toBe('expired');
    await expect(approvals().reject(TOKEN, APPROVAL_REJECTED_ERROR, 'x')).resolves.toBe('expired');
  });

  it('turns any other failure into an InfrastructureError carrying the cause', async () => {
    const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    sfnMock.on(SendTaskSuccessCommand).rejects(cause);
    const error = await approvals().approve(TOKEN, output).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).component).toBe('sfn');
    expect((error as Error).cause).toBe(cause);
  });

  it('keeps the rejection within the SendTaskFailure limits (error 256, cause 32768 characters)', async () => {
    sfnMock.on(SendTaskFailureCommand).resolves({});
    await approvals().reject(TOKEN, 'E'.repeat(300), 'c'.repeat(40_000));
    const input = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(input?.error).toHaveLength(256);
    expect(input?.cause).toHaveLength(32_768);
  });
});
