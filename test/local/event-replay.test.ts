// Replaying archived events is safe because every consumer is idempotent: a real local session runs, then every
// event its bus received in a time window is delivered again (same ids and details, as an EventBridge replay
// to all rules) into the same pipeline and table, and nothing doubles (docs/disaster-recovery.md).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { eventsInWindow, replayIntoSession, type ReplayOutcome } from '../../local/event-replay';
import type { LocalEvent } from '../../local/event-router';
import { runSession } from '../../local/session';
import type { SessionWiring } from '../../local/session-wiring';
import { itemTypeOf, scanItems, type Item } from '../../adapters/dynamodb/table-backup';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { INTENT_MAX_WAIT_MS } from '../../shared/risk/decision-batch';
import type { OrderRecord } from '../../shared/orders/order-record';
import { INTENT_ROUTE_ID } from '../../shared/routing/routes';
import { INTENT_COUNT_ACCOUNT } from '../../shared/storage/table-definition';

/** Everything a doubled delivery could change: the table item by item, the venue's book, the breaker and the pager. */
interface PipelineState {
  items: Map<string, Item>;
  brokerOrders: number;
  brokerSubmitCalls: number;
  brokerDuplicates: number;
  brokerFills: number;
  brokerPositions: string;
  brokerCash: string;
  tradingState: string | undefined;
  breakerExecutions: number;
  pages: number;
}

const keyOf = (item: Item) => `${item.pk?.S}|${item.sk?.S}`;

const stateOf = async (w: SessionWiring): Promise<PipelineState> => {
  const items = new Map<string, Item>();
  for await (const item of scanItems(w.ddb, w.tableName)) items.set(keyOf(item), item);
  const account = await w.broker.getAccount();
  return {
    items,
    brokerOrders: w.broker.orders().length,
    brokerSubmitCalls: w.broker.submitCalls(),
    brokerDuplicates: w.broker.duplicateOrderCount(),
    brokerFills: w.broker.fills().length,
    brokerPositions: JSON.stringify(await w.broker.getPositions()),
    brokerCash: account.cash,
    tradingState: await w.stores.tradingStateStore.getTradingState(w.settings.account),
    breakerExecutions: w.breaker.executionStatuses().length,
    pages: w.pager.pages.length,
  };
};

/** The items added and changed between two states, by item type. */
const itemChanges = (before: Map<string, Item>, after: Map<string, Item>) => {
  const added: Record<string, number> = {};
  const changed: Record<string, number> = {};
  for (const [key, item] of after) {
    const was = before.get(key);
    const tally = was === undefined ? added : JSON.stringify(was) === JSON.stringify(item) ? undefined : changed;
    if (tally) tally[itemTypeOf(item)] = (tally[itemTypeOf(item)] ?? 0) + 1;
  }
  const removed = [...before.keys()].filter((key) => !after.has(key));
  return { added, changed, removed };
};

/** The account's intents counted for the flood limit, over every second's item. */
const intentsCounted = (items: Map<string, Item>): number =>
  [...items.values()].filter((i) => itemTypeOf(i) === 'INTENTS').reduce((sum, i) => sum + Number(i[INTENT_COUNT_ACCOUNT]?.N ?? 0), 0);

