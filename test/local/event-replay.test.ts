// Replaying archived events is safe because every consumer is idempotent: a real local session runs, then every
// event its bus received in a time window is delivered again (same ids and details, as an EventBridge replay
// to all rules) into the same pipeline and table, and nothing doubles (docs/disaster-recovery.md).
import { describe, expect, inject, it } from 'vitest';
import { eventsInWindow, replayIntoSession, type ReplayOutcome } from '../../local/event-replay';
import type { LocalEvent } from '../../local/event-router';
import { runSession } from '../../local/session';
import type { SessionWiring } from '../../local/session-wiring';
import { itemTypeOf, scanItems, type Item } from '../../local/table-backup';
import { DETAIL_TYPES } from '../../shared/events/catalog';
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
    // Its busiest second stays under half the flood limit, so counting every intent again trips nothing (see below).
    expect(busiestSecond(recorded.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended)) * 2).toBeLessThanOrEqual(limit);

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

    // The table: no item added or removed; the only items changed are the flood-limit counts (every delivery of an
    // intent counts, by design). The decider's lease was taken and handed back, which leaves it as it was.
    const changes = itemChanges(before.items, after.items);
    expect(changes.removed).toEqual([]);
    expect(Object.keys(changes.added).filter((type) => type !== 'INTENTS')).toEqual([]);
    expect(Object.keys(changes.changed).filter((type) => type !== 'INTENTS')).toEqual([]);
    expect(intentsCounted(after.items) - intentsCounted(before.items)).toBe(intents);

    // Control: the same trading state, no breaker execution started, nobody paged, and reconciliation clean.
    expect(after.tradingState).toBe(before.tradingState);
    expect(after.breakerExecutions).toBe(before.breakerExecutions);
    expect(after.pages).toBe(before.pages);
    expect(reconciled).toBe('clean');
  });

  it('replays a breach without a second breaker execution, but counts replayed intents again: a runaway\'s window halts the account anew', { timeout: 180_000 }, async () => {
    let recorded: LocalEvent[] = [];
    let limit = 0;
    let resumed: PipelineState | undefined;
    let breachReplay: { outcome: ReplayOutcome; after: PipelineState; executions: string[] } | undefined;
    let intentReplay: { outcome: ReplayOutcome; after: PipelineState; executions: string[] } | undefined;
    let executionsBefore: string[] = [];
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
        const intents = await replayIntoSession(w, recorded, { replayName: 'replay-intents', routes: [INTENT_ROUTE_ID] });
        intentReplay = { outcome: intents, after: await stateOf(w), executions: w.breaker.executionStatuses().map((e) => e.name) };
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

    // The intents: every one was decided already, so no order and no decision doubles...
    const intents = recorded.filter((e) => e['detail-type'] === DETAIL_TYPES.OrderIntended);
    expect(intentReplay.outcome.delivered).toEqual({ [INTENT_ROUTE_ID]: intents.length });
    expect(intentReplay.after.brokerOrders).toBe(resumed.brokerOrders);
    expect(intentReplay.after.brokerDuplicates).toBe(0);
    const changes = itemChanges(breachReplay.after.items, intentReplay.after.items);
    expect(changes.added['ACCOUNT/ORDER'] ?? 0).toBe(0);
    expect(changes.changed['ACCOUNT/ORDER'] ?? 0).toBe(0);
    // ...but each delivery is counted for the flood limit again (by design, risk-service.ts), and the runaway's busiest
    // second, counted twice, passes the limit: a tradable account is halted by a new INTENT_FLOOD execution and paged.
    expect(busiestSecond(intents) * 2).toBeGreaterThan(limit);
    expect(intentReplay.executions.filter((name) => !executionsBefore.includes(name))).toEqual([expect.stringMatching(/^INTENT_FLOOD\./)]);
    expect(intentReplay.after.tradingState).toBe('HALTED');
    expect(intentReplay.after.pages).toBeGreaterThan(resumed.pages);
  });
});
