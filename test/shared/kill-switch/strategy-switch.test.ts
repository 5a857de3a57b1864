// The per-strategy switch against DynamoDB Local, the in-process SQS and the simulated broker: a person stops one
// strategy (audited, actor and reason), the risk function denies its intents at the boundary, the submission gate
// blocks its approved orders not yet sent, and only its own open orders are cancelled; the account's other
// strategies trade on. A property runs random sequences of switches and checks the store against a model.
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disableStrategy, enableStrategy, type StrategySwitchDeps } from '../../../shared/kill-switch/strategy-switch';
import { cancelStrategyFrom } from '../../../shared/order-service/cancellation';
import { processApprovedOrder } from '../../../shared/order-service/submission';
import { keys } from '../../../shared/storage/table-definition';
import { readStrategySwitch } from '../../../shared/strategy-switch/switch-state';
import { ACCOUNT, intendedEvent, intentFor, scanAll, STRATEGY, testLimits } from '../../support/fixtures';
import { useOrderServiceFixture } from '../../support/order-service';
import { pipelineRisk } from '../../support/pipeline';

const w = useOrderServiceFixture();
const { f } = w;
const OTHER = 'other-strategy';
const ALICE = 'alice.ops';
const BOB = 'bob.ops';

const deps = (): StrategySwitchDeps => ({
  strategySwitchStore: f.stores.strategySwitchStore,
  cancelStrategyOrders: cancelStrategyFrom(w.deps(), 'kill-switch'),
  clock: f.clock,
});

let requests = 0;
const request = (strategy: string, principal = ALICE, reason = 'misbehaving: investigating') => ({ account: ACCOUNT, strategy, principal, reason, requestId: `req-${++requests}` });

const audits = async (kind: string) => (await scanAll(f.client, f.tableName)).map((i) => unmarshall(i as never)).filter((i) => i.kind === kind);

const risk = () => pipelineRisk(f, { defaults: testLimits({ orderRate: { maxOrders: 100, windowMs: 1000, perSymbol: { maxOrders: 100, windowMs: 1000 } } }) });
/** An intent of `strategy` (the fixture's intents are the fixture strategy's; the meta names the strategy). */
const intentOf = (intentId: string, strategy: string, quantity = '10') => {
  const event = intendedEvent(intentFor(intentId, { quantity }));
  (event.detail as { meta: { strategy: string } }).meta.strategy = strategy;
  return event;
};

