// The kill switch against DynamoDB Local, the real cancel-all over the simulated broker, a recording control
// plane and pager: KILLED first and durably with its record, then the page, the hard stop and the cancels;
// release only by another person after a clean reconciliation, and then to HALTED, with the record released in
// the same write and recovery handed to the breaker.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { auditEntry } from '../../../shared/audit/audit-entry';
import type { RecoveryStart } from '../../../shared/kill-switch/release-trip';
import { InvalidInputError } from '../../../shared/errors/errors';
import { activateKillSwitch, CANCEL_GRACE_MS, killSwitchStatus, releaseKillSwitch, type KillSwitchDeps } from '../../../shared/kill-switch/kill-switch';
import { recordApproval } from '../../support/approvals';
import type { ReconciliationRecord } from '../../../shared/ports/reconciliation-store';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import type { OrderServiceDeps } from '../../../shared/order-service/context';
import { processApprovedOrder } from '../../../shared/order-service/submission';
import { cancelAllOrders, type CancelAllOptions } from '../../../shared/order-service/cancellation';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, RecordingBus, RecordingPager, scanAll } from '../../support/fixtures';
import { RecordingControlPlane } from '../../support/recording-control-plane';

const ALICE = 'arn:aws:iam::123456789012:user/alice';
const BOB = 'arn:aws:iam::123456789012:user/bob';

let client: DynamoDBClient;
let tableName: string;
let stores: TradingStores;
let seeder: TableSeeder;
let clock: ManualClock;
let broker: SimulatedBroker;
let pager: RecordingPager;
let controlPlane: RecordingControlPlane;
let recoveries: RecoveryStart[];
let cancelFails: boolean;
/** What the kill switch did, in order, across the pager, the control plane and the cancels. */
let sequence: string[];
let cancelOptions: (CancelAllOptions | undefined)[];

const orderDeps = (): OrderServiceDeps => ({ ...stores, broker, bus: new RecordingBus(), clock, telemetry: new InMemoryTelemetry(), workerId: 'w-1', leaseMs: 10_000 });

const deps = (): KillSwitchDeps => ({
  ...stores,
  controlPlane: {
    stopOrderIntake: async (reason) => {
      sequence.push('stop-intake');
      await controlPlane.stopOrderIntake(reason);
    },
    resumeOrderIntake: () => controlPlane.resumeOrderIntake(),
    intakeStatus: () => controlPlane.intakeStatus(),
  },
  pager: {
    page: async (page) => {
      sequence.push('page');
      await pager.page(page);
    },
  },
  clock,
  cancelAll: async (account, requestedBy, requestId, reason, options) => {
    sequence.push('cancel-orders');
    cancelOptions.push(options);
    if (cancelFails) throw new Error('broker unreachable');
    return cancelAllOrders(orderDeps(), { account, requestedBy, requestId, ...(reason ? { reason } : {}) }, options);
  },
  startRecovery: async (release) => void recoveries.push(release),
});

const kill = (over: Record<string, unknown> = {}) => activateKillSwitch(deps(), { account: ACCOUNT, principal: ALICE, reason: 'runaway strategy', requestId: 'req-kill-1', ...over });
const release = (over: Record<string, unknown> = {}) => releaseKillSwitch(deps(), { account: ACCOUNT, principal: BOB, reason: 'root cause fixed', requestId: 'req-release-1', ...over });

const reconciled = async (status: ReconciliationRecord['status'], completedAt = '2026-11-23T15:05:00.000Z') => {
  const record: ReconciliationRecord = { account: ACCOUNT, runId: `run-${completedAt}`, status, completedAt, breaks: [] };
  await stores.reconciliationStore.recordReconciliation(
    record,
    auditEntry({ account: ACCOUNT, occurredAt: completedAt, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: record.runId, causationId: 'test', detail: {} }),
  );
};

