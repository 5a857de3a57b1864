// The kill gate against DynamoDB Local: the claim for submission commits only while the account can trade,
// in the same transaction as the order's update, and keeps the lease semantics (takeover, IN_FLIGHT re-send).
import fc from 'fast-check';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { ClaimResult } from '../../../shared/ports/order-store';
import type { TradingState } from '../../../shared/trading-state/trading-state';
import { recordApproval } from '../../support/approvals';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT } from '../../support/fixtures';

let stores: TradingStores;
let seeder: TableSeeder;
const NOW = Date.parse('2026-11-23T15:00:01.000Z');
const LEASE_MS = 10_000;

beforeEach(async () => {
  ({ stores, seeder } = await freshStores());
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T15:00:00.000Z');
});

const claim = (intentId: string, over: { owner?: string; now?: number; alsoFrom?: ['IN_FLIGHT'] } = {}): Promise<ClaimResult> =>
  stores.orderStore.claimForSubmission(ACCOUNT, intentId, over.owner ?? 'w-1', over.now ?? NOW, LEASE_MS, over.alsoFrom ?? []);

const setState = (state: TradingState) => seeder.putTradingState(ACCOUNT, state, 'test', '2026-11-23T15:00:00.500Z');

describe('the claim for submission (the kill gate)', () => {
  it('claims a pending order while trading is ACTIVE and records on the order when and under which state it passed the gate', async () => {
    await recordApproval(stores.riskStore, 'g-1');
    const result = await claim('g-1');
    expect(result).toMatchObject({ claimed: true, previousStatus: 'PENDING', tookOverExpiredLease: false, gateState: 'ACTIVE', gatePassedAt: NOW });
    expect(await stores.orderStore.getOrder(ACCOUNT, 'g-1')).toMatchObject({
      status: 'SUBMITTED',
      leaseOwner: 'w-1',
      leaseUntil: NOW + LEASE_MS,
      gatePassedAt: NOW,
      gateState: 'ACTIVE',
      version: 2,
    });
  });

  it.each(['WARNING', 'REDUCING'] as const)('passes the gate in %s, and says so (REDUCING keeps its reduce-only check)', async (state) => {
    await recordApproval(stores.riskStore, 'g-2');
    await setState(state);
    await expect(claim('g-2')).resolves.toMatchObject({ claimed: true, gateState: state });
  });

  it.each(['HALTED', 'KILLED'] as const)('refuses the claim while trading is %s and writes nothing', async (state) => {
    await recordApproval(stores.riskStore, 'g-3');
    await setState(state);
    const result = await claim('g-3');
    expect(result).toMatchObject({ claimed: false, tradingStopped: { state }, order: { status: 'PENDING', version: 1 } });
    const stored = await stores.orderStore.getOrder(ACCOUNT, 'g-3');
    expect(stored).toMatchObject({ status: 'PENDING', version: 1 });
    expect(stored?.leaseOwner).toBeUndefined();
    expect(stored?.gatePassedAt).toBeUndefined();
  });

  it('refuses the claim when the account has no trading state at all (fail closed)', async () => {
    const { stores: bare } = await freshStores();
    await recordApproval(bare.riskStore, 'g-4');
    const result = await bare.orderStore.claimForSubmission(ACCOUNT, 'g-4', 'w-1', NOW, LEASE_MS);
    expect(result).toMatchObject({ claimed: false, tradingStopped: { state: undefined }, order: { status: 'PENDING' } });
  });

  it('takes over an expired lease while trading is ACTIVE, and not a live one', async () => {
    await recordApproval(stores.riskStore, 'g-5');
    await claim('g-5', { owner: 'w-dead' });
    const live = await claim('g-5', { owner: 'w-2', now: NOW + LEASE_MS });
    expect(live).toMatchObject({ claimed: false, order: { status: 'SUBMITTED', leaseOwner: 'w-dead' } });
    expect(live.claimed === false && live.tradingStopped).toBeFalsy();
    await expect(claim('g-5', { owner: 'w-2', now: NOW + LEASE_MS + 1 })).resolves.toMatchObject({ claimed: true, tookOverExpiredLease: true, previousStatus: 'SUBMITTED' });
  });

  it('refuses a takeover of an expired lease once trading is KILLED, handing back the order for the caller to settle', async () => {
    await recordApproval(stores.riskStore, 'g-6');
    await claim('g-6', { owner: 'w-dead' });
    await setState('KILLED');
    await expect(claim('g-6', { owner: 'w-2', now: NOW + LEASE_MS + 1 })).resolves.toMatchObject({
      claimed: false,
      tradingStopped: { state: 'KILLED' },
      order: { status: 'SUBMITTED', leaseOwner: 'w-dead' },
    });
  });

  it('reports an order it could not claim anyway (settled, or IN_FLIGHT without asking for it) as before, whatever the state', async () => {
    await recordApproval(stores.riskStore, 'g-7');
    const first = await claim('g-7');
    if (!first.claimed) throw new Error('claim expected');
    await stores.orderStore.recordOrderUpdate({
      account: ACCOUNT,
      intentId: 'g-7',
      expectedVersion: first.order.version ?? 0,
      leaseOwner: 'w-1',
      set: { status: 'IN_FLIGHT', inFlightSince: '2026-11-23T15:00:01.000Z', updatedAt: '2026-11-23T15:00:01.000Z' },
      releaseLease: true,
      fills: [],
      cashDelta: '0',
      openOrdersDelta: 0,
      audit: [],
    });
    await setState('KILLED');
    const plain = await claim('g-7', { owner: 'w-2' });
    expect(plain).toMatchObject({ claimed: false, order: { status: 'IN_FLIGHT' } });
    expect(plain.claimed === false && plain.tradingStopped).toBeFalsy();
    // Asked to re-send an IN_FLIGHT order, the gate refuses it: the broker must not get it while KILLED.
    await expect(claim('g-7', { owner: 'w-2', alsoFrom: ['IN_FLIGHT'] })).resolves.toMatchObject({ claimed: false, tradingStopped: { state: 'KILLED' } });
    await setState('ACTIVE');
    await expect(claim('g-7', { owner: 'w-2', alsoFrom: ['IN_FLIGHT'] })).resolves.toMatchObject({ claimed: true, previousStatus: 'IN_FLIGHT', gateState: 'ACTIVE' });
  });

  it('lets no claim commit after a racing kill is durable: claims sent after it are refused, and the set claimed when it returned never grows', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 12, maxLength: 12 }), fc.integer({ min: 0, max: 30 }), async (claimDelays, killDelay) => {
        round++;
        await setState('ACTIVE');
        const ids = claimDelays.map((_, i) => `race-${round}-${i}`);
        for (const id of ids) await recordApproval(stores.riskStore, id);
        let killDurableAt = Number.POSITIVE_INFINITY;
        let claimedWhenKillReturned: string[] = [];
        const kill = (async () => {
          await sleep(killDelay);
          const outcome = await stores.tradingStateStore.changeTradingState({
            account: ACCOUNT,
            from: [],
            to: 'KILLED',
            actor: 'alice',
            reason: 'drill',
            correlationId: `kill-${round}`,
            at: new Date().toISOString(),
          });
          killDurableAt = performance.now();
          expect(outcome.outcome).toBe('changed');
          claimedWhenKillReturned = (await stores.orderStore.listOrders(ACCOUNT, ['SUBMITTED'])).map((o) => o.intent.intentId).filter((id) => ids.includes(id));
        })();
        const claims = ids.map(async (id, i) => {
          await sleep(claimDelays[i] ?? 0);
          const sentAt = performance.now();
          return { id, sentAt, result: await claim(id, { owner: `w-${i}`, now: Date.now() }) };
        });
        const [outcomes] = await Promise.all([Promise.all(claims), kill]);
        for (const { sentAt, result } of outcomes) {
          if (sentAt > killDurableAt) expect(result).toMatchObject({ claimed: false, tradingStopped: { state: 'KILLED' } });
          if (!result.claimed) expect(result.tradingStopped?.state).toBe('KILLED');
        }
        const claimedAtEnd = outcomes.filter((o) => o.result.claimed).map((o) => o.id);
        expect(new Set(claimedAtEnd)).toEqual(new Set(claimedWhenKillReturned));
      }),
      { numRuns: 12, seed: 1515 },
    );
  });
});
