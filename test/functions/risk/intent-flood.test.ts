// The risk function's own flood stop against DynamoDB Local: every intent is counted per account and per
// strategy in its creation second before anything is decided, denied ones included; one past the limit is
// denied INTENT_FLOOD and raises a RiskBreach with one id per episode (at once from the delivery whose count
// passes the limit, and again with each flooded decision); an intent that cannot be counted is
// denied; and the stored count never falls below the intents received.
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { createRiskHandler } from '../../../functions/risk/handler';
import type { RiskStore } from '../../../shared/ports/risk-store';
import { keys } from '../../../shared/storage/table-definition';
import { ACCOUNT, intendedEvent, intentFor, scanAll, STRATEGY, testLimits } from '../../support/fixtures';
import { DECIDER_LEASE_MS } from '../../../shared/risk/risk-service';
import { drainQueue, pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
const NOW = Date.parse('2026-11-23T15:00:00.000Z');

// Three intents a second per strategy, five per account; the order-rate limit stays below both.
const limits = testLimits({
  orderRate: { maxOrders: 2, windowMs: 1000, perSymbol: { maxOrders: 2, windowMs: 1000 } },
  intentFlood: { maxPerStrategyPerSecond: 3, maxPerAccountPerSecond: 5 },
});

const riskWith = (riskStore?: RiskStore) => pipelineRisk(f, { defaults: limits, ...(riskStore ? { riskStore } : {}) });

let risk: ReturnType<typeof createRiskHandler>;
beforeEach(() => {
  risk = riskWith();
});

let n = 0;
/** An intent of `strategy`, created `msAgo` before now, with a size no other intent has (never duplicative). */
const intent = (strategy = STRATEGY, msAgo = 0, account = ACCOUNT) => {
  n++;
  const event = intendedEvent(intentFor(`fl-${n}`, { quantity: String(n), createdAt: new Date(NOW - msAgo).toISOString() }), account);
  (event.detail as { meta: { strategy: string } }).meta.strategy = strategy;
  return event;
};

const countItem = async (bucketStartMs: number, account = ACCOUNT) => {
  const items = await scanAll(f.client, f.tableName);
  const key = keys.intentCount(account, bucketStartMs);
  return items.find((i) => (i.pk as { S: string }).S === key.pk && (i.sk as { S: string }).S === key.sk) as Record<string, { N: string }> | undefined;
};

const orders = async () => (await scanAll(f.client, f.tableName)).filter((i) => (i.sk as { S: string }).S.startsWith('ORDER#'));

const floodBreaches = () => f.bus.ofType('RiskBreach.v1').filter((e) => (e.detail as { data: { kind: string } }).data.kind === 'INTENT_FLOOD');

describe('the risk function’s intent-flood stop', () => {
  it('decides the 3rd intent of a strategy in one second as usual and denies the 4th INTENT_FLOOD, raising one breach id per episode', async () => {
    for (let i = 0; i < 3; i++) expect(await risk(intent())).not.toMatchObject({ reason: 'INTENT_FLOOD' });
    expect(floodBreaches()).toHaveLength(0);
    await expect(risk(intent())).resolves.toMatchObject({ outcome: 'denied', reason: 'INTENT_FLOOD' });
    await expect(risk(intent())).resolves.toMatchObject({ outcome: 'denied', reason: 'INTENT_FLOOD' });
    const breaches = floodBreaches().map((e) => (e.detail as { data: Record<string, string> }).data);
    // The 4th delivery raises it at once on its count, and each flooded decision raises it again: one id.
    expect(breaches).toHaveLength(3);
    // The fixture's state was written ACTIVE at 14:00: every breach until the halt names that episode.
    expect(new Set(breaches.map((b) => b.breachId))).toEqual(new Set([`INTENT_FLOOD.${ACCOUNT}.S20261123T140000Z`]));
    expect(breaches[0]).toMatchObject({ kind: 'INTENT_FLOOD', account: ACCOUNT, observed: '4', threshold: '3' });
    expect(f.telemetry.countOf('RiskDecision', { outcome: 'denied', reason: 'INTENT_FLOOD' })).toBe(2);
  });

  it('counts denied intents too: a halted account’s intents fill the second, and the flood is denied without a new breach', async () => {
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'breaker', '2026-11-23T14:59:00.000Z');
    for (let i = 0; i < 3; i++) await expect(risk(intent())).resolves.toMatchObject({ reason: 'TRADING_HALTED' });
    expect(await countItem(NOW)).toMatchObject({ A: { N: '3' }, [`S#${STRATEGY}`]: { N: '3' } });
    await expect(risk(intent())).resolves.toMatchObject({ reason: 'TRADING_HALTED' });
    expect(f.bus.ofType('OrderDenied.v1').at(-1)?.detail).toMatchObject({ data: { failedChecks: expect.arrayContaining(['INTENT_FLOOD']) } });
    expect(floodBreaches()).toHaveLength(0);
  });

  it('counts per strategy and per account: two strategies within theirs, together past the account’s', async () => {
    for (let i = 0; i < 3; i++) expect(await risk(intent('alpha'))).not.toMatchObject({ reason: 'INTENT_FLOOD' });
    for (let i = 0; i < 2; i++) expect(await risk(intent('beta'))).not.toMatchObject({ reason: 'INTENT_FLOOD' });
    await expect(risk(intent('beta'))).resolves.toMatchObject({ reason: 'INTENT_FLOOD' });
    expect(floodBreaches().map((e) => (e.detail as { data: Record<string, string> }).data)).toEqual([
      expect.objectContaining({ observed: '6', threshold: '5' }),
      expect.objectContaining({ observed: '6', threshold: '5' }),
    ]);
    expect(await countItem(NOW)).toMatchObject({ A: { N: '6' }, 'S#alpha': { N: '3' }, 'S#beta': { N: '3' } });
  });

  it('raises the breach from the delivery whose count first passes the limit, while the decider is still busy with the intents before it', async () => {
    expect(await f.stores.decisionIntake.acquire(ACCOUNT, 'busy-decider', f.clock.now(), DECIDER_LEASE_MS)).toBe(true);
    for (let i = 0; i < 3; i++) await expect(risk(intent())).resolves.toMatchObject({ outcome: 'queued' });
    expect(floodBreaches()).toHaveLength(0);

    await expect(risk(intent())).resolves.toMatchObject({ outcome: 'queued' });
    expect(floodBreaches().map((e) => (e.detail as { data: Record<string, string> }).data)).toEqual([
      expect.objectContaining({ breachId: `INTENT_FLOOD.${ACCOUNT}.S20261123T140000Z`, observed: '4', threshold: '3' }),
    ]);
    // Only the crossing raises it early: the decider raises it with each flooded decision.
    await expect(risk(intent())).resolves.toMatchObject({ outcome: 'queued' });
    expect(floodBreaches()).toHaveLength(1);
    expect(await orders()).toHaveLength(0);
  });

  it('counts an intent in the second it was created: a new second starts a new count', async () => {
    for (let i = 0; i < 3; i++) await risk(intent(STRATEGY, 1000));
    await expect(risk(intent(STRATEGY, 0))).resolves.not.toMatchObject({ reason: 'INTENT_FLOOD' });
    await expect(risk(intent(STRATEGY, 1000))).resolves.toMatchObject({ reason: 'INTENT_FLOOD' });
  });

  it('writes for a flooded intent only its count, its DENIED order and its audit entry, and queues nothing', async () => {
    for (let i = 0; i < 3; i++) await risk(intent(STRATEGY, 0));
    await drainQueue(f);
    const before = await scanAll(f.client, f.tableName);
    const flooded = intent();
    await expect(risk(flooded)).resolves.toMatchObject({ reason: 'INTENT_FLOOD' });
    const after = await scanAll(f.client, f.tableName);
    const keyOf = (i: Record<string, unknown>) => `${(i.pk as { S: string }).S}|${(i.sk as { S: string }).S}`;
    const changed = after.filter((i) => JSON.stringify(before.find((b) => keyOf(b) === keyOf(i))) !== JSON.stringify(i)).map(keyOf);
    // The order's partition is one of the account's order shards.
    expect(changed.map((k) => k.replace(/AUDIT#.*/, 'AUDIT').replace(/\|ORDER#.*/, '|ORDER').replace(/^ORDERS#(.+)#\d\d\|/, 'ORDERS#$1|'))).toEqual(
      expect.arrayContaining([`INTENTS#${ACCOUNT}|${NOW}`, `ORDERS#${ACCOUNT}|ORDER`, 'AUDIT']),
    );
    expect(changed).toHaveLength(3);
    expect(await drainQueue(f)).toHaveLength(0);
  });

  it('denies an intent it cannot count (INTENT_COUNT_UNAVAILABLE) and queues nothing: fail closed', async () => {
    const failing: RiskStore = {
      ...f.stores.riskStore,
      loadRiskSnapshot: (...a) => f.stores.riskStore.loadRiskSnapshot(...a),
      loadDecisionSnapshot: (...a) => f.stores.riskStore.loadDecisionSnapshot(...a),
      recordDecisions: (input) => f.stores.riskStore.recordDecisions(input),
      getOrder: (...a) => f.stores.riskStore.getOrder(...a),
      reenableExecution: (...a) => f.stores.riskStore.reenableExecution(...a),
      countIntent: async () => {
        throw new Error('DynamoDB UpdateItem (intent count) failed');
      },
    };
    await expect(riskWith(failing)(intent())).resolves.toMatchObject({ outcome: 'denied', reason: 'INTENT_COUNT_UNAVAILABLE' });
    expect(await drainQueue(f)).toHaveLength(0);
  });

  it('never under-counts: after any mix of concurrent intents, each second’s count is at least the intents created in it', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ strategy: fc.constantFrom('s1', 's2', 's3'), secondsAgo: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 12 }),
        async (intents) => {
          const account = `prop-${++run}`;
          await f.seeder.putTradingState(account, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
          // Every intent at once, as concurrent invocations would; many are denied (rate, flood) and all count.
          await Promise.all(intents.map((i) => risk(intent(i.strategy, i.secondsAgo * 1000, account))));
          for (const secondsAgo of [0, 1, 2]) {
            const inSecond = intents.filter((i) => i.secondsAgo === secondsAgo);
            const item = await countItem(NOW - secondsAgo * 1000, account);
            expect(Number(item?.A?.N ?? 0)).toBeGreaterThanOrEqual(inSecond.length);
            for (const s of ['s1', 's2', 's3']) {
              expect(Number(item?.[`S#${s}`]?.N ?? 0)).toBeGreaterThanOrEqual(inSecond.filter((i) => i.strategy === s).length);
            }
          }
        },
      ),
      { numRuns: 8 },
    );
  });
});
