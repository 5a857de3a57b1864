// The AWS BreakerApprovals: SendTaskSuccess / SendTaskFailure with the token AwaitApproval stored.
// Invariant: a token Step Functions no longer waits on (TaskTimedOut, InvalidToken, TaskDoesNotExist) is
// 'expired'; any other failure is an InfrastructureError with its cause (the caller may retry).
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ApprovalDelivery, ApprovalOutput, BreakerApprovals } from '../../shared/ports/breaker-approvals';
import { InfrastructureError } from '../../shared/errors/errors';

/** Matched by name: a client bundled twice would not share the classes. */
const EXPIRED = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);
/** SendTaskFailure limits: error 256 characters, cause 32768. */
const ERROR_MAX = 256;
const CAUSE_MAX = 32_768;

export class SfnBreakerApprovals implements BreakerApprovals {
  constructor(private readonly client: SFNClient) {}

  approve(taskToken: string, output: ApprovalOutput): Promise<ApprovalDelivery> {
    return this.send('SendTaskSuccess', () => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  reject(taskToken: string, error: string, cause: string): Promise<ApprovalDelivery> {
    return this.send('SendTaskFailure', () =>
      this.client.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, ERROR_MAX), cause: cause.slice(0, CAUSE_MAX) })),
    );
  }

  private async send(what: string, call: () => Promise<unknown>): Promise<ApprovalDelivery> {
    try {
      await call();
      return 'delivered';
    } catch (error) {
      if (EXPIRED.has((error as { name?: string } | null)?.name ?? '')) return 'expired';
      throw new InfrastructureError(`Step Functions ${what} (breaker approval) failed`, 'sfn', { cause: error });
    }
  }
}
