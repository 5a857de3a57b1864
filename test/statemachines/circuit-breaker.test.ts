// The circuit-breaker ASL executed locally (aws-local-stepfunctions) against the real breaker tasks handler
// on DynamoDB Local, the real cancelAllOrders over a SimulatedBroker, and a recording pager. Waits and retry
// pauses are shortened; the approval token is modelled by LocalBreaker (approve / reject / the ASL timeout).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import { createDocumentClient } from '../../adapters/dynamodb/dynamo-table';
import type { TableSeeder } from '../../adapters/dynamodb/table-seeder';
import { SimulatedBroker } from '../../adapters/broker/simulated-broker';
import { auditEntry } from '../../shared/audit/audit-entry';
import { resolveBreakerConfig, type BreakerConfig } from '../../shared/breaker/breaker-config';
import type { Page, Pager } from '../../shared/ports/pager';
import type { BreakerStore } from '../../shared/ports/breaker-store';
import { sessionStartMs } from '../../shared/calendar/trading-calendar';
import { resolveCompiledLimits } from '../../shared/risk/limits';
import { keys } from '../../shared/storage/table-definition';
import { createBreakerHandler } from '../../functions/breaker/handler';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import type { BreakerTrip } from '../../shared/ports/breaker-starter';
import { cancelAllOrders } from '../../shared/order-service/cancellation';
import { loadCircuitBreakerDefinition, LocalBreaker } from '../../local/local-breaker';
import { LocalBreakerApprovals } from '../../local/local-breaker-approvals';
import { approveRecovery } from '../../shared/breaker/approval';
import { freshStores } from '../support/dynamo';
import { ACCOUNT, ManualClock, RecordingBus, RecordingPager, silentLogger, testLimits } from '../support/fixtures';

// asl-validator ships no type declarations: its documented call shape, typed here.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

/** Records every attempt to page, including those that fail. */
class AttemptRecordingPager implements Pager {
  readonly attempts: Page[] = [];
  constructor(private readonly inner: RecordingPager) {}
  async page(page: Page): Promise<void> {
    this.attempts.push(page);
    await this.inner.page(page);
  }
}

interface Fixture {
  client: DynamoDBClient;
  stores: TradingStores;
  seeder: TableSeeder;
  tableName: string;
  clock: ManualClock;
  pager: RecordingPager;
  attempts: AttemptRecordingPager;
  cancelAllCalls: { account: string; requestedBy: string; requestId: string }[];
  breaker: LocalBreaker;
  config: BreakerConfig;
}

/** Approves as the kill-switch API does: the pending approval is taken from the record, then its token is sent. */
const approveThroughApi = async (g: Fixture, principal: string) =>
  expect(
    await approveRecovery(
      { breakerStore: g.stores.breakerStore, tradingStateStore: g.stores.tradingStateStore, approvals: new LocalBreakerApprovals(g.breaker), clock: g.clock },
      { account: ACCOUNT, principal, reason: 'checked the account', requestId: `approve-${principal}` },
    ),
  ).toMatchObject({ outcome: 'approved' });

const trip = (breachId: string, over: Partial<BreakerTrip> = {}): BreakerTrip => ({
  breachId,
  account: ACCOUNT,
  kind: 'DRAWDOWN',
  reason: 'drawdown 520 bps >= 500',
  detectedAt: '2026-11-23T14:59:00.000Z',
  ...over,
});

/** What the n-th cancel-all (1-based) reports instead of the real one's counts, when a test needs orders still being submitted. */
type CancelCounts = (call: number) => { requested: number; canceledLocally: number; waiting: number } | undefined;

