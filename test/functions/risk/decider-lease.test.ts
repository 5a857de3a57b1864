// One decider per account against DynamoDB Local: concurrent deliveries of one account's intents are decided
// exactly once each, in batches by whoever holds the account's lease, with every limit as exact as if they had
// come one by one; an intent parked while the lease was held is decided by the holder's look after releasing
// it, by the next delivery or by the schedule's sweep, and denied INTENT_EXPIRED when it waited longer than the
// intake allows (a decider that died).
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { IntentOutcome } from '../../../shared/risk/risk-service';
import { DECIDER_LEASE_MS } from '../../../shared/risk/risk-service';
import { INTENT_MAX_WAIT_MS } from '../../../shared/risk/decision-batch';
import { INTAKE_PARTITION_PREFIX } from '../../../shared/storage/table-definition';
import { ACCOUNT, intendedEvent, intentFor, scanAll, scheduledEvent, testLimits } from '../../support/fixtures';
import { drainQueue, pipelineRisk, pipelineRiskSweep, usePipelineFixture } from '../../support/pipeline';
import type { DecisionIntake } from '../../../shared/ports/decision-intake';

const f = usePipelineFixture();

const riskWith = (limits = testLimits(), decided: IntentOutcome[] = []) => pipelineRisk(f, { defaults: limits, onDecided: (outcome) => void decided.push(outcome) });
const sweepWith = (decided: IntentOutcome[] = []) => pipelineRiskSweep(f, [ACCOUNT], { defaults: testLimits(), onDecided: (outcome) => void decided.push(outcome) });

const rows = async () => (await scanAll(f.client, f.tableName)).map((i) => unmarshall(i as never));
const orders = async () => (await rows()).filter((r) => String(r.sk).startsWith('ORDER#'));
const parkedLeft = async () => (await rows()).filter((r) => String(r.pk).startsWith(INTAKE_PARTITION_PREFIX));

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

  it('parks an intent while another holds the lease and answers queued at once; the sweep decides it once the lease is free', async () => {
    const decided: IntentOutcome[] = [];
    expect(await f.stores.decisionIntake.acquire(ACCOUNT, 'another', f.clock.now(), DECIDER_LEASE_MS)).toBe(true);
    await expect(riskWith(testLimits(), decided)(intendedEvent(intentFor('p-1'), ACCOUNT))).resolves.toMatchObject({ outcome: 'queued', intentId: 'p-1' });
    expect(await parkedLeft()).toHaveLength(1);
    expect(await orders()).toHaveLength(0);

    // The holder is still deciding: the sweep leaves the intent to it.
    await expect(sweepWith(decided)(scheduledEvent('s-1'))).resolves.toEqual({ swept: 0 });
    await f.stores.decisionIntake.release(ACCOUNT, 'another');
    await expect(sweepWith(decided)(scheduledEvent('s-2'))).resolves.toEqual({ swept: 1 });
    expect(await parkedLeft()).toHaveLength(0);
    expect(decided).toEqual([expect.objectContaining({ outcome: 'approved', intentId: 'p-1' })]);
    expect(await drainQueue(f)).toHaveLength(1);
  });

  it('decides an intent parked just before the decider handed the lease back, in the decider\'s look after the release', async () => {
    const decided: IntentOutcome[] = [];
    const intake = f.stores.decisionIntake;
    let parkedLate = false;
    // The late intent is parked (and its delivery finds the lease still held) just before the decider releases.
    const racing: DecisionIntake = {
      acquire: (...a) => intake.acquire(...a),
      notifyHolder: (...a) => intake.notifyHolder(...a),
      park: (...a) => intake.park(...a),
      parked: (...a) => intake.parked(...a),
      unpark: (...a) => intake.unpark(...a),
      release: async (account, owner) => {
        if (!parkedLate) {
          parkedLate = true;
          const late = intendedEvent(intentFor('late-1', { quantity: '2' }), ACCOUNT).detail as never;
          await intake.park(account, [{ intended: late, count: { ok: true, bucketStartMs: f.clock.now(), account: 1, strategy: 1 }, receivedAtMs: f.clock.now() }]);
          expect(await intake.notifyHolder(account, f.clock.now())).toBe(true);
        }
        return intake.release(account, owner);
      },
    };
    const risk = pipelineRisk(f, { defaults: testLimits(), decisionIntake: racing, onDecided: (outcome) => void decided.push(outcome) });

    await expect(risk(intendedEvent(intentFor('first-1'), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved', intentId: 'first-1' });
    expect(decided.map((o) => [o.intentId, o.outcome])).toEqual([
      ['first-1', 'approved'],
      ['late-1', 'approved'],
    ]);
    expect(await parkedLeft()).toHaveLength(0);
  });

  it('denies INTENT_EXPIRED a parked intent whose decider died, once its lease expires, and queues nothing', async () => {
    expect(await f.stores.decisionIntake.acquire(ACCOUNT, 'died', f.clock.now(), DECIDER_LEASE_MS)).toBe(true);
    await expect(riskWith()(intendedEvent(intentFor('e-1'), ACCOUNT))).resolves.toMatchObject({ outcome: 'queued' });
    f.clock.advance(DECIDER_LEASE_MS - 1);
    await expect(sweepWith()(scheduledEvent('s-1'))).resolves.toEqual({ swept: 0 });
    f.clock.advance(2);

    await expect(sweepWith()(scheduledEvent('s-2'))).resolves.toEqual({ swept: 1 });
    expect((await orders()).map((o) => [o.intent.intentId, o.status, o.reason])).toEqual([['e-1', 'DENIED', 'INTENT_EXPIRED']]);
    expect(DECIDER_LEASE_MS).toBeGreaterThan(INTENT_MAX_WAIT_MS);
    expect(await drainQueue(f)).toHaveLength(0);
  });

  it('refuses a sweep that is not a scheduled event, deciding nothing', async () => {
    await f.stores.decisionIntake.park(ACCOUNT, [{ intended: intendedEvent(intentFor('s-x'), ACCOUNT).detail as never, count: { ok: true, bucketStartMs: f.clock.now(), account: 1, strategy: 1 }, receivedAtMs: f.clock.now() }]);
    await expect(sweepWith()({ ...scheduledEvent(), 'detail-type': 'Anything' })).rejects.toThrow(/detail-type/);
    expect(await parkedLeft()).toHaveLength(1);
  });

  it('decides an intent that waited just the allowed time, and denies one that waited a millisecond longer', async () => {
    for (const [id, waited, outcome, nextQuantity] of [
      ['w-ok', INTENT_MAX_WAIT_MS, 'approved', '1'],
      ['w-late', INTENT_MAX_WAIT_MS + 1, 'denied', '2'],
    ] as const) {
      await f.stores.decisionIntake.park(ACCOUNT, [{ intended: intendedEvent(intentFor(id), ACCOUNT).detail as never, count: { ok: true, bucketStartMs: f.clock.now(), account: 1, strategy: 1 }, receivedAtMs: f.clock.now() - waited }]);
      // The next delivery takes the free lease and decides the parked intent before its own.
      await expect(riskWith()(intendedEvent(intentFor(`${id}-next`, { quantity: nextQuantity }), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved' });
      const stored = (await orders()).find((o) => o.intent.intentId === id);
      expect(stored?.status).toBe(outcome === 'approved' ? 'PENDING' : 'DENIED');
      if (outcome === 'denied') expect(stored?.reason).toBe('INTENT_EXPIRED');
    }
  });
});
