// Local BreakerApprovals: answers the LocalBreaker execution waiting on a task token, as SendTaskSuccess /
// SendTaskFailure answer Step Functions. Invariant: a token no execution waits on right now is 'expired'.
import type { ApprovalDelivery, ApprovalOutput, BreakerApprovals } from '../shared/ports/breaker-approvals';
import type { LocalBreaker } from './local-breaker';

export class LocalBreakerApprovals implements BreakerApprovals {
  constructor(private readonly breaker: LocalBreaker) {}

  async approve(taskToken: string, output: ApprovalOutput): Promise<ApprovalDelivery> {
    return this.breaker.sendTaskSuccess(taskToken, output);
  }

  async reject(taskToken: string, error: string, cause: string): Promise<ApprovalDelivery> {
    return this.breaker.sendTaskFailure(taskToken, error, cause);
  }
}