describe('the per-strategy switch', () => {
  it('stores DISABLED with its audit entry (the person and the reason), and a repeat writes nothing new', async () => {
    const first = await disableStrategy(deps(), request(STRATEGY));
    expect(first).toMatchObject({ outcome: 'disabled', strategy: STRATEGY, alreadyDisabled: false, disabledBy: ALICE, complete: true, cancels: { status: 'done' } });
    const again = await disableStrategy(deps(), request(STRATEGY, BOB));
    expect(again).toMatchObject({ outcome: 'disabled', alreadyDisabled: true, disabledBy: ALICE });
    expect(await f.stores.strategySwitchStore.getStrategySwitches(ACCOUNT)).toEqual({ [STRATEGY]: expect.objectContaining({ status: 'DISABLED', changedBy: ALICE, reason: 'misbehaving: investigating' }) });
    expect(await audits('STRATEGY_DISABLED')).toEqual([expect.objectContaining({ actor: ALICE, detail: { strategy: STRATEGY, reason: 'misbehaving: investigating' } })]);
  });

  it('denies the disabled strategy’s intent STRATEGY_DISABLED and approves another strategy’s in the same account', async () => {
    await disableStrategy(deps(), request(STRATEGY));
    await expect(risk()(intentOf('s-1', STRATEGY))).resolves.toMatchObject({ outcome: 'denied', reason: 'STRATEGY_DISABLED' });
    await expect(risk()(intentOf('s-2', OTHER))).resolves.toMatchObject({ outcome: 'approved' });
  });

  it('approves the strategy’s intent once it is enabled again, and while it was never switched', async () => {
    await expect(risk()(intentOf('n-1', STRATEGY))).resolves.toMatchObject({ outcome: 'approved' });
    await disableStrategy(deps(), request(STRATEGY));
    await expect(enableStrategy(deps(), request(STRATEGY, BOB, 'fixed in v2'))).resolves.toMatchObject({ outcome: 'enabled', enabledBy: BOB });
    await expect(risk()(intentOf('n-2', STRATEGY, '20'))).resolves.toMatchObject({ outcome: 'approved' });
    expect(await audits('STRATEGY_ENABLED')).toEqual([expect.objectContaining({ actor: BOB, detail: { strategy: STRATEGY, reason: 'fixed in v2' } })]);
  });

  it('refuses to enable a strategy that is not disabled, writing nothing', async () => {
    const before = await scanAll(f.client, f.tableName);
    await expect(enableStrategy(deps(), request(STRATEGY))).resolves.toMatchObject({ outcome: 'refused', reason: 'NOT_DISABLED' });
    expect(await scanAll(f.client, f.tableName)).toEqual(before);
  });

  it('cancels only the disabled strategy’s open orders: not yet sent locally, resting ones at the broker', async () => {
    await w.approve('x-pending', {}, STRATEGY);
    await processApprovedOrder(w.deps(), await w.approve('x-resting', { orderType: 'limit', limitPrice: '98' }, STRATEGY));
    await w.approve('y-pending', {}, OTHER);
    await processApprovedOrder(w.deps(), await w.approve('y-resting', { orderType: 'limit', limitPrice: '97' }, OTHER));
    const result = await disableStrategy(deps(), request(STRATEGY));
    expect(result.cancels).toMatchObject({ status: 'done', canceledLocally: 1, requested: 1 });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'x-pending')).toMatchObject({ status: 'CANCELED' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'x-resting')).toMatchObject({ status: 'CANCELED' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'y-pending')).toMatchObject({ status: 'PENDING' });
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'y-resting')).toMatchObject({ status: 'ACCEPTED' });
    expect((await w.broker.listOpenOrders()).orders.map((o) => o.clientOrderId)).toEqual(['y-resting']);
  });

  it('names the strategy’s orders still being submitted, so a repeat of the disable finishes them', async () => {
    await w.approve('z-1', {}, STRATEGY);
    await f.stores.orderStore.claimForSubmission(ACCOUNT, 'z-1', 'worker-2', f.clock.now(), 10_000);
    const result = await disableStrategy(deps(), request(STRATEGY));
    expect(result).toMatchObject({ complete: false, cancels: { status: 'incomplete', waiting: ['z-1'] } });
  });

  it('blocks at the submission gate an approved order of a strategy disabled after its approval, and sends another strategy’s', async () => {
    const mine = await w.approve('g-1', {}, STRATEGY);
    const theirs = await w.approve('g-2', {}, OTHER);
    // The switch alone (no cancels), as when the disable lands between the approval and the claim.
    await f.stores.strategySwitchStore.changeStrategySwitch(ACCOUNT, STRATEGY, { status: 'DISABLED', changedBy: ALICE, reason: 'r', changedAt: '2026-11-23T15:00:00.000Z' }, {
      entryId: 'aud-test', account: ACCOUNT, occurredAt: '2026-11-23T15:00:00.000Z', kind: 'STRATEGY_DISABLED', actor: ALICE, correlationId: 'req-x', causationId: 'test', detail: {},
    });
    await expect(processApprovedOrder(w.deps(), mine)).resolves.toBe('blocked');
    expect(await f.stores.orderStore.getOrder(ACCOUNT, 'g-1')).toMatchObject({ status: 'BLOCKED', reason: 'STRATEGY_DISABLED' });
    await expect(processApprovedOrder(w.deps(), theirs)).resolves.toBe('submitted');
    expect((await w.broker.listOpenOrders()).orders.map((o) => o.clientOrderId)).not.toContain('g-1');
    expect(f.bus.ofType('OrderDenied.v1').map((e) => (e.detail as { data: { reason: string } }).data.reason)).toEqual(['STRATEGY_DISABLED']);
  });

  it('reads a stored switch it cannot parse as DISABLED (fail closed), and the risk function denies on it', async () => {
    expect(readStrategySwitch({ status: 'PAUSED' })).toMatchObject({ status: 'DISABLED' });
    await DynamoDBDocumentClient.from(f.client).send(new PutCommand({ TableName: f.tableName, Item: { ...keys.strategySwitch(ACCOUNT, STRATEGY), status: 'garbage' } }));
    await expect(risk()(intentOf('u-1', STRATEGY))).resolves.toMatchObject({ outcome: 'denied', reason: 'STRATEGY_DISABLED' });
  });

  it('keeps the stored switch equal to the last change that applied, with one audit entry per applied change', async () => {
    const step = fc.record({ op: fc.constantFrom('disable', 'enable'), strategy: fc.constantFrom('s-a', 's-b'), person: fc.constantFrom(ALICE, BOB) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const account = `acct-p${++requests}`;
        const model = new Map<string, 'ENABLED' | 'DISABLED'>();
        let applied = 0;
        for (const s of steps) {
          const input = { ...request(s.strategy, s.person), account };
          const was = model.get(s.strategy) ?? 'ENABLED';
          if (s.op === 'disable') {
            const result = await f.stores.strategySwitchStore.changeStrategySwitch(account, s.strategy, { status: 'DISABLED', changedBy: s.person, reason: 'p', changedAt: 'now' }, auditOf(input, 'STRATEGY_DISABLED'));
            expect(result).toBe(was === 'DISABLED' ? 'unchanged' : 'changed');
            if (was !== 'DISABLED') applied++;
            model.set(s.strategy, 'DISABLED');
          } else {
            const result = await f.stores.strategySwitchStore.changeStrategySwitch(account, s.strategy, { status: 'ENABLED', changedBy: s.person, reason: 'p', changedAt: 'now' }, auditOf(input, 'STRATEGY_ENABLED'));
            expect(result).toBe(was === 'DISABLED' ? 'changed' : 'unchanged');
            if (was === 'DISABLED') {
              applied++;
              model.set(s.strategy, 'ENABLED');
            }
          }
        }
        const stored = await f.stores.strategySwitchStore.getStrategySwitches(account);
        for (const [strategy, status] of model) expect(stored[strategy]?.status ?? 'ENABLED').toBe(status);
        const entries = (await scanAll(f.client, f.tableName)).map((i) => unmarshall(i as never)).filter((i) => i.account === account && String(i.kind).startsWith('STRATEGY_'));
        expect(entries).toHaveLength(applied);
      }),
      { numRuns: 15 },
    );
  });
});

const auditOf = (input: ReturnType<typeof request>, kind: 'STRATEGY_DISABLED' | 'STRATEGY_ENABLED') => ({
  entryId: `aud-${input.requestId}`,
  account: input.account,
  occurredAt: '2026-11-23T15:00:00.000Z',
  kind,
  actor: input.principal,
  correlationId: input.requestId,
  causationId: 'test',
  detail: { strategy: input.strategy },
});