const setup = async (
  config: Partial<BreakerConfig> = {},
  tasksStore: (store: BreakerStore) => BreakerStore = (store) => store,
  cancelCounts: CancelCounts = () => undefined,
): Promise<Fixture> => {
  const { client, tableName, stores, seeder } = await freshStores();
  const clock = new ManualClock();
  const pager = new RecordingPager();
  const attempts = new AttemptRecordingPager(pager);
  const limits = testLimits();
  const broker = new SimulatedBroker({ priceOf: () => '100', clock, seed: 5 });
  const telemetry = new InMemoryTelemetry();
  const cancelAllCalls: Fixture['cancelAllCalls'] = [];
  const resolved = resolveBreakerConfig({ escalation: { trips: 3, windowMinutes: 60 }, maxEvaluations: 2, ...config });
  const handler = createBreakerHandler(() => ({
    ...stores,
    breakerStore: tasksStore(stores.breakerStore),
    pager: attempts,
    clock,
    config: resolved,
    riskLimits: limits,
    telemetry,
    logger: silentLogger,
    // Breach events are not what these tests send; the breaker itself is the starter, as in the local session.
    starter: breaker,
    cancelAll: async (account, requestedBy, requestId) => {
      cancelAllCalls.push({ account, requestedBy, requestId });
      const counts = cancelCounts(cancelAllCalls.length);
      if (counts) return counts;
      return cancelAllOrders({ ...stores, broker, bus: new RecordingBus(), clock, telemetry, workerId: 'breaker-test', leaseMs: 60_000 }, { account, requestedBy, requestId });
    },
  }));
  const breaker = new LocalBreaker({ invoke: handler, waitMs: 0, retryIntervalMs: 0 });

  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
  await seeder.putMark('AAPL', '100', '2026-11-23T14:59:59.000Z');
  await seeder.depositCash(ACCOUNT, '1000000', '2026-11-23T14:00:00.000Z');
  await putSession(client, tableName, clock.now(), '1000000');
  return { client, stores, seeder, tableName, clock, pager, attempts, cancelAllCalls, breaker, config: resolved };

  async function putSession(c: typeof client, table: string, nowMs: number, peakEquity: string): Promise<void> {
    const compiled = resolveCompiledLimits(limits, undefined);
    if (!compiled) throw new Error('test limits invalid');
    await createDocumentClient(c).send(
      new PutCommand({
        TableName: table,
        Item: { ...keys.riskSession(ACCOUNT), sessionStartMs: sessionStartMs(compiled.lossCalendar, nowMs), startEquity: '1000000', peakEquity, version: 1 },
      }),
    );
  }
};

/** The peak rises above the current equity: a drawdown still beyond the breaker threshold. */
const keepDrawdown = async (f: Fixture): Promise<void> => {
  const compiled = resolveCompiledLimits(testLimits(), undefined);
  if (!compiled) throw new Error('test limits invalid');
  await createDocumentClient(f.client).send(
    new PutCommand({
      TableName: f.tableName,
      Item: { ...keys.riskSession(ACCOUNT), sessionStartMs: sessionStartMs(compiled.lossCalendar, f.clock.now()), startEquity: '1000000', peakEquity: '1100000', version: 2 },
    }),
  );
};

const cleanReconciliation = async (f: Fixture): Promise<void> => {
  const completedAt = '2026-11-23T15:00:00.000Z';
  await f.stores.reconciliationStore.recordReconciliation(
    { account: ACCOUNT, runId: 'recon-1', status: 'clean', completedAt, breaks: [] },
    auditEntry({ account: ACCOUNT, occurredAt: completedAt, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'recon-1', causationId: 'recon-1', detail: {} }),
  );
};