beforeEach(async () => {
  ({ client, tableName, stores, seeder } = await freshStores());
  clock = new ManualClock();
  broker = new SimulatedBroker({ priceOf: () => '100', clock, seed: 5 });
  pager = new RecordingPager();
  controlPlane = new RecordingControlPlane();
  recoveries = [];
  cancelFails = false;
  sequence = [];
  cancelOptions = [];
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
  await seeder.putMark('AAPL', '100', '2026-11-23T14:59:59.000Z');
  await seeder.depositCash(ACCOUNT, '1000000', '2026-11-23T14:00:00.000Z');
});

describe('kill switch activation', () => {
  it('stores KILLED durably with its record, then pages, stops intake and cancels open orders, in that order', async () => {
    await recordApproval(stores.riskStore, 'open-1');
    const result = await kill();
    expect(result).toMatchObject({ state: 'KILLED', alreadyKilled: false, activatedBy: ALICE, inTransit: [], complete: true });
    expect(result.steps.map((s) => [s.step, s.status])).toEqual([
      ['state', 'done'],
      ['page', 'done'],
      ['stop-intake', 'done'],
      ['cancel-orders', 'done'],
    ]);
    expect(sequence).toEqual(['page', 'stop-intake', 'cancel-orders']);
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: ALICE, reason: 'runaway strategy', requestId: 'req-kill-1' });
    expect(controlPlane.calls).toEqual(['stop:runaway strategy']);
    expect(await stores.orderStore.getOrder(ACCOUNT, 'open-1')).toMatchObject({ status: 'CANCELED' });
    expect(pager.pages).toEqual([expect.objectContaining({ severity: 'critical', account: ACCOUNT, correlationId: 'req-kill-1' })]);
  });

  it('pages before the hard stop and the cancels even when those would hang: the page does not wait on them', async () => {
    let stopStarted = false;
    const hanging: KillSwitchDeps = {
      ...deps(),
      controlPlane: { ...deps().controlPlane, stopOrderIntake: async () => { stopStarted = true; await new Promise(() => undefined); } },
    };
    void activateKillSwitch(hanging, { account: ACCOUNT, principal: ALICE, reason: 'runaway strategy', requestId: 'req-kill-h' });
    await vi.waitFor(() => expect(stopStarted).toBe(true));
    expect(pager.pages).toEqual([expect.objectContaining({ subject: expect.stringContaining('KILLED') })]);
  });

  it('stores that the page was sent on the activation record', async () => {
    await kill();
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ requestId: 'req-kill-1', pagedAt: new Date(clock.now()).toISOString() });
  });

  it('a retried activation pages when the first attempt’s page was not sent, and then stores it', async () => {
    pager.failing = true;
    const first = await kill();
    expect(first.steps.find((s) => s.step === 'page')).toMatchObject({ status: 'failed' });
    expect((await stores.tradingStateStore.getKillSwitch(ACCOUNT))?.pagedAt).toBeUndefined();

    pager.failing = false;
    clock.advance(5_000);
    const retry = await kill({ requestId: 'req-kill-retry' });
    expect(retry).toMatchObject({ alreadyKilled: true, activatedBy: ALICE, complete: true });
    expect(retry.steps.find((s) => s.step === 'page')).toMatchObject({ status: 'done' });
    expect(pager.pages).toHaveLength(1);
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ requestId: 'req-kill-1', pagedAt: new Date(clock.now()).toISOString() });

    const third = await kill({ requestId: 'req-kill-3' });
    expect(third.steps.find((s) => s.step === 'page')).toMatchObject({ status: 'skipped' });
    expect(pager.pages).toHaveLength(1);
  });

  it('lists the orders past the gate when the stop landed (claimed without a broker id) in the answer and the page', async () => {
    await recordApproval(stores.riskStore, 'claimed-1');
    await stores.orderStore.claimForSubmission(ACCOUNT, 'claimed-1', 'worker-9', clock.now(), 10_000);
    await recordApproval(stores.riskStore, 'queued-3');
    const result = await kill();
    expect(result.inTransit).toEqual(['claimed-1']);
    expect(result.steps.find((s) => s.step === 'cancel-orders')).toMatchObject({ status: 'incomplete', detail: expect.stringContaining('claimed-1') });
    expect(pager.pages[0]?.message).toMatch(/orders in transit at the stop: claimed-1/);
  });

  it('starts no per-order cancel at or after the deadline it is given, and says which orders it did not reach', async () => {
    await recordApproval(stores.riskStore, 'late-1');
    const result = await activateKillSwitch(deps(), { account: ACCOUNT, principal: ALICE, reason: 'runaway strategy', requestId: 'req-kill-d' }, { cancelDeadlineMs: clock.now() });
    expect(cancelOptions).toEqual([{ deadlineMs: clock.now() }]);
    expect(result.steps.find((s) => s.step === 'cancel-orders')).toMatchObject({ status: 'incomplete', detail: expect.stringContaining('not reached before the deadline 1 (late-1)') });
    expect(await stores.orderStore.getOrder(ACCOUNT, 'late-1')).toMatchObject({ status: 'PENDING' });
    expect(result).toMatchObject({ state: 'KILLED', complete: false });
  });

  it('answers within its deadline when the cancel-all itself hangs, reporting the cancels incomplete', async () => {
    const hanging: KillSwitchDeps = { ...deps(), cancelAll: () => new Promise(() => undefined) };
    const result = await activateKillSwitch(hanging, { account: ACCOUNT, principal: ALICE, reason: 'runaway strategy', requestId: 'req-kill-x' }, { cancelDeadlineMs: clock.now() - CANCEL_GRACE_MS + 20 });
    expect(result.steps.find((s) => s.step === 'cancel-orders')).toMatchObject({ status: 'incomplete', detail: expect.stringContaining('still running at the deadline') });
    expect(pager.pages).toHaveLength(1);
  });

  it('audits the state change with the principal as the actor and the request id as the correlation', async () => {
    await kill();
    const audits = (await scanAll(client, tableName)).filter((i) => (i.kind as { S?: string } | undefined)?.S === 'TRADING_STATE_CHANGED');
    expect(audits).toEqual([expect.objectContaining({ actor: { S: ALICE }, correlationId: { S: 'req-kill-1' } })]);
  });

  it('is idempotent: a repeated activation reports already killed, keeps the first activator and pages nobody again', async () => {
    await kill();
    const again = await kill({ principal: BOB, requestId: 'req-kill-2' });
    expect(again).toMatchObject({ state: 'KILLED', alreadyKilled: true, activatedBy: ALICE, complete: true });
    expect(again.steps.find((s) => s.step === 'page')).toMatchObject({ status: 'skipped' });
    expect(pager.pages).toHaveLength(1);
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: ALICE });
  });

  it('kills from any state, including HALTED set by the breaker', async () => {
    await seeder.putTradingState(ACCOUNT, 'HALTED', 'breaker', '2026-11-23T14:30:00.000Z');
    await expect(kill()).resolves.toMatchObject({ state: 'KILLED', alreadyKilled: false });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('keeps KILLED and reports the failed steps when the hard stop and the cancels fail, never calling them done', async () => {
    controlPlane.failing = true;
    cancelFails = true;
    const result = await kill();
    expect(result).toMatchObject({ state: 'KILLED', complete: false });
    expect(result.steps.filter((s) => s.status === 'failed').map((s) => s.step)).toEqual(['stop-intake', 'cancel-orders']);
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(pager.pages[0]?.message).toMatch(/state: done/);
  });

  it('reports a failed page without undoing anything', async () => {
    pager.failing = true;
    const result = await kill();
    expect(result).toMatchObject({ state: 'KILLED', complete: false });
    expect(result.steps.find((s) => s.step === 'page')).toMatchObject({ status: 'failed', detail: 'pager unavailable' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('rejects a missing reason or a too-short principal before writing anything', async () => {
    const before = await scanAll(client, tableName);
    await expect(kill({ reason: '   ' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(kill({ principal: 'al' })).rejects.toThrow(/principal/);
    expect(await scanAll(client, tableName)).toEqual(before);
    expect(controlPlane.calls).toEqual([]);
  });

  it('leaves no broker submission for an approved order queued before activation (cancelled by the kill)', async () => {
    const queued = await recordApproval(stores.riskStore, 'queued-1');
    await kill();
    await expect(processApprovedOrder(orderDeps(), queued)).resolves.not.toBe('submitted');
    expect(broker.submittedOrderCount()).toBe(0);
  });

  it('blocks an approved order queued before activation at the order function re-check even when the cancels failed', async () => {
    const queued = await recordApproval(stores.riskStore, 'queued-2');
    cancelFails = true;
    await kill();
    await expect(processApprovedOrder(orderDeps(), queued)).resolves.toBe('blocked');
    expect(await stores.orderStore.getOrder(ACCOUNT, 'queued-2')).toMatchObject({ status: 'BLOCKED', reason: 'TRADING_KILLED' });
    expect(broker.submittedOrderCount()).toBe(0);
  });
});

describe('kill switch release', () => {
  beforeEach(async () => {
    await kill();
    clock.advance(60_000);
  });

  it('refuses the principal who activated it (SAME_PRINCIPAL) and changes nothing', async () => {
    await reconciled('clean');
    await expect(release({ principal: ALICE })).resolves.toMatchObject({ outcome: 'refused', reason: 'SAME_PRINCIPAL' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(recoveries).toEqual([]);
  });

  it('refuses another principal when no reconciliation has run (RECONCILIATION_MISSING)', async () => {
    await expect(release()).resolves.toMatchObject({ outcome: 'refused', reason: 'RECONCILIATION_MISSING' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('refuses another principal when the last reconciliation found breaks (RECONCILIATION_NOT_CLEAN)', async () => {
    await reconciled('breaks');
    await expect(release()).resolves.toMatchObject({ outcome: 'refused', reason: 'RECONCILIATION_NOT_CLEAN' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('refuses a clean reconciliation that ran before the activation (RECONCILIATION_STALE)', async () => {
    await reconciled('clean', '2026-11-23T14:59:00.000Z');
    await expect(release()).resolves.toMatchObject({ outcome: 'refused', reason: 'RECONCILIATION_STALE' });
  });

  it('moves KILLED to HALTED (never ACTIVE), resumes intake and hands recovery to the breaker after a clean reconciliation', async () => {
    await reconciled('clean');
    const result = await release();
    expect(result).toMatchObject({ outcome: 'released', state: 'HALTED', complete: true });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    // The release's time, reason and both people: the recovery execution's name, and who may not approve it.
    expect(recoveries).toEqual([{ account: ACCOUNT, reason: 'root cause fixed', releasedAt: new Date(clock.now()).toISOString(), activatedBy: ALICE, releasedBy: BOB }]);
    expect(controlPlane.calls).toEqual(['stop:runaway strategy', 'resume']);
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: ALICE, release: { releasedBy: BOB, requestId: 'req-release-1' } });
  });

  it('reports start-recovery failed (never done) and stays HALTED when the breaker cannot be started', async () => {
    await reconciled('clean');
    const result = await releaseKillSwitch({ ...deps(), startRecovery: () => Promise.reject(new Error('BREAKER_STATE_MACHINE_ARN is not set')) }, {
      account: ACCOUNT,
      principal: BOB,
      reason: 'root cause fixed',
      requestId: 'req-release-1',
    });
    expect(result).toMatchObject({ outcome: 'released', state: 'HALTED', complete: false });
    expect(result.outcome === 'released' && result.steps.find((s) => s.step === 'start-recovery')).toEqual({ step: 'start-recovery', status: 'failed', detail: 'BREAKER_STATE_MACHINE_ARN is not set' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
  });

  it('hands the breaker the state’s writer as the activator when the breaker set KILLED', async () => {
    await seeder.putTradingState('acct-3', 'KILLED', 'breaker', '2026-11-23T15:00:30.000Z');
    await stores.reconciliationStore.recordReconciliation(
      { account: 'acct-3', runId: 'run-3', status: 'clean', completedAt: '2026-11-23T15:02:00.000Z', breaks: [] },
      auditEntry({ account: 'acct-3', occurredAt: '2026-11-23T15:02:00.000Z', kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-3', causationId: 'test', detail: {} }),
    );
    await release({ account: 'acct-3' });
    expect(recoveries).toEqual([expect.objectContaining({ account: 'acct-3', activatedBy: 'breaker', releasedBy: BOB })]);
  });

  it('refuses a second release once the account is no longer KILLED (NOT_KILLED)', async () => {
    await reconciled('clean');
    await release();
    await expect(release({ requestId: 'req-release-2' })).resolves.toMatchObject({ outcome: 'refused', reason: 'NOT_KILLED' });
    expect(recoveries).toHaveLength(1);
  });

  it('judges a KILLED set by the breaker against the breaker as the activator', async () => {
    await seeder.putTradingState('acct-2', 'KILLED', 'breaker', '2026-11-23T15:00:30.000Z');
    await stores.reconciliationStore.recordReconciliation(
      { account: 'acct-2', runId: 'run-2', status: 'clean', completedAt: '2026-11-23T15:02:00.000Z', breaks: [] },
      auditEntry({ account: 'acct-2', occurredAt: '2026-11-23T15:02:00.000Z', kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-2', causationId: 'test', detail: {} }),
    );
    await expect(release({ account: 'acct-2' })).resolves.toMatchObject({ outcome: 'released', state: 'HALTED' });
  });

  it('refuses a person releasing their own kill after an older release was stored only half (state written, record not)', async () => {
    await reconciled('clean', new Date(clock.now()).toISOString());
    // What a release that failed between its two writes left: HALTED stored, Alice's activation still unreleased.
    await stores.tradingStateStore.changeTradingState({ account: ACCOUNT, from: ['KILLED'], to: 'HALTED', actor: BOB, reason: 'fixed', correlationId: 'req-old-release', at: new Date(clock.now()).toISOString() });
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: ALICE });
    expect((await stores.tradingStateStore.getKillSwitch(ACCOUNT))?.release).toBeUndefined();
    await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'breaker', new Date(clock.now() + 60_000).toISOString());
    clock.advance(120_000);

    // Bob kills; the latest clean reconciliation predates his kill (but not Alice's).
    await kill({ principal: BOB, requestId: 'req-kill-bob' });
    await expect(release({ principal: BOB, requestId: 'req-release-bob' })).resolves.toMatchObject({ outcome: 'refused', reason: 'SAME_PRINCIPAL' });
    await expect(release({ principal: ALICE, requestId: 'req-release-alice' })).resolves.toMatchObject({ outcome: 'refused', reason: 'RECONCILIATION_STALE' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
  });

  it('judges a stale unreleased record that does not explain the stored KILLED by the state’s writer instead', async () => {
    await reconciled('clean', new Date(clock.now()).toISOString());
    // Alice's record stays (as an older version of the code could leave it) while the breaker escalates to KILLED later.
    await seeder.putTradingState(ACCOUNT, 'KILLED', 'breaker', new Date(clock.now() + 1_000).toISOString());
    clock.advance(2_000);
    await expect(release({ principal: ALICE })).resolves.toMatchObject({ outcome: 'refused', reason: 'RECONCILIATION_STALE' });
    await reconciled('clean', new Date(clock.now()).toISOString());
    await expect(release({ principal: ALICE })).resolves.toMatchObject({ outcome: 'released' });
    expect(recoveries).toEqual([expect.objectContaining({ activatedBy: 'breaker', releasedBy: ALICE })]);
  });

  it('writes the state and the record’s release together: when the activation was released meanwhile, nothing is written', async () => {
    await reconciled('clean');
    const killedAt = (await stores.tradingStateStore.getTradingStateRecord(ACCOUNT)).updatedAt ?? '';
    const at = new Date(clock.now()).toISOString();
    const change = { account: ACCOUNT, from: ['KILLED' as const], to: 'HALTED' as const, actor: BOB, reason: 'fixed', at };
    const releaseOf = (requestId: string) => ({ kind: 'release' as const, release: { releasedBy: BOB, reason: 'fixed', at, requestId }, killedAt, activationRequestId: 'req-kill-1' });
    // The record's half of a first release lands; the state's half of a second one must not land without it.
    await expect(stores.tradingStateStore.changeTradingState({ ...change, correlationId: 'req-a' }, releaseOf('req-a'))).resolves.toMatchObject({ outcome: 'changed' });
    await seeder.putTradingState(ACCOUNT, 'KILLED', ALICE, killedAt);
    await expect(stores.tradingStateStore.changeTradingState({ ...change, correlationId: 'req-b' }, releaseOf('req-b'))).resolves.toMatchObject({ outcome: 'refused' });
    expect(await stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ release: { requestId: 'req-a' } });
  });

  it('a new activation after a release names its own activator', async () => {
    await reconciled('clean');
    await release();
    await kill({ principal: BOB, requestId: 'req-kill-3' });
    expect(await stores.tradingStateStore.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: BOB, requestId: 'req-kill-3' });
    expect((await stores.tradingStateStore.getKillSwitch(ACCOUNT))?.release).toBeUndefined();
  });
});

describe('kill switch status', () => {
  it('reports the state, the activation, open orders, valued positions with totals, the last reconciliation and intake', async () => {
    await processApprovedOrder(orderDeps(), await recordApproval(stores.riskStore, 'filled-1'));
    await recordApproval(stores.riskStore, 'open-2', { symbol: 'AAPL', side: 'buy', quantity: '5' });
    await reconciled('clean');
    const status = await killSwitchStatus(deps(), ACCOUNT);
    expect(status).toMatchObject({
      account: ACCOUNT,
      tradingState: 'ACTIVE',
      killSwitch: null,
      intake: 'running',
      openOrders: { count: 1, orders: [{ intentId: 'open-2', symbol: 'AAPL', side: 'buy', quantity: '5', status: 'PENDING' }] },
      positions: [expect.objectContaining({ symbol: 'AAPL', quantity: '10', mark: '100', marketValue: '1000' })],
      totals: expect.objectContaining({ grossExposure: '1000', netExposure: '1000' }),
      unpriced: [],
      lastReconciliation: expect.objectContaining({ status: 'clean' }),
      breaker: null,
    });
  });

  it('shows the breaker’s current execution and whether it waits for approval, never its task token', async () => {
    const write = { account: ACCOUNT, breachId: 'DRAWDOWN.acct-1.x', kind: 'DRAWDOWN', since: '2026-11-23T15:20:00.000Z', detectedAtMs: Date.parse('2026-11-23T14:59:00.000Z') };
    await stores.breakerStore.recordBreakerStage({ ...write, stage: 'REDUCING' }, true);
    await stores.breakerStore.recordBreakerApproval({ account: ACCOUNT, breachId: write.breachId, taskToken: 'secret-token', requestedAt: write.since, excludedApprovers: ['breaker'] }, write);

    const status = await killSwitchStatus(deps(), ACCOUNT);
    expect(status.breaker).toEqual({ breachId: 'DRAWDOWN.acct-1.x', kind: 'DRAWDOWN', stage: 'AWAITING_APPROVAL', since: '2026-11-23T15:20:00.000Z', awaitingApproval: true });
    expect(JSON.stringify(status)).not.toContain('secret-token');
  });
});
