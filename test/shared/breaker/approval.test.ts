// Specification of the approval decision on DynamoDB Local with a recording BreakerApprovals: who may
// approve (four eyes), when a decision is refused and with which code, that a pending approval is sent
// once, and that every decision is audited.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { approveRecovery, rejectRecovery } from '../../../shared/breaker/approval';
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import type { ApprovalDelivery, ApprovalOutput, BreakerApprovals } from '../../../shared/ports/breaker-approvals';
import type { TradingState } from '../../../shared/trading-state/trading-state';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, scanAll } from '../../support/fixtures';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:iam::123456789012:user/bob';
const CAROL = 'arn:aws:iam::123456789012:user/carol';
const BREACH = 'RELEASE.acct-1.20261123T151000Z';
const TOKEN = 'token-1';

class RecordingApprovals implements BreakerApprovals {
  readonly sent: { kind: 'approve' | 'reject'; taskToken: string; output?: ApprovalOutput; error?: string; cause?: string }[] = [];
  answer: ApprovalDelivery | Error = 'delivered';
  async approve(taskToken: string, output: ApprovalOutput): Promise<ApprovalDelivery> {
    this.sent.push({ kind: 'approve', taskToken, output });
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
  async reject(taskToken: string, error: string, cause: string): Promise<ApprovalDelivery> {
    this.sent.push({ kind: 'reject', taskToken, error, cause });
    if (this.answer instanceof Error) throw this.answer;
    return this.answer;
  }
}

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let seeder: TableSeeder;
let approvals: RecordingApprovals;
const clock = new ManualClock(Date.parse('2026-11-23T15:30:00.000Z'));

const deps = () => ({ ...stores, approvals, clock });
const request = (principal: string, over: Record<string, unknown> = {}) => ({ account: ACCOUNT, principal, reason: 'checks are fine', requestId: `req-${principal.slice(-5)}`, ...over });

/** An execution of the release's recovery waiting at AwaitApproval, trading REDUCING. */
const awaitingApproval = async (state: TradingState = 'REDUCING'): Promise<void> => {
  await seeder.putTradingState(ACCOUNT, state, 'breaker', '2026-11-23T15:20:00.000Z');
  const detectedAtMs = Date.parse('2026-11-23T15:10:00.000Z');
  await stores.breakerStore.recordBreakerStage({ account: ACCOUNT, breachId: BREACH, kind: 'RELEASE', stage: 'REDUCING', since: '2026-11-23T15:15:00.000Z', detectedAtMs }, true);
  await stores.breakerStore.recordBreakerApproval(
    { account: ACCOUNT, breachId: BREACH, taskToken: TOKEN, requestedAt: '2026-11-23T15:20:00.000Z', excludedApprovers: ['breaker', ALICE, BOB] },
    { account: ACCOUNT, breachId: BREACH, kind: 'RELEASE', since: '2026-11-23T15:20:00.000Z', detectedAtMs },
  );
};

const audits = async (kind: string) => (await scanAll(client, tableName)).filter((i) => (i.kind as { S?: string } | undefined)?.S === kind);

beforeEach(async () => {
  ({ client, tableName, stores, seeder } = await freshStores());
  approvals = new RecordingApprovals();
});

describe('approving the breaker’s return to ACTIVE', () => {
  it('sends the approval once for the pending token, with who approved, why and when, and audits it against the execution', async () => {
    await awaitingApproval();
    await expect(approveRecovery(deps(), request(CAROL))).resolves.toEqual({ outcome: 'approved', account: ACCOUNT, breachId: BREACH, decidedBy: CAROL });
    expect(approvals.sent).toEqual([
      { kind: 'approve', taskToken: TOKEN, output: { approvedBy: CAROL, reason: 'checks are fine', requestId: 'req-carol', at: '2026-11-23T15:30:00.000Z' } },
    ]);
    expect((await stores.breakerStore.getBreakerExecution(ACCOUNT))?.approval).toBeUndefined();
    expect(await audits('BREAKER_APPROVED')).toEqual([expect.objectContaining({ actor: { S: CAROL }, correlationId: { S: BREACH }, causationId: { S: 'req-carol' } })]);
  });

  it('refuses with NO_PENDING_APPROVAL when no execution waits, sending nothing', async () => {
    await expect(approveRecovery(deps(), request(CAROL))).resolves.toMatchObject({ outcome: 'refused', reason: 'NO_PENDING_APPROVAL' });
    expect(approvals.sent).toEqual([]);
  });

  it('refuses a second approval of the same pending approval (NO_PENDING_APPROVAL): the token is sent once', async () => {
    await awaitingApproval();
    await approveRecovery(deps(), request(CAROL));
    await expect(approveRecovery(deps(), request(CAROL, { requestId: 'req-again' }))).resolves.toMatchObject({ outcome: 'refused', reason: 'NO_PENDING_APPROVAL' });
    expect(approvals.sent).toHaveLength(1);
  });

  it('sends one of two racing approvals and refuses the other', async () => {
    await awaitingApproval();
    const results = await Promise.all([approveRecovery(deps(), request(CAROL, { requestId: 'r-1' })), approveRecovery(deps(), request(CAROL, { requestId: 'r-2' }))]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['approved', 'refused']);
    expect(approvals.sent).toHaveLength(1);
  });

  it('refuses with STATE_NOT_REDUCING when trading is no longer REDUCING (someone killed or halted it meanwhile), keeping the approval pending', async () => {
    await awaitingApproval('KILLED');
    await expect(approveRecovery(deps(), request(CAROL))).resolves.toMatchObject({ outcome: 'refused', reason: 'STATE_NOT_REDUCING' });
    expect(approvals.sent).toEqual([]);
    expect((await stores.breakerStore.getBreakerExecution(ACCOUNT))?.approval?.taskToken).toBe(TOKEN);
  });

  it('refuses with SAME_PRINCIPAL the person who activated the kill switch and the person who released it', async () => {
    await awaitingApproval();
    await expect(approveRecovery(deps(), request(ALICE))).resolves.toMatchObject({ outcome: 'refused', reason: 'SAME_PRINCIPAL' });
    await expect(approveRecovery(deps(), request(BOB))).resolves.toMatchObject({ outcome: 'refused', reason: 'SAME_PRINCIPAL' });
    expect(approvals.sent).toEqual([]);
    expect(await audits('BREAKER_APPROVED')).toEqual([]);
  });

  it('refuses with APPROVAL_EXPIRED when Step Functions no longer waits on the token, and clears the pending approval', async () => {
    await awaitingApproval();
    approvals.answer = 'expired';
    await expect(approveRecovery(deps(), request(CAROL))).resolves.toMatchObject({ outcome: 'refused', reason: 'APPROVAL_EXPIRED' });
    expect((await stores.breakerStore.getBreakerExecution(ACCOUNT))?.approval).toBeUndefined();
  });

  it('puts the approval back when sending it failed, so a person can try again', async () => {
    await awaitingApproval();
    approvals.answer = new InfrastructureError('SendTaskSuccess throttled', 'sfn');
    await expect(approveRecovery(deps(), request(CAROL))).rejects.toBeInstanceOf(InfrastructureError);
    expect((await stores.breakerStore.getBreakerExecution(ACCOUNT))?.approval?.taskToken).toBe(TOKEN);

    approvals.answer = 'delivered';
    await expect(approveRecovery(deps(), request(CAROL, { requestId: 'req-retry' }))).resolves.toMatchObject({ outcome: 'approved' });
  });

  it('refuses bad input, naming the field, and sends nothing', async () => {
    await awaitingApproval();
    const error = await approveRecovery(deps(), request(CAROL, { reason: ' ' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0]?.path).toBe('reason');
    expect(approvals.sent).toEqual([]);
  });
});

describe('rejecting the breaker’s return to ACTIVE', () => {
  it('sends Breaker.ApprovalRejected with who rejected and why, and audits it', async () => {
    await awaitingApproval();
    await expect(rejectRecovery(deps(), request(CAROL, { reason: 'not yet' }))).resolves.toMatchObject({ outcome: 'rejected', breachId: BREACH });
    expect(approvals.sent).toEqual([{ kind: 'reject', taskToken: TOKEN, error: 'Breaker.ApprovalRejected', cause: `rejected by ${CAROL}: not yet` }]);
    expect(await audits('BREAKER_REJECTED')).toHaveLength(1);
  });

  it('may be done by anyone, including whoever stopped or released the account, in any state: it only keeps trading halted', async () => {
    await awaitingApproval('HALTED');
    await expect(rejectRecovery(deps(), request(ALICE))).resolves.toMatchObject({ outcome: 'rejected' });
  });

  it('refuses with NO_PENDING_APPROVAL when no execution waits', async () => {
    await expect(rejectRecovery(deps(), request(CAROL))).resolves.toMatchObject({ outcome: 'refused', reason: 'NO_PENDING_APPROVAL' });
  });
});