describe('circuit-breaker.asl.json', () => {
  it('is a valid Amazon States Language definition', () => {
    const { isValid, errorsText } = aslValidator(loadCircuitBreakerDefinition());
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it('gives every Task a Retry and a Catch of States.ALL, which leads to the fail-closed path', () => {
    const states = loadCircuitBreakerDefinition().States as Record<string, { Type: string; Retry?: unknown[]; Catch?: { ErrorEquals: string[]; Next: string }[] }>;
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');
    for (const [name, task] of tasks) {
      expect(task.Retry?.length, name).toBeGreaterThan(0);
      const all = task.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      // The fail-closed path's own steps go on to the page and the Fail state instead of looping.
      expect(all?.Next, name).toBe(name === 'FailClosed' ? 'FailClosedPage' : name === 'FailClosedPage' ? 'BreakerFailed' : 'FailClosed');
    }
    expect(tasks.map(([name]) => name)).toEqual(expect.arrayContaining(['LoadRecoveryConfig', 'StartRecovery']));
  });

  it('halts first for a trip and enters at the recovery part for mode "recovery"', () => {
    const definition = loadCircuitBreakerDefinition();
    expect(definition.StartAt).toBe('Entry');
    expect(definition.States.Entry).toMatchObject({
      Type: 'Choice',
      Choices: [{ And: [{ Variable: '$.mode', IsPresent: true }, { Variable: '$.mode', StringEquals: 'recovery' }], Next: 'LoadRecoveryConfig' }],
      Default: 'SetHalted',
    });
    expect(definition.States.LoadRecoveryConfig).toMatchObject({ Next: 'StartRecovery', ResultPath: '$.trip' });
    // The halt never waits for the status bookkeeping: SetHalted names no stage.
    expect((definition.States.SetHalted as unknown as { Parameters: { Payload: Record<string, unknown> } }).Parameters.Payload).not.toHaveProperty('stage');
  });
});

describe('the circuit breaker, executed locally against the real task handler', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await setup();
  });

  it('halts on a drawdown trip, cancels all orders and pages, then after cooldown, clean checks, probation and approval returns trading to ACTIVE', async () => {
    await cleanReconciliation(f);
    const breach = trip('DRAWDOWN.acct-1.20261123T1430Z');

    expect(await f.breaker.start(breach)).toBe('started');
    await f.breaker.approvalRequested(breach.breachId);

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('REDUCING');
    expect(f.cancelAllCalls).toEqual([{ account: ACCOUNT, requestedBy: 'breaker', requestId: breach.breachId }]);
    expect(f.pager.pages.map((p) => [p.severity, p.subject])).toEqual([
      ['critical', `trading HALTED on ${ACCOUNT}: DRAWDOWN`],
      ['warning', `approve return to ACTIVE on ${ACCOUNT}`],
    ]);

    await approveThroughApi(f, 'alice');
    const outcome = await f.breaker.outcome(breach.breachId);

    expect(outcome.status).toBe('SUCCEEDED');
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
  });

  it('fails closed, HALTED, when the task token is answered without the kill-switch API (the approval still pending in the record)', async () => {
    await cleanReconciliation(f);
    const breach = trip('DRAWDOWN.acct-1.20261123T1431Z');
    expect(await f.breaker.start(breach)).toBe('started');
    await f.breaker.approvalRequested(breach.breachId);
    f.breaker.approve(breach.breachId, 'mallory');
    const outcome = await f.breaker.outcome(breach.breachId);
    expect(outcome.status).toBe('FAILED');
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
  });

  it('cancels again, 5 s apart, while orders were still being submitted at the last round, then goes on', async () => {
    const g = await setup({}, undefined, (call) => (call <= 2 ? { requested: 1, canceledLocally: 0, waiting: 1 } : undefined));
    await cleanReconciliation(g);
    const breach = trip('DRAWDOWN.acct-1.waiting-orders');
    await g.breaker.start(breach);
    await g.breaker.approvalRequested(breach.breachId);
    expect(g.cancelAllCalls).toHaveLength(3);
    expect(await g.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('REDUCING');
  });

  it('stops cancelling again after six extra rounds when orders stay without a broker id, and still recovers', async () => {
    const g = await setup({}, undefined, () => ({ requested: 1, canceledLocally: 0, waiting: 1 }));
    await cleanReconciliation(g);
    const breach = trip('DRAWDOWN.acct-1.always-waiting');
    await g.breaker.start(breach);
    await g.breaker.approvalRequested(breach.breachId);
    expect(g.cancelAllCalls).toHaveLength(7);
  });

  it('keeps trading HALTED and pages when the recovery evaluation keeps failing', async () => {
    await cleanReconciliation(f);
    await keepDrawdown(f);
    const breach = trip('DRAWDOWN.acct-1.eval-fails');

    await f.breaker.start(breach);
    const outcome = await f.breaker.outcome(breach.breachId);

    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { recovery: { ok: false }, evaluations: { count: f.config.maxEvaluations } } });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    const last = f.pager.pages.at(-1);
    expect(last?.subject).toBe(`trading stays HALTED on ${ACCOUNT}`);
    expect(last?.message).toMatch(/recovery evaluation failed: loss: DRAWDOWN/);
  });

  it('keeps trading HALTED when there is no clean reconciliation after the breach', async () => {
    const breach = trip('DRAWDOWN.acct-1.no-recon');

    await f.breaker.start(breach);
    await f.breaker.outcome(breach.breachId);

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(f.pager.pages.at(-1)?.message).toMatch(/reconciliation: no reconciliation recorded/);
  });

  it('escalates to KILLED when the trips of an account within the window reach the threshold', async () => {
    const outcomes = [];
    // One after another: each earlier trip ends with trading still HALTED (no clean reconciliation).
    for (const [i, id] of ['trip-1', 'trip-2', 'trip-3'].entries()) {
      const breach = trip(`DRAWDOWN.acct-1.${id}`, { detectedAt: `2026-11-23T14:5${i}:00.000Z` });
      await f.breaker.start(breach);
      outcomes.push(await f.breaker.outcome(breach.breachId));
    }

    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(f.pager.pages.filter((p) => p.subject.startsWith('trading KILLED'))).toHaveLength(1);
  });

  it('counts a replayed trip once towards escalation', async () => {
    const at = Date.parse('2026-11-23T14:59:00.000Z');
    await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'b-1', at, 3_600_000);
    await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'b-1', at, 3_600_000);
    const trips = await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'b-2', at + 1000, 3_600_000);

    expect(trips.map((t) => t.breachId)).toEqual(['b-1', 'b-2']);
    // Outside the window the old trip no longer counts.
    expect((await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'b-3', at + 3_600_000 + 500, 3_600_000)).map((t) => t.breachId)).toEqual(['b-2', 'b-3']);
  });

  it('fails closed when a task keeps failing: trading stays HALTED, the execution fails, and the failure path tried to page', async () => {
    f.pager.failing = true;
    const breach = trip('DRAWDOWN.acct-1.pager-down');

    await f.breaker.start(breach);
    const outcome = await f.breaker.outcome(breach.breachId);

    expect(outcome).toEqual({ status: 'FAILED', error: 'Breaker.FailedClosed' });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(f.attempts.attempts.some((p) => p.subject.startsWith('circuit breaker failed'))).toBe(true);
  });

  it('keeps trading HALTED and pages when nobody approves before the approval timeout', async () => {
    const g = await setup({ approvalTimeoutSeconds: 1 });
    await cleanReconciliation(g);
    const breach = trip('DRAWDOWN.acct-1.no-approval');

    await g.breaker.start(breach);
    const outcome = await g.breaker.outcome(breach.breachId);

    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { approvalError: { Error: 'States.Timeout' } } });
    expect(await g.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(g.pager.pages.at(-1)?.message).toBe('no approval (States.Timeout)');
  });

  it('keeps trading HALTED when the approver rejects the recovery', async () => {
    await cleanReconciliation(f);
    const breach = trip('DRAWDOWN.acct-1.rejected');

    await f.breaker.start(breach);
    await f.breaker.approvalRequested(breach.breachId);
    f.breaker.reject(breach.breachId, 'not yet');
    await f.breaker.outcome(breach.breachId);

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
  });

  it('reports an execution waiting for approval as RUNNING, and stop() ends it without a later state change', async () => {
    await cleanReconciliation(f);
    const breach = trip('DRAWDOWN.acct-1.stopped');

    await f.breaker.start(breach);
    await f.breaker.approvalRequested(breach.breachId);
    expect(f.breaker.executionStatuses()).toEqual([{ name: breach.breachId, status: 'RUNNING' }]);
    await f.breaker.stop();

    expect(await f.breaker.outcome(breach.breachId)).toMatchObject({ status: 'FAILED' });
    expect(f.breaker.executionStatuses()).toEqual([{ name: breach.breachId, status: 'FAILED' }]);
    // Aborted at AwaitApproval: no StayHalted/SetActive ran after the stop.
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('REDUCING');
  });

  it('runs one execution for a duplicate breach: the second start is refused', async () => {
    const breach = trip('DRAWDOWN.acct-1.dup');

    const [first, second] = await Promise.all([f.breaker.start(breach), f.breaker.start(breach)]);
    await f.breaker.outcome(breach.breachId);

    expect([first, second]).toEqual(['started', 'duplicate']);
    expect(f.cancelAllCalls).toHaveLength(1);
    expect(f.pager.pages.filter((p) => p.subject.startsWith('trading HALTED'))).toHaveLength(1);
  });

  it('enters at the recovery part for mode "recovery": no halt, no trip, no cancel-all, no HALTED page, then REDUCING and approval', async () => {
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'bob', '2026-11-23T15:00:00.000Z');
    await cleanReconciliation(f);
    const recovery = trip('RELEASE.acct-1.20261123T150000Z', {
      kind: 'RELEASE',
      reason: 'kill switch released by bob: fixed',
      detectedAt: '2026-11-23T15:00:00.000Z',
      mode: 'recovery',
      release: { activatedBy: 'alice', releasedBy: 'bob' },
    });

    await f.breaker.start(recovery);
    await f.breaker.approvalRequested(recovery.breachId);

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('REDUCING');
    expect(await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'probe', Date.parse('2026-11-23T15:00:00.000Z'), 3_600_000)).toEqual([{ breachId: 'probe', atMs: Date.parse('2026-11-23T15:00:00.000Z') }]);
    expect(f.cancelAllCalls).toEqual([]);
    expect(f.pager.pages.map((p) => p.subject)).toEqual([`approve return to ACTIVE on ${ACCOUNT}`]);
    expect(f.pager.pages[0]?.message).toMatch(/not approvable by alice \(activated the kill switch\) or bob \(released it\)/);
    expect(await f.stores.breakerStore.getBreakerExecution(ACCOUNT)).toMatchObject({
      breachId: recovery.breachId,
      kind: 'RELEASE',
      stage: 'AWAITING_APPROVAL',
      approval: { taskToken: `local-token:${recovery.breachId}`, excludedApprovers: ['breaker', 'alice', 'bob'] },
    });

    await approveThroughApi(f, 'carol');
    expect(await f.breaker.outcome(recovery.breachId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
  });

  it('records the execution’s stage for status as it goes: TRIPPED, then COOLDOWN, and KILLED on escalation', async () => {
    const stages: string[] = [];
    const g = await setup({}, (store) =>
      Object.assign(Object.create(store) as BreakerStore, {
        recordBreakerStage: async (...args: Parameters<BreakerStore['recordBreakerStage']>) => {
          stages.push(args[0].stage);
          return store.recordBreakerStage(...args);
        },
      }),
    );
    for (const [i, id] of ['s-1', 's-2', 's-3'].entries()) {
      const breach = trip(`DRAWDOWN.acct-1.${id}`, { detectedAt: `2026-11-23T14:5${i}:00.000Z` });
      await g.breaker.start(breach);
      await g.breaker.outcome(breach.breachId);
    }

    expect(stages).toEqual(['TRIPPED', 'COOLDOWN', 'STAYED_HALTED', 'TRIPPED', 'COOLDOWN', 'STAYED_HALTED', 'TRIPPED', 'KILLED']);
    expect(await g.stores.breakerStore.getBreakerExecution(ACCOUNT)).toMatchObject({ breachId: 'DRAWDOWN.acct-1.s-3', stage: 'KILLED' });
  });

  it('halts even when the status bookkeeping cannot be written: the write failure takes the fail-closed path, trading stays HALTED', async () => {
    const g = await setup({}, (store) =>
      Object.assign(Object.create(store) as BreakerStore, { recordBreakerStage: () => Promise.reject(new Error('throttled')) }),
    );
    const breach = trip('DRAWDOWN.acct-1.no-bookkeeping');

    await g.breaker.start(breach);
    const outcome = await g.breaker.outcome(breach.breachId);

    expect(outcome).toEqual({ status: 'FAILED', error: 'Breaker.FailedClosed' });
    expect(await g.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(g.pager.pages.at(-1)?.subject).toBe(`circuit breaker failed on ${ACCOUNT}: trading kept HALTED`);
  });

  it('does not ask for approval in an execution a newer breach superseded: it fails closed and the newer one owns the status', async () => {
    await cleanReconciliation(f);
    await f.stores.breakerStore.recordBreakerStage({ account: ACCOUNT, breachId: 'DRAWDOWN.acct-1.newer', kind: 'DRAWDOWN', stage: 'TRIPPED', since: '2026-11-23T15:00:00.000Z', detectedAtMs: Date.parse('2026-11-23T15:00:00.000Z') }, true);
    const older = trip('DRAWDOWN.acct-1.older', { detectedAt: '2026-11-23T14:59:00.000Z' });

    await f.breaker.start(older);
    const outcome = await f.breaker.outcome(older.breachId);

    expect(outcome).toEqual({ status: 'FAILED', error: 'Breaker.FailedClosed' });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(await f.stores.breakerStore.getBreakerExecution(ACCOUNT)).toMatchObject({ breachId: 'DRAWDOWN.acct-1.newer', stage: 'TRIPPED' });
    expect(f.pager.pages.map((p) => p.subject)).not.toContain(`approve return to ACTIVE on ${ACCOUNT}`);
  });

  it('rejects a payload with a bad field, naming it', async () => {
    const handler = createBreakerHandler(() => ({
      ...f.stores,
      pager: f.pager,
      clock: f.clock,
      config: f.config,
      riskLimits: testLimits(),
      telemetry: new InMemoryTelemetry(),
      logger: silentLogger,
      starter: f.breaker,
      cancelAll: () => Promise.reject(new Error('unused')),
    }));
    await expect(handler({ task: 'page', event: 'HALTED', input: { ...trip('x'), account: '' } })).rejects.toMatchObject({
      name: 'InvalidInputError',
      issues: [expect.objectContaining({ path: 'input.account' })],
    });
  });
});
