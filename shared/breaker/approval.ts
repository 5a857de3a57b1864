// A person approves or rejects the breaker's return to ACTIVE (the execution waiting at AwaitApproval).
// Invariants: the pending approval is taken (removed, with the decision's audit entry) before its token is
// sent, so one approval is sent once; approving needs trading REDUCING and a person other than those who
// stopped and released the account (four eyes); rejecting only keeps trading halted, so anyone may.
import { auditEntry } from '../audit/audit-entry';
import { parseOrThrow } from '../errors/zod-issues';
import { utcNow } from '../time/utc';
import { KillSwitchRequestSchema } from '../kill-switch/kill-switch';
import { APPROVAL_REJECTED_ERROR, type ApprovalDelivery, type BreakerApprovals } from '../ports/breaker-approvals';
import type { Clock } from '../ports/clock';
import type { BreakerStore } from '../ports/breaker-store';
import type { TradingStateStore } from '../ports/trading-state-store';

/** `{ account, principal, reason, requestId }`, validated as the kill switch's requests are. */
export const BreakerDecisionRequestSchema = KillSwitchRequestSchema;

export const APPROVAL_REFUSALS = ['NO_PENDING_APPROVAL', 'APPROVAL_EXPIRED', 'STATE_NOT_REDUCING', 'SAME_PRINCIPAL'] as const;
export type ApprovalRefusal = (typeof APPROVAL_REFUSALS)[number];

export type BreakerDecisionResult =
  | { outcome: 'refused'; account: string; reason: ApprovalRefusal; message: string }
  | { outcome: 'approved' | 'rejected'; account: string; breachId: string; decidedBy: string };

export interface BreakerApprovalDeps {
  breakerStore: Pick<BreakerStore, 'getBreakerExecution' | 'takeBreakerApproval' | 'restoreBreakerApproval'>;
  tradingStateStore: Pick<TradingStateStore, 'getTradingState'>;
  approvals: BreakerApprovals;
  clock: Clock;
}

type Decision = 'approve' | 'reject';

const refuse = (account: string, reason: ApprovalRefusal, message: string): BreakerDecisionResult => ({ outcome: 'refused', account, reason, message });

const decide = async (deps: BreakerApprovalDeps, input: unknown, decision: Decision): Promise<BreakerDecisionResult> => {
  const { account, principal, reason, requestId } = parseOrThrow(BreakerDecisionRequestSchema, input);
  const at = utcNow(deps.clock.now());

  const pending = (await deps.breakerStore.getBreakerExecution(account))?.approval;
  if (!pending) return refuse(account, 'NO_PENDING_APPROVAL', `no breaker execution of ${account} is waiting for approval`);

  if (decision === 'approve') {
    // Read right before the decision: approving only ever lets REDUCING become ACTIVE.
    const state = await deps.tradingStateStore.getTradingState(account);
    if (state !== 'REDUCING') return refuse(account, 'STATE_NOT_REDUCING', `trading state of ${account} is ${state ?? 'missing'}, not REDUCING`);
    if (pending.excludedApprovers.includes(principal)) {
      return refuse(account, 'SAME_PRINCIPAL', `${principal} stopped or released this account: a different person must approve its return to ACTIVE`);
    }
  }

  // The decision is recorded as it consumes the approval: a racing second decision finds it gone.
  const audit = auditEntry({
    account,
    occurredAt: at,
    kind: decision === 'approve' ? 'BREAKER_APPROVED' : 'BREAKER_REJECTED',
    actor: principal,
    correlationId: pending.breachId,
    causationId: requestId,
    discriminator: requestId,
    detail: { reason, requestId, requestedAt: pending.requestedAt },
  });
  if ((await deps.breakerStore.takeBreakerApproval(account, pending.taskToken, audit)) === 'gone') {
    return refuse(account, 'NO_PENDING_APPROVAL', `the approval of ${pending.breachId} was decided meanwhile or the execution moved on`);
  }

  let delivery: ApprovalDelivery;
  try {
    delivery =
      decision === 'approve'
        ? await deps.approvals.approve(pending.taskToken, { approvedBy: principal, reason, requestId, at })
        : await deps.approvals.reject(pending.taskToken, APPROVAL_REJECTED_ERROR, `rejected by ${principal}: ${reason}`);
  } catch (error) {
    // Not known to have arrived: the approval goes back (if the execution still waits) so a person can retry.
    // A token that did arrive makes that retry 'expired', never a second effect.
    await deps.breakerStore.restoreBreakerApproval(pending).catch(() => undefined);
    throw error;
  }
  if (delivery === 'expired') {
    return refuse(account, 'APPROVAL_EXPIRED', `the execution ${pending.breachId} no longer waits for this approval (timed out or ended); trading stays halted`);
  }
  return { outcome: decision === 'approve' ? 'approved' : 'rejected', account, breachId: pending.breachId, decidedBy: principal };
};

/** SendTaskSuccess for the account's pending approval: the execution moves REDUCING → ACTIVE. */
export const approveRecovery = (deps: BreakerApprovalDeps, input: unknown): Promise<BreakerDecisionResult> => decide(deps, input, 'approve');

/** SendTaskFailure (Breaker.ApprovalRejected): the execution leaves trading HALTED and pages why. */
export const rejectRecovery = (deps: BreakerApprovalDeps, input: unknown): Promise<BreakerDecisionResult> => decide(deps, input, 'reject');
