// Acceptance of the release → recovery → approval path, end to end on DynamoDB Local: the real kill-switch
// API handler and the real breaker tasks handler, the ASL file executed by LocalBreaker (waits and retry
// pauses shortened), the approval API answering the execution through LocalBreakerApprovals. The "world"
// hook stands in for what runs meanwhile in a deployment: the one-minute reconciliation and the feed.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedBroker } from '../../../adapters/broker/simulated-broker';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { createDocumentClient } from '../../../adapters/dynamodb/dynamo-table';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { createBreakerHandler } from '../../../functions/breaker/handler';
import { createKillSwitchHandler } from '../../../functions/kill-switch/handler';
import { LocalBreaker } from '../../../local/local-breaker';
import { LocalBreakerApprovals } from '../../../local/local-breaker-approvals';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { resolveBreakerConfig, type BreakerConfig } from '../../../shared/breaker/breaker-config';
import { releaseBreachId, startRecoveryWith } from '../../../shared/kill-switch/release-trip';
import { sessionStartMs } from '../../../shared/calendar/trading-calendar';
import type { ApprovalDelivery, ApprovalOutput, BreakerApprovals } from '../../../shared/ports/breaker-approvals';
import { resolveCompiledLimits } from '../../../shared/risk/limits';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import type { BreakerTrip } from '../../../shared/ports/breaker-starter';
import { cancelAllFrom } from '../../../shared/order-service/cancellation';
import { keys } from '../../../shared/storage/table-definition';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, RecordingBus, RecordingPager, silentLogger, testLimits } from '../../support/fixtures';
import { RecordingControlPlane } from '../../support/recording-control-plane';

import { ALICE, BOB, CAROL, gatewayContext, testCallers } from '../../support/kill-switch-api';

/** Counts what reaches the execution, so "sent once" is checked where it matters. */
class CountingApprovals implements BreakerApprovals {
  sends = 0;
  constructor(private readonly inner: BreakerApprovals) {}
  approve(taskToken: string, output: ApprovalOutput): Promise<ApprovalDelivery> {
    this.sends++;
    return this.inner.approve(taskToken, output);
  }
  reject(taskToken: string, error: string, cause: string): Promise<ApprovalDelivery> {
    this.sends++;
    return this.inner.reject(taskToken, error, cause);
  }
}

interface Fixture {
  client: DynamoDBClient;
  tableName: string;
  stores: TradingStores;
  seeder: TableSeeder;
  clock: ManualClock;
  pager: RecordingPager;
  breaker: LocalBreaker;
  approvals: CountingApprovals;
  api: ReturnType<typeof createKillSwitchHandler>;
  /** The breaker stage GET /status showed after each breaker task, consecutive repeats dropped. */
  stagesSeen: (string | null)[];
  /** Runs before each breaker task: what the rest of the system does meanwhile. */
  world: (task: string, input: Partial<BreakerTrip>) => Promise<void>;
}

const apiEvent = (method: string, path: string, principal: string, over: { body?: unknown; query?: Record<string, string> } = {}) => ({
  resource: path,
  path,
  httpMethod: method,
  headers: { 'content-type': 'application/json' },
  queryStringParameters: over.query ?? null,
  body: over.body === undefined ? null : JSON.stringify(over.body),
  isBase64Encoded: false,
  requestContext: gatewayContext(method, principal),
});
const bodyOf = (response: APIGatewayProxyResult): Record<string, unknown> => JSON.parse(response.body) as Record<string, unknown>;

