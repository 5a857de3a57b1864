// One decider per account against DynamoDB Local: concurrent deliveries of one account's intents are decided
// exactly once each, in batches by whoever holds the account's lease, with every limit as exact as if they had
// come one by one; a parked intent is decided by its own delivery when the lease comes free, and denied
// INTENT_EXPIRED when it waited longer than the intake allows (a decider that died).
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { IntentOutcome } from '../../../shared/risk/risk-service';
import { DECIDER_LEASE_MS } from '../../../shared/risk/risk-service';
import { INTENT_MAX_WAIT_MS } from '../../../shared/risk/decision-batch';
import { INTAKE_PARTITION_PREFIX } from '../../../shared/storage/table-definition';
import { ACCOUNT, intendedEvent, intentFor, scanAll, testLimits } from '../../support/fixtures';
import { drainQueue, pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();

const riskWith = (limits = testLimits(), decided: IntentOutcome[] = []) => pipelineRisk(f, { defaults: limits, onDecided: (outcome) => void decided.push(outcome) });

const rows = async () => (await scanAll(f.client, f.tableName)).map((i) => unmarshall(i as never));
const orders = async () => (await rows()).filter((r) => String(r.sk).startsWith('ORDER#'));
const parkedLeft = async () => (await rows()).filter((r) => String(r.pk).startsWith(INTAKE_PARTITION_PREFIX));
const until = async (done: () => Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('the account decider', () => {
  it('decides each of 20 concurrent intents of one account exactly once and approves exactly up to the open-order limit', async () => {
    const decided: IntentOutcome[] = [];
    const risk = riskWith(testLimits({ maxOpenOrders: 5 }), decided);
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => risk(intendedEvent(intentFor(`c-${i}`, { quantity: String(i + 1) }), ACCOUNT))));

    expect(outcomes.filter((o) => o.outcome === 'queued').length + outcomes.filter((o) => o.outcome !== 'queued').length).toBe(20);
    const stored = await orders();
    expect(stored).toHaveLength(20);
    expect(stored.filter((o) => o.status === 'PENDING')).toHaveLength(5);
    expect(stored.filter((o) => o.status === 'DENIED').map((o) => o.reason)).toEqual(Array(15).fill('OPEN_ORDERS_EXCEEDED'));
    expect(decided.map((o) => o.intentId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c-${i}`).sort());
    const snapshot = await f.stores.riskStore.loadRiskSnapshot(ACCOUNT, 'x', 'none');
    expect(snapshot.openOrders).toBe(5);
    const approvedSize = stored.filter((o) => o.status === 'PENDING').reduce((sum, o) => sum + Number(o.approvedQuantity), 0);
    expect(snapshot.book.positions.AAPL?.inFlightBuy).toBe(String(approvedSize));
    expect(await drainQueue(f)).toHaveLength(5);
    expect(await parkedLeft()).toHaveLength(0);
  });

  it('leaves an intent parked while another holds the lease, and decides it in its own delivery once the lease is released', async () => {
    const decided: IntentOutcome[] = [];
    const risk = riskWith(testLimits(), decided);
    expect(await f.stores.decisionIntake.acquire(ACCOUNT, 'another', f.clock.now(), DECIDER_LEASE_MS)).toBe(true);
    const delivery = risk(intendedEvent(intentFor('p-1'), ACCOUNT));
    await until(async () => (await parkedLeft()).length === 1);
    expect(await orders()).toHaveLength(0);

    await f.stores.decisionIntake.release(ACCOUNT, 'another');
    await expect(delivery).resolves.toMatchObject({ outcome: 'approved', intentId: 'p-1' });
    expect(await parkedLeft()).toHaveLength(0);
    expect(decided).toEqual([expect.objectContaining({ outcome: 'approved', intentId: 'p-1' })]);
  });

  it('denies INTENT_EXPIRED a parked intent whose decider died, once its lease expires, and queues nothing', async () => {
    const risk = riskWith();
    expect(await f.stores.decisionIntake.acquire(ACCOUNT, 'died', f.clock.now(), DECIDER_LEASE_MS)).toBe(true);
    const delivery = risk(intendedEvent(intentFor('e-1'), ACCOUNT));
    await until(async () => (await parkedLeft()).length === 1);
    f.clock.advance(DECIDER_LEASE_MS + 1);

    await expect(delivery).resolves.toMatchObject({ outcome: 'denied', reason: 'INTENT_EXPIRED' });
    expect(DECIDER_LEASE_MS).toBeGreaterThan(INTENT_MAX_WAIT_MS);
    expect(await drainQueue(f)).toHaveLength(0);
  });

  it('decides an intent that waited just the allowed time, and denies one that waited a millisecond longer', async () => {
    for (const [id, waited, outcome, nextQuantity] of [
      ['w-ok', INTENT_MAX_WAIT_MS, 'approved', '1'],
      ['w-late', INTENT_MAX_WAIT_MS + 1, 'denied', '2'],
    ] as const) {
      await f.stores.decisionIntake.park(ACCOUNT, { intended: intendedEvent(intentFor(id), ACCOUNT).detail as never, count: { ok: true, bucketStartMs: f.clock.now(), account: 1, strategy: 1 }, receivedAtMs: f.clock.now() - waited });
      // The next delivery takes the free lease and decides the parked intent before its own.
      await expect(riskWith()(intendedEvent(intentFor(`${id}-next`, { quantity: nextQuantity }), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved' });
      const stored = (await orders()).find((o) => o.intent.intentId === id);
      expect(stored?.status).toBe(outcome === 'approved' ? 'PENDING' : 'DENIED');
      if (outcome === 'denied') expect(stored?.reason).toBe('INTENT_EXPIRED');
    }
  });
});