/** The most intents one strategy created within one second: what the flood limit counts (shared/risk/intent-flood.ts). */
const busiestSecond = (intents: readonly LocalEvent[]): number => {
  const counts = new Map<string, number>();
  for (const { detail } of intents) {
    const { meta, data } = detail as { meta: { strategy: string }; data: { createdAt: string } };
    const key = `${meta.strategy}@${Math.floor(Date.parse(data.createdAt) / 1000)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Math.max(0, ...counts.values());
};

const createdAtOf = (event: LocalEvent): number => Date.parse((event.detail as { data: { createdAt: string } }).data.createdAt);

/**
 * Waits until every recorded intent is older than risk decides (INTENT_MAX_WAIT_MS), as archived events always
 * are: a replay starts at least ten minutes after its window (docs/disaster-recovery.md).
 */
const untilArchived = async (events: readonly LocalEvent[]): Promise<void> => {
  const newest = Math.max(0, ...events.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended).map(createdAtOf));
  const wait = newest + INTENT_MAX_WAIT_MS + 50 - Date.now();
  if (wait > 0) await sleep(wait);
};

const NEVER_DECIDED_ID = 'never-decided-intent';

/** A recorded intent's copy under an id no decision has seen: an intent lost before risk decided it. */
const neverDecided = (recorded: readonly LocalEvent[]): LocalEvent => {
  const original = recorded.find((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended);
  if (!original) throw new Error('no intent was recorded');
  const detail = original.detail as { meta: Record<string, unknown>; data: Record<string, unknown> };
  return { ...original, id: `${original.id}-lost`, detail: { ...detail, meta: { ...detail.meta, eventId: `evt_${randomBytes(16).toString('hex')}`, correlationId: NEVER_DECIDED_ID }, data: { ...detail.data, intentId: NEVER_DECIDED_ID } } };
};

describe('replaying archived events into the local pipeline', () => {
  it('replays a window of events into the pipeline and nothing doubles', { timeout: 180_000 }, async () => {
    let recorded: LocalEvent[] = [];
    let outcome: ReplayOutcome | undefined;
    let before: PipelineState | undefined;
    let after: PipelineState | undefined;
    let reconciled: string | undefined;
    let republished: LocalEvent[] = [];
    let limit = 0;
    const report = await runSession({
      dynamoEndpoint: inject('dynamoEndpoint'),
      durationMs: 4000,
      seed: 7,
      tickMs: 50,
      afterDrain: async (w) => {
        before = await stateOf(w);
        recorded = [...w.router.seen];
        limit = w.settings.config.riskLimits.intentFlood.maxPerStrategyPerSecond;
        // The window as StartReplay takes it: from the first event's second to just after the last one's.
        const times = recorded.map((e) => Date.parse(e.time));
        const window = { start: new Date(Math.min(...times)), end: new Date(Math.max(...times) + 1000) };
        const replayed = eventsInWindow(recorded, window);
        expect(replayed).toEqual(recorded);
        await untilArchived(recorded);
        outcome = await replayIntoSession(w, replayed, { replayName: 'replay-test' });
        republished = w.router.seen.slice(recorded.length);
        after = await stateOf(w);
        reconciled = (await w.reconcile('after-replay'))?.status;
      },
    });
    if (!before || !after || !outcome) throw new Error('the session never reached its drain');

    // The session itself traded and ended clean, so there was something to double.
    expect(report.fills).toBeGreaterThan(0);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
    const intents = recorded.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended).length;
    expect(intents).toBeGreaterThan(0);
    // Its busiest second stays under the flood limit (so the run itself tripped nothing).
    expect(busiestSecond(recorded.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended))).toBeLessThanOrEqual(limit);

    // Every replayed event the route table routes was delivered again, through its rule.
    expect(outcome.replayed[DETAIL_TYPES.OrderIntended]).toBe(intents);
    expect(outcome.delivered).toEqual({ OrderIntendedToRisk: intents });
    expect(outcome.deadLetters).toBe(0);
    expect(outcome.settled).toBe(true);
    // The risk function found every intent decided and published its outcome again, detail and event id unchanged,
    // and nothing else: a consumer keyed on meta.eventId would see each a second time and drop it.
    const outcomes = (events: readonly LocalEvent[]) =>
      events.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderApproved || e['detail-type'] === DETAIL_TYPES.OrderDenied).map((e) => e.detail as { meta: { eventId: string } });
    const byEventId = (details: { meta: { eventId: string } }[]) => [...details].sort((a, b) => a.meta.eventId.localeCompare(b.meta.eventId));
    expect(outcomes(republished)).toHaveLength(republished.length);
    expect(byEventId(outcomes(republished))).toEqual(byEventId(outcomes(recorded)));
    expect(republished).toHaveLength(intents);

    // The venue: no second order for any intent, no new fill, the same positions and cash.
    expect(after.brokerOrders).toBe(before.brokerOrders);
    expect(after.brokerSubmitCalls).toBe(before.brokerSubmitCalls);
    expect(after.brokerDuplicates).toBe(0);
    expect(after.brokerFills).toBe(before.brokerFills);
    expect(after.brokerPositions).toBe(before.brokerPositions);
    expect(after.brokerCash).toBe(before.brokerCash);

    // The table: no item added, changed or removed. Archived intents are too old to be decided, so they are not
    // counted for the flood limit again either. The decider's lease was taken and handed back, which leaves it as it was.
    const changes = itemChanges(before.items, after.items);
    expect(changes).toEqual({ added: {}, changed: {}, removed: [] });
    expect(intentsCounted(after.items)).toBe(intentsCounted(before.items));

    // Control: the same trading state, no breaker execution started, nobody paged, and reconciliation clean.
    expect(after.tradingState).toBe(before.tradingState);
    expect(after.breakerExecutions).toBe(before.breakerExecutions);
    expect(after.pages).toBe(before.pages);
    expect(reconciled).toBe('clean');
  });

  it('replays a runaway\'s breach and intents without a second breaker execution, a halt or a page, and denies a never-decided intent INTENT_EXPIRED', { timeout: 180_000 }, async () => {
    let recorded: LocalEvent[] = [];
    let limit = 0;
    let resumed: PipelineState | undefined;
    let breachReplay: { outcome: ReplayOutcome; after: PipelineState; executions: string[] } | undefined;
    let intentReplay: { outcome: ReplayOutcome; after: PipelineState; executions: string[] } | undefined;
    let executionsBefore: string[] = [];
    let expiredOrder: OrderRecord | undefined;
    await runSession({
      dynamoEndpoint: inject('dynamoEndpoint'),
      durationMs: 5000,
      seed: 5,
      scenario: 'runaway',
      strategyPath: 'test/support/strategies/quick-runaway.ts',
      afterDrain: async (w) => {
        // The halt's own execution runs its course first (or waits for a person), so it writes nothing during the replays.
        const running = w.breaker.executionStatuses().filter((e) => e.status === 'RUNNING');
        await Promise.all(running.map((e) => Promise.race([w.breaker.outcome(e.name), w.breaker.approvalRequested(e.name)])));
        // Later a person has brought the account back: the moment a replay is most likely to be run, and most harmful.
        await w.seeder.putTradingState(w.settings.account, 'ACTIVE', 'replay-test', new Date().toISOString());
        limit = w.settings.config.riskLimits.intentFlood.maxPerStrategyPerSecond;
        recorded = [...w.router.seen];
        executionsBefore = w.breaker.executionStatuses().map((e) => e.name);
        resumed = await stateOf(w);
        const breaches = await replayIntoSession(w, recorded, { replayName: 'replay-breaches', routes: ['RiskBreachToBreaker'] });
        breachReplay = { outcome: breaches, after: await stateOf(w), executions: w.breaker.executionStatuses().map((e) => e.name) };
        await untilArchived(recorded);
        const intents = await replayIntoSession(w, [...recorded, neverDecided(recorded)], { replayName: 'replay-intents', routes: [INTENT_ROUTE_ID] });
        intentReplay = { outcome: intents, after: await stateOf(w), executions: w.breaker.executionStatuses().map((e) => e.name) };
        expiredOrder = await w.stores.orderStore.getOrder(w.settings.account, NEVER_DECIDED_ID);
      },
    });
    if (!resumed || !breachReplay || !intentReplay) throw new Error('the session never reached its drain');
    const breaches = recorded.filter((e) => e['detail-type'] === DETAIL_TYPES.RiskBreach).length;
    expect(breaches).toBeGreaterThan(0);
    expect(executionsBefore).toHaveLength(breaches);

    // The breach: delivered again, and the breaker took it for the execution it already ran. Nothing else moved.
    expect(breachReplay.outcome.delivered).toEqual({ RiskBreachToBreaker: breaches });
    expect(breachReplay.executions).toEqual(executionsBefore);
    expect(breachReplay.after.tradingState).toBe('ACTIVE');
    expect(breachReplay.after.pages).toBe(resumed.pages);
    expect(itemChanges(resumed.items, breachReplay.after.items)).toEqual({ added: {}, changed: {}, removed: [] });

    // The intents: every recorded one was decided already, so no order and no decision doubles; the one never
    // decided is denied INTENT_EXPIRED (created longer ago than risk decides), never decided at today's prices.
    const intents = recorded.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended);
    expect(intentReplay.outcome.delivered).toEqual({ [INTENT_ROUTE_ID]: intents.length + 1 });
    expect(intentReplay.after.brokerOrders).toBe(resumed.brokerOrders);
    expect(intentReplay.after.brokerDuplicates).toBe(0);
    const changes = itemChanges(breachReplay.after.items, intentReplay.after.items);
    expect(changes.added['ORDERS/ORDER'] ?? 0).toBe(1);
    expect(changes.changed['ORDERS/ORDER'] ?? 0).toBe(0);
    expect(expiredOrder).toMatchObject({ status: 'DENIED', reason: 'INTENT_EXPIRED' });
    // The runaway's busiest second would pass the flood limit if counted twice, but archived intents are not
    // counted again: no new breaker execution, the account stays ACTIVE, nobody is paged.
    expect(busiestSecond(intents) * 2).toBeGreaterThan(limit);
    expect(intentsCounted(intentReplay.after.items)).toBe(intentsCounted(breachReplay.after.items));
    expect(intentReplay.executions).toEqual(executionsBefore);
    expect(intentReplay.after.tradingState).toBe('ACTIVE');
    expect(intentReplay.after.pages).toBe(resumed.pages);
  });
});
