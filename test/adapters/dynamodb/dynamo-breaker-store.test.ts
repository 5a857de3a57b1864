// The breaker's execution record on DynamoDB Local: the newest execution owns the account's record, a
// superseded one writes nothing; the pending approval lives only while its execution waits, and a decision
// takes it once.
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { auditEntry } from '../../../shared/audit/audit-entry';
import type { BreakerStageWrite, BreakerStore, PendingBreakerApproval } from '../../../shared/ports/breaker-store';
import { freshTable } from '../../support/dynamo';
import { ACCOUNT } from '../../support/fixtures';

let store: BreakerStore;

const write = (breachId: string, stage: BreakerStageWrite['stage'], detectedAt = '2026-11-23T14:59:00.000Z'): BreakerStageWrite => ({
  account: ACCOUNT,
  breachId,
  kind: 'DRAWDOWN',
  stage,
  since: '2026-11-23T15:00:00.000Z',
  detectedAtMs: Date.parse(detectedAt),
});

const approval = (breachId: string, taskToken = `token-${breachId}`): PendingBreakerApproval => ({
  account: ACCOUNT,
  breachId,
  taskToken,
  requestedAt: '2026-11-23T15:20:00.000Z',
  excludedApprovers: ['breaker'],
});

const { stage: _stage, ...withoutStage } = write('b-1', 'AWAITING_APPROVAL');
const awaiting = (breachId: string) => ({ ...withoutStage, breachId });

const decision = (requestId: string) =>
  auditEntry({ account: ACCOUNT, occurredAt: '2026-11-23T15:21:00.000Z', kind: 'BREAKER_APPROVED', actor: 'carol', correlationId: 'b-1', causationId: requestId, discriminator: requestId, detail: {} });

beforeEach(async () => {
  const { client, tableName } = await freshTable();
  store = dynamoStores(client, tableName).breakerStore;
});

describe('the breaker execution record', () => {
  it('is absent until an execution writes it, then holds its breach id, kind, stage and since', async () => {
    expect(await store.getBreakerExecution(ACCOUNT)).toBeUndefined();
    await store.recordBreakerStage(write('b-1', 'TRIPPED'), true);
    expect(await store.getBreakerExecution(ACCOUNT)).toEqual({ account: ACCOUNT, breachId: 'b-1', kind: 'DRAWDOWN', stage: 'TRIPPED', since: '2026-11-23T15:00:00.000Z' });
  });

  it('passes to an execution of a later breach when it starts, and the older execution can no longer move it', async () => {
    await store.recordBreakerStage(write('old', 'TRIPPED', '2026-11-23T14:00:00.000Z'), true);
    await expect(store.recordBreakerStage(write('new', 'TRIPPED', '2026-11-23T14:30:00.000Z'), true)).resolves.toBe('recorded');
    await expect(store.recordBreakerStage(write('old', 'STAYED_HALTED', '2026-11-23T14:00:00.000Z'), false)).resolves.toBe('superseded');
    await expect(store.recordBreakerApproval(approval('old'), awaiting('old'))).resolves.toBe('superseded');
    expect(await store.getBreakerExecution(ACCOUNT)).toMatchObject({ breachId: 'new', stage: 'TRIPPED' });
  });

  it('is not claimed by an execution of an earlier breach that starts late', async () => {
    await store.recordBreakerStage(write('new', 'TRIPPED', '2026-11-23T14:30:00.000Z'), true);
    await expect(store.recordBreakerStage(write('late', 'TRIPPED', '2026-11-23T14:00:00.000Z'), true)).resolves.toBe('superseded');
    expect(await store.getBreakerExecution(ACCOUNT)).toMatchObject({ breachId: 'new' });
  });

  it('stores the owner’s approval token with stage AWAITING_APPROVAL, and any later stage drops it', async () => {
    await store.recordBreakerStage(write('b-1', 'REDUCING'), true);
    await expect(store.recordBreakerApproval(approval('b-1'), awaiting('b-1'))).resolves.toBe('recorded');
    expect(await store.getBreakerExecution(ACCOUNT)).toMatchObject({ stage: 'AWAITING_APPROVAL', approval: approval('b-1') });

    await store.recordBreakerStage(write('b-1', 'STAYED_HALTED'), false);
    const record = await store.getBreakerExecution(ACCOUNT);
    expect(record?.stage).toBe('STAYED_HALTED');
    expect(record?.approval).toBeUndefined();
  });

  it('lets one decision take the approval: a second take of the same token finds it gone', async () => {
    await store.recordBreakerApproval(approval('b-1'), awaiting('b-1'));
    await expect(store.takeBreakerApproval(ACCOUNT, 'token-b-1', decision('req-1'))).resolves.toBe('taken');
    await expect(store.takeBreakerApproval(ACCOUNT, 'token-b-1', decision('req-2'))).resolves.toBe('gone');
    expect((await store.getBreakerExecution(ACCOUNT))?.approval).toBeUndefined();
  });

  it('does not take an approval whose token was replaced (the task was retried with a new token)', async () => {
    await store.recordBreakerApproval(approval('b-1', 'first'), awaiting('b-1'));
    await store.recordBreakerApproval(approval('b-1', 'second'), awaiting('b-1'));
    await expect(store.takeBreakerApproval(ACCOUNT, 'first', decision('req-1'))).resolves.toBe('gone');
    expect((await store.getBreakerExecution(ACCOUNT))?.approval?.taskToken).toBe('second');
  });

  it('restores a taken approval only while its execution still waits for it', async () => {
    await store.recordBreakerApproval(approval('b-1'), awaiting('b-1'));
    await store.takeBreakerApproval(ACCOUNT, 'token-b-1', decision('req-1'));
    await expect(store.restoreBreakerApproval(approval('b-1'))).resolves.toBe('restored');
    expect((await store.getBreakerExecution(ACCOUNT))?.approval).toEqual(approval('b-1'));

    await store.takeBreakerApproval(ACCOUNT, 'token-b-1', decision('req-2'));
    await store.recordBreakerStage(write('b-1', 'STAYED_HALTED'), false);
    await expect(store.restoreBreakerApproval(approval('b-1'))).resolves.toBe('moved');
    expect(await store.getBreakerExecution(ACCOUNT)).toMatchObject({ stage: 'STAYED_HALTED' });
  });
});