const setup = async (config: Partial<BreakerConfig> = {}): Promise<Fixture> => {
  const { client, tableName, stores, seeder } = await freshStores();
  const clock = new ManualClock();
  const pager = new RecordingPager();
  const broker = new SimulatedBroker({ priceOf: () => '100', clock, seed: 5 });
  const telemetry = new InMemoryTelemetry();
  const limits = testLimits();
  const orderDeps = { ...stores, broker, bus: new RecordingBus(), clock, telemetry, leaseMs: 60_000 };
  const resolved = resolveBreakerConfig({ escalation: { trips: 3, windowMinutes: 60 }, maxEvaluations: 2, ...config });

  // The breaker's tasks, the executor and the API refer to one another; each reference is read when called.
  const breakerTasks = createBreakerHandler(() => ({
    ...stores,
    pager,
    clock,
    config: resolved,
    riskLimits: limits,
    telemetry,
    logger: silentLogger,
    starter: breaker,
    cancelAll: cancelAllFrom(orderDeps, 'breaker', 'circuit breaker tripped'),
  }));
  const breaker = new LocalBreaker({
    invoke: async (payload) => {
      const { task, input } = payload as { task: string; input: Partial<BreakerTrip> };
      await f.world(task, input);
      const result = await breakerTasks(payload);
      const stage = (bodyOf(await f.api(apiEvent('GET', '/status', CAROL, { query: { account: ACCOUNT } }))).breaker as { stage?: string } | null)?.stage ?? null;
      if (f.stagesSeen.at(-1) !== stage) f.stagesSeen.push(stage);
      return result;
    },
    waitMs: 0,
    retryIntervalMs: 0,
  });
  const approvals = new CountingApprovals(new LocalBreakerApprovals(breaker));
  const api = createKillSwitchHandler(() => ({
    ...stores,
    controlPlane: new RecordingControlPlane(),
    pager,
    clock,
    cancelAll: cancelAllFrom(orderDeps, 'kill-switch'),
    startRecovery: startRecoveryWith(breaker),
    approvals,
    telemetry,
    logger: silentLogger,
    accounts: [ACCOUNT],
    callers: testCallers(),
  }));
  const f: Fixture = { client, tableName, stores, seeder, clock, pager, breaker, approvals, api, stagesSeen: [], world: async () => undefined };

  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T14:00:00.000Z');
  await seeder.putMark('AAPL', '100', '2026-11-23T14:59:59.000Z');
  await seeder.depositCash(ACCOUNT, '1000000', '2026-11-23T14:00:00.000Z');
  const compiled = resolveCompiledLimits(limits, undefined);
  if (!compiled) throw new Error('test limits invalid');
  await createDocumentClient(client).send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.riskSession(ACCOUNT), sessionStartMs: sessionStartMs(compiled.lossCalendar, clock.now()), startEquity: '1000000', peakEquity: '1000000', version: 1 },
    }),
  );
  return f;
};

const post = (f: Fixture, path: string, principal: string, reason = 'checked') => f.api(apiEvent('POST', path, principal, { body: { account: ACCOUNT, reason } }));
const status = async (f: Fixture) => bodyOf(await f.api(apiEvent('GET', '/status', CAROL, { query: { account: ACCOUNT } })));

const cleanReconciliation = async (f: Fixture): Promise<void> => {
  const completedAt = new Date(f.clock.now()).toISOString();
  const runId = `recon-${completedAt}`;
  await f.stores.reconciliationStore.recordReconciliation(
    { account: ACCOUNT, runId, status: 'clean', completedAt, breaks: [] },
    auditEntry({ account: ACCOUNT, occurredAt: completedAt, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: runId, causationId: runId, detail: {} }),
  );
};

/** During the recovery's cooldown the schedule reconciles (clean) and the feed keeps ticking. */
const reconcilesDuringCooldown = (f: Fixture): void => {
  let done = false;
  f.world = async (task, input) => {
    if (done || task !== 'evaluateRecovery' || input.kind !== 'RELEASE') return;
    done = true;
    f.clock.advance(30_000);
    await f.seeder.putMark('AAPL', '100', new Date(f.clock.now()).toISOString());
    await cleanReconciliation(f);
  };
};

const tripsOf = async (f: Fixture): Promise<string[]> => {
  const out = await createDocumentClient(f.client).send(new GetCommand({ TableName: f.tableName, Key: keys.breakerTrips(ACCOUNT), ConsistentRead: true }));
  return ((out.Item?.trips as { breachId: string }[] | undefined) ?? []).map((t) => t.breachId);
};

/** Killed by ALICE, reconciled clean after it, released by BOB: returns the recovery execution's name. */
const killAndRelease = async (f: Fixture): Promise<string> => {
  expect((await post(f, '/kill-switch', ALICE, 'runaway strategy')).statusCode).toBe(200);
  f.clock.advance(60_000);
  await cleanReconciliation(f);
  f.clock.advance(30_000);
  const releasedAt = new Date(f.clock.now()).toISOString();
  const released = await post(f, '/kill-switch/release', BOB, 'root cause fixed');
  expect(released.statusCode).toBe(200);
  expect(bodyOf(released)).toMatchObject({ state: 'HALTED', steps: expect.arrayContaining([{ step: 'start-recovery', status: 'done' }]) });
  return releaseBreachId(ACCOUNT, releasedAt);
};

