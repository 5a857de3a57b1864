// The port that answers a breaker execution waiting at AwaitApproval: Step Functions' SendTaskSuccess /
// SendTaskFailure in AWS, LocalBreaker locally. Invariant: a token the engine no longer waits on (timed out,
// invalid, its execution gone) is 'expired', a refusal; any other failure throws an InfrastructureError.

/** What SendTaskSuccess hands the execution (it lands in `$.approval`). */
export interface ApprovalOutput {
  approvedBy: string;
  reason: string;
  requestId: string;
  /** ISO-8601. */
  at: string;
}

export type ApprovalDelivery = 'delivered' | 'expired';

/** The error name the ASL's AwaitApproval catches as a rejection (→ StayHalted). */
export const APPROVAL_REJECTED_ERROR = 'Breaker.ApprovalRejected';

export interface BreakerApprovals {
  approve(taskToken: string, output: ApprovalOutput): Promise<ApprovalDelivery>;
  reject(taskToken: string, error: string, cause: string): Promise<ApprovalDelivery>;
}