let f: Fixture;
beforeEach(async () => {
  f = await setup();
});
afterEach(async () => {
  await f.breaker.stop();
});

describe('recovery after a kill-switch release, through the approval API', () => {
  it('runs activation by A, release refused to A, release by B, the recovery without a trip, REDUCING, approval by C, ACTIVE, with status showing each stage', async () => {
    // Two trips in the window: one more trip would escalate to KILLED, so a release counted as a trip would.
    await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'DRAWDOWN.acct-1.earlier-1', Date.parse('2026-11-23T14:40:00.000Z'), 3_600_000);
    await f.stores.breakerStore.recordBreakerTrip(ACCOUNT, 'DRAWDOWN.acct-1.earlier-2', Date.parse('2026-11-23T14:50:00.000Z'), 3_600_000);
    const tripsBefore = await tripsOf(f);
    reconcilesDuringCooldown(f);

    expect((await post(f, '/kill-switch', ALICE, 'runaway strategy')).statusCode).toBe(200);
    f.clock.advance(60_000);
    await cleanReconciliation(f);
    const sameActivator = await post(f, '/kill-switch/release', ALICE, 'fixed it myself');
    expect(sameActivator.statusCode).toBe(409);
    expect(bodyOf(sameActivator)).toMatchObject({ error: 'ReleaseRefused', reason: 'SAME_PRINCIPAL' });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');

    f.clock.advance(30_000);
    const breachId = releaseBreachId(ACCOUNT, new Date(f.clock.now()).toISOString());
    expect((await post(f, '/kill-switch/release', BOB, 'root cause fixed')).statusCode).toBe(200);
    await f.breaker.approvalRequested(breachId);

    expect(await status(f)).toMatchObject({
      tradingState: 'REDUCING',
      breaker: { breachId, kind: 'RELEASE', stage: 'AWAITING_APPROVAL', awaitingApproval: true },
    });
    const approved = await post(f, '/breaker/approve', CAROL, 'probation clean');
    expect(approved.statusCode).toBe(200);
    expect(bodyOf(approved)).toEqual({ outcome: 'approved', account: ACCOUNT, breachId, decidedBy: CAROL });
    expect(await f.breaker.outcome(breachId)).toMatchObject({ status: 'SUCCEEDED' });

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
    expect(await status(f)).toMatchObject({ tradingState: 'ACTIVE', breaker: { breachId, stage: 'ACTIVE', awaitingApproval: false } });
    expect(f.stagesSeen).toEqual(['COOLDOWN', 'REDUCING', 'AWAITING_APPROVAL', 'ACTIVE']);
    // No trip recorded, no halt, no cancel-all and no HALTED page from the breaker: the recovery entry skips them.
    expect(await tripsOf(f)).toEqual(tripsBefore);
    expect(f.pager.pages.map((p) => p.subject)).toEqual([
      expect.stringMatching(/^trading KILLED on acct-1 by /),
      expect.stringMatching(/^kill switch on acct-1 released by /),
      'approve return to ACTIVE on acct-1',
    ]);
  });

  it('refuses the approval to whoever activated the kill switch and to whoever released it (409 SAME_PRINCIPAL)', async () => {
    reconcilesDuringCooldown(f);
    const breachId = await killAndRelease(f);
    await f.breaker.approvalRequested(breachId);

    for (const principal of [ALICE, BOB]) {
      const refused = await post(f, '/breaker/approve', principal);
      expect(refused.statusCode).toBe(409);
      expect(bodyOf(refused)).toMatchObject({ error: 'ApprovalRefused', reason: 'SAME_PRINCIPAL' });
    }
    expect(f.approvals.sends).toBe(0);
    expect(await status(f)).toMatchObject({ tradingState: 'REDUCING', breaker: { stage: 'AWAITING_APPROVAL', awaitingApproval: true } });
  });

  it('keeps trading HALTED and pages why when the recovery is rejected', async () => {
    reconcilesDuringCooldown(f);
    const breachId = await killAndRelease(f);
    await f.breaker.approvalRequested(breachId);

    const rejected = await post(f, '/breaker/reject', ALICE, 'not convinced yet');
    expect(rejected.statusCode).toBe(200);
    expect(bodyOf(rejected)).toMatchObject({ outcome: 'rejected', breachId, decidedBy: ALICE });
    expect(await f.breaker.outcome(breachId)).toMatchObject({ status: 'SUCCEEDED', output: { approvalError: { Error: 'Breaker.ApprovalRejected' } } });

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(f.pager.pages.at(-1)).toMatchObject({
      severity: 'critical',
      subject: `trading stays HALTED on ${ACCOUNT}`,
      message: `no approval (Breaker.ApprovalRejected: rejected by ${ALICE}: not convinced yet)`,
    });
    expect(await status(f)).toMatchObject({ tradingState: 'HALTED', breaker: { breachId, stage: 'STAYED_HALTED', awaitingApproval: false } });
  });

  it('answers 409 NO_PENDING_APPROVAL when no execution waits for approval', async () => {
    const response = await post(f, '/breaker/approve', CAROL);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'ApprovalRefused', reason: 'NO_PENDING_APPROVAL' });
    expect((await post(f, '/breaker/reject', CAROL)).statusCode).toBe(409);
  });

  it('refuses a second approval of the same token (409 NO_PENDING_APPROVAL) and sends it to the execution once', async () => {
    reconcilesDuringCooldown(f);
    const breachId = await killAndRelease(f);
    await f.breaker.approvalRequested(breachId);

    expect((await post(f, '/breaker/approve', CAROL)).statusCode).toBe(200);
    const again = await post(f, '/breaker/approve', CAROL);
    expect(again.statusCode).toBe(409);
    expect(bodyOf(again)).toMatchObject({ reason: 'NO_PENDING_APPROVAL' });
    expect(f.approvals.sends).toBe(1);
    expect(await f.breaker.outcome(breachId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
  });

  it('answers 409 APPROVAL_EXPIRED when the execution no longer waits on the stored token, and clears it', async () => {
    reconcilesDuringCooldown(f);
    const breachId = await killAndRelease(f);
    await f.breaker.approvalRequested(breachId);
    // The execution ends without passing StayHalted (stopped), so its pending approval is still stored.
    await f.breaker.stop();

    const response = await post(f, '/breaker/approve', CAROL);
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ reason: 'APPROVAL_EXPIRED' });
    expect(await status(f)).toMatchObject({ breaker: { breachId, awaitingApproval: false } });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('REDUCING');
  });

  it('keeps trading HALTED when the recovery fails its evaluation (no clean reconciliation after the release)', async () => {
    const breachId = await killAndRelease(f);
    const outcome = await f.breaker.outcome(breachId);

    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: { recovery: { ok: false }, evaluations: { count: 2 } } });
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(f.pager.pages.at(-1)?.message).toMatch(/recovery evaluation failed: reconciliation: latest clean run .* completed before the breach/);
    expect(await status(f)).toMatchObject({ tradingState: 'HALTED', breaker: { breachId, kind: 'RELEASE', stage: 'STAYED_HALTED', awaitingApproval: false } });
    expect(f.stagesSeen).toEqual(['COOLDOWN', 'STAYED_HALTED']);
  });

  it('recovers an account the breaker killed for repeated trips without escalating again, and lets the first person approve', async () => {
    // Three trips within the window, one after another (no clean reconciliation: each stays HALTED): KILLED.
    for (const [i, id] of ['trip-1', 'trip-2', 'trip-3'].entries()) {
      const trip: BreakerTrip = { breachId: `DRAWDOWN.acct-1.${id}`, account: ACCOUNT, kind: 'DRAWDOWN', reason: 'drawdown 520 bps >= 500', detectedAt: `2026-11-23T14:5${i}:00.000Z` };
      await f.breaker.start(trip);
      await f.breaker.outcome(trip.breachId);
    }
    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(await status(f)).toMatchObject({ breaker: { breachId: 'DRAWDOWN.acct-1.trip-3', stage: 'KILLED' } });
    const trips = await tripsOf(f);

    reconcilesDuringCooldown(f);
    f.clock.advance(60_000);
    await cleanReconciliation(f);
    const breachId = releaseBreachId(ACCOUNT, new Date(f.clock.now()).toISOString());
    expect((await post(f, '/kill-switch/release', BOB, 'limits reviewed')).statusCode).toBe(200);
    await f.breaker.approvalRequested(breachId);
    // The breaker set KILLED, so the person who released is the only one excluded besides the breaker.
    expect((await post(f, '/breaker/approve', BOB)).statusCode).toBe(409);
    expect((await post(f, '/breaker/approve', ALICE)).statusCode).toBe(200);
    await f.breaker.outcome(breachId);

    expect(await f.stores.tradingStateStore.getTradingState(ACCOUNT)).toBe('ACTIVE');
    expect(await tripsOf(f)).toEqual(trips);
  });
});
