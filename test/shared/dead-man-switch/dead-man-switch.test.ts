// Specification of the dead-man switch: when the feed's heartbeat or the marks are older than allowed, every
// account's open orders are cancelled and a FEED_STALE breach (one id per stale episode) starts the breaker;
// a check that cannot read what it needs is stale (fail closed).
import { describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../../shared/errors/errors';
import { RiskBreachDetailSchema, type RiskBreachDetail } from '../../../shared/events/risk-events';
import type { OrderRecord } from '../../../shared/orders/order-record';
import type { EventBus } from '../../../shared/ports/event-bus';
import type { MarketId } from '../../../shared/calendar/trading-calendar';
import { EVENT_ROUTES, matchesPattern } from '../../../shared/routing/routes';
import { METRICS } from '../../../shared/telemetry/metrics';
import type { TradingState } from '../../../shared/trading-state/trading-state';
import type { AccountBook } from '../../../shared/ledger/account-book';
import type { FeedHeartbeat, Mark } from '../../../shared/market/marks';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import type { CancelAllResult } from '../../../shared/order-service/cancellation';
import { checkFeedLiveness, createDeadManSwitch, feedStaleBreachId, type DeadManSwitchDeps } from '../../../shared/dead-man-switch/dead-man-switch';
import { resolveDeadManSwitchConfig } from '../../../shared/dead-man-switch/dead-man-switch-config';
import { intentFor, ManualClock, RecordingBus } from '../../support/fixtures';

const ACCT = 'acct-1';
/** Monday 2026-11-23 15:00 UTC: XNYS has been open since 14:30 UTC. */
const NOW = Date.parse('2026-11-23T15:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

type Failing = 'heartbeat' | 'marks' | 'book' | 'orders' | 'state';

/** The reads the switch makes, in memory; `failing` makes a read throw as the DynamoDB adapter does. */
class FeedStore {
  heartbeat: FeedHeartbeat | undefined = { feedId: 'feed-1', at: iso(NOW) };
  marks: Record<string, Mark> = { AAPL: { price: '100', at: iso(NOW) }, MSFT: { price: '50', at: iso(NOW) } };
  positions: Record<string, Record<string, string>> = {};
  openOrderSymbols: Record<string, string[]> = {};
  states: Record<string, TradingState | undefined> = { [ACCT]: 'ACTIVE', 'acct-2': 'ACTIVE' };
  readonly failing = new Set<Failing>();

  private guard(what: Failing): void {
    if (this.failing.has(what)) throw new InfrastructureError(`DynamoDB GetItem (${what}) failed`, 'dynamodb');
  }
  getFeedHeartbeat = async () => (this.guard('heartbeat'), this.heartbeat);
  getMarks = async () => (this.guard('marks'), this.marks);
  getBook = async (account: string): Promise<AccountBook> => {
    this.guard('book');
    const held = this.positions[account] ?? {};
    return { cash: '0', positions: Object.fromEntries(Object.entries(held).map(([s, q]) => [s, { quantity: q, inFlightBuy: '0', inFlightSell: '0' }])) };
  };
  listOrders = async (account: string) => {
    this.guard('orders');
    return (this.openOrderSymbols[account] ?? []).map((symbol, i): OrderRecord => ({
      account,
      strategy: 'test',
      intent: intentFor(`open-${i}`, { symbol }),
      status: 'ACCEPTED',
      filledQuantity: '0',
      createdAt: iso(NOW),
      updatedAt: iso(NOW),
    }));
  };
  getTradingState = async (account: string) => (this.guard('state'), this.states[account]);
}

interface CancelCall {
  account: string;
  requestedBy: string;
  requestId: string;
}

const setup = (over: { accounts?: string[]; market?: MarketId; bus?: EventBus } = {}) => {
  const store = new FeedStore();
  const bus = new RecordingBus();
  const cancels: CancelCall[] = [];
  const clock = new ManualClock(NOW);
  const telemetry = new InMemoryTelemetry();
  let cancelFails = false;
  const deps: DeadManSwitchDeps = {
    marketDataStore: store,
    reconciliationStore: store,
    orderStore: store,
    tradingStateStore: store,
    bus: over.bus ?? bus,
    cancelAll: async (account, requestedBy, requestId): Promise<CancelAllResult> => {
      if (cancelFails) throw new InfrastructureError('broker unreachable', 'broker');
      cancels.push({ account, requestedBy, requestId });
      return { requested: 2, canceledLocally: 1, waiting: 0 };
    },
    clock,
    accounts: over.accounts ?? [ACCT],
    config: resolveDeadManSwitchConfig(undefined),
    riskLimits: { sessions: { defaultMarket: over.market ?? 'CRYPTO', bySymbol: {} } },
    telemetry,
  };
  return {
    store,
    bus,
    cancels,
    clock,
    telemetry,
    deps,
    check: (at = clock.now()) => checkFeedLiveness(deps, at),
    failCancels: () => {
      cancelFails = true;
    },
    breaches: () => bus.ofType('RiskBreach.v1').map((e) => e.detail as RiskBreachDetail),
  };
};

describe('the dead-man switch: calendar coverage', () => {
  it('reports, every check, how many days each exchange calendar still covers', async () => {
    const f = setup({ market: 'XNYS' });
    await f.check(Date.parse('2027-12-01T12:00:00-05:00'));
    expect(f.telemetry.countOf(METRICS.calendarCoverageDays, { market: 'XNYS' })).toBe(30);
  });

  it('reports nothing for an always-open market, whose calendar never runs out', async () => {
    const f = setup({ market: 'CRYPTO' });
    await f.check();
    expect(f.telemetry.countOf(METRICS.calendarCoverageDays, { market: 'CRYPTO' })).toBe(0);
  });
});

describe('the dead-man switch: heartbeat', () => {
  it('is fresh when the heartbeat is exactly maxHeartbeatAgeSeconds (15 s) old: nothing is cancelled or raised', async () => {
    const f = setup();
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW - 15_000) };
    const result = await f.check();
    expect(result).toMatchObject({ stale: false, reasons: [], accounts: [{ account: ACCT, stale: false, breach: 'none', cancel: 'none' }] });
    expect(f.cancels).toEqual([]);
    expect(f.bus.events).toEqual([]);
  });

  it('is stale 1 ms past the limit: cancels every open order and raises FEED_STALE with the age and the limit', async () => {
    const f = setup();
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW - 15_001) };
    const result = await f.check();
    expect(result.stale).toBe(true);
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'HEARTBEAT_STALE', ageSeconds: 15.001, limitSeconds: 15 })]);
    expect(f.cancels).toEqual([{ account: ACCT, requestedBy: 'dead-man-switch', requestId: 'FEED_STALE.acct-1.HB20261123T145944Z@20261123T150000Z' }]);
    expect(f.breaches().map((b) => b.data)).toEqual([
      {
        breachId: 'FEED_STALE.acct-1.HB20261123T145944Z',
        kind: 'FEED_STALE',
        account: ACCT,
        observed: '15.001',
        threshold: '15',
        sessionStart: '2026-11-23T14:59:44.999Z',
        detectedAt: '2026-11-23T15:00:00.000Z',
        reason: expect.stringMatching(/^feed stale: feed heartbeat \(feed-1\) is 15.001s old, limit 15s/),
      },
    ]);
    expect(result.accounts[0]).toMatchObject({ breach: 'published', cancel: 'done', canceled: { requested: 2, canceledLocally: 1, waiting: 0 }, tradingState: 'ACTIVE' });
  });

  it('calls a heartbeat that was never written stale, with an unknown age (-1) and an id per UTC hour', async () => {
    const f = setup();
    f.store.heartbeat = undefined;
    await f.check();
    expect(f.breaches()[0]?.data).toMatchObject({ breachId: 'FEED_STALE.acct-1.NOHB20261123T15', observed: '-1', threshold: '15' });
    expect(f.cancels).toHaveLength(1);
  });

  it('publishes a breach the catalog accepts, from trading.dead-man-switch, which the RiskBreach route takes to the breaker', async () => {
    const f = setup();
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW - 60_000) };
    await f.check();
    const [event] = f.bus.ofType('RiskBreach.v1');
    expect(event?.source).toBe('trading.dead-man-switch');
    expect(RiskBreachDetailSchema.safeParse(event?.detail).success).toBe(true);
    const route = EVENT_ROUTES.find((r) => r.id === 'RiskBreachToBreaker');
    expect(route && matchesPattern(route.pattern, { source: event?.source ?? '', 'detail-type': 'RiskBreach.v1', detail: event?.detail })).toBe(true);
  });
});

describe('the dead-man switch: marks', () => {
  it('is fresh when the newest mark is exactly maxMarkAgeSeconds (60 s) old and stale 1 ms later', async () => {
    const f = setup();
    f.store.marks = { AAPL: { price: '100', at: iso(NOW - 60_000) } };
    expect((await f.check()).stale).toBe(false);
    f.store.marks = { AAPL: { price: '100', at: iso(NOW - 60_001) } };
    const result = await f.check();
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'NEWEST_MARK_STALE', symbol: 'AAPL', ageSeconds: 60.001, limitSeconds: 60 })]);
    expect(f.breaches()[0]?.data.breachId).toBe('FEED_STALE.acct-1.MK20261123T145859Z');
  });

  it('is stale when a symbol the account holds has a mark 1 ms past the limit, though other marks are fresh', async () => {
    const f = setup();
    f.store.positions[ACCT] = { MSFT: '-3' };
    f.store.marks.MSFT = { price: '50', at: iso(NOW - 60_000) };
    expect((await f.check()).stale).toBe(false);
    f.store.marks.MSFT = { price: '50', at: iso(NOW - 60_001) };
    const result = await f.check();
    expect(result.reasons).toEqual([]);
    expect(result.accounts[0]?.reasons).toEqual([expect.objectContaining({ code: 'MARK_STALE', symbol: 'MSFT' })]);
    expect(f.cancels).toHaveLength(1);
  });

  it('is stale when a symbol with an open order has a stale or no mark', async () => {
    const f = setup();
    f.store.openOrderSymbols[ACCT] = ['TSLA'];
    const result = await f.check();
    expect(result.accounts[0]?.reasons).toEqual([expect.objectContaining({ code: 'MARK_MISSING', symbol: 'TSLA' })]);
    expect(f.breaches()[0]?.data.breachId).toBe('FEED_STALE.acct-1.NOMK20261123T15');
  });

  it('ignores a stale mark of a symbol the account neither holds nor has an open order in', async () => {
    const f = setup();
    f.store.positions[ACCT] = { AAPL: '0' };
    f.store.marks.MSFT = { price: '50', at: iso(NOW - 3_600_000) };
    expect((await f.check()).stale).toBe(false);
  });

  it('calls no marks at all stale', async () => {
    const f = setup();
    f.store.marks = {};
    expect((await f.check()).reasons).toEqual([expect.objectContaining({ code: 'NO_MARKS' })]);
  });

  it('does not judge the marks of a closed market (a Saturday), only the heartbeat', async () => {
    const f = setup({ market: 'XNYS' });
    const saturday = Date.parse('2026-11-21T15:00:00.000Z');
    f.store.heartbeat = { feedId: 'feed-1', at: iso(saturday) };
    f.store.positions[ACCT] = { AAPL: '5' };
    f.store.marks = { AAPL: { price: '100', at: '2026-11-20T21:00:00.000Z' } };
    expect((await f.check(saturday)).stale).toBe(false);
  });

  it("measures an exchange's marks from the session open: yesterday's close is fresh 60 s after the open, stale 1 ms later", async () => {
    const f = setup({ market: 'XNYS' });
    const open = Date.parse('2026-11-23T14:30:00.000Z');
    f.store.marks = { AAPL: { price: '100', at: '2026-11-20T21:00:00.000Z' } };
    f.store.heartbeat = { feedId: 'feed-1', at: iso(open + 60_000) };
    expect((await f.check(open + 60_000)).stale).toBe(false);
    f.store.heartbeat = { feedId: 'feed-1', at: iso(open + 60_001) };
    const result = await f.check(open + 60_001);
    expect(result.reasons).toEqual([expect.objectContaining({ code: 'NEWEST_MARK_STALE', ageSeconds: 60.001 })]);
    expect(f.breaches()[0]?.data.breachId).toBe('FEED_STALE.acct-1.MK20261123T143000Z');
  });
});

describe('the dead-man switch fails closed', () => {
  it('cancels and raises the breach when the heartbeat and the marks cannot be read, and counts the failure', async () => {
    const f = setup();
    f.store.failing.add('heartbeat').add('marks');
    const result = await f.check();
    expect(result.reasons.map((r) => r.code)).toEqual(['CHECK_FAILED', 'CHECK_FAILED']);
    expect(f.cancels).toHaveLength(1);
    expect(f.breaches()[0]?.data).toMatchObject({ breachId: 'FEED_STALE.acct-1.ERR20261123T15', observed: '-1' });
    expect(f.telemetry.countOf(METRICS.deadManSwitchFailure, { step: 'feed' })).toBe(1);
  });

  it("cancels and raises the breach when an account's positions and orders cannot be read", async () => {
    const f = setup();
    f.store.failing.add('book');
    const result = await f.check();
    expect(result.accounts[0]?.reasons).toEqual([expect.objectContaining({ code: 'CHECK_FAILED' })]);
    expect(result.accounts[0]).toMatchObject({ stale: true, breach: 'published', cancel: 'done' });
    expect(f.telemetry.countOf(METRICS.deadManSwitchFailure, { step: 'account' })).toBe(1);
  });

  it('raises the breach when the trading state cannot be read (as if the account could trade)', async () => {
    const f = setup();
    f.store.heartbeat = undefined;
    f.store.failing.add('state');
    const result = await f.check();
    expect(result.accounts[0]).toMatchObject({ tradingState: 'UNREADABLE', breach: 'published', cancel: 'done' });
  });

  it('reports a breach it could not publish and a cancel-all that failed as errors, and still tries both', async () => {
    const failingBus: EventBus = { publish: () => Promise.reject(new InfrastructureError('PutEvents failed', 'eventbridge')) };
    const f = setup({ bus: failingBus });
    f.store.heartbeat = undefined;
    f.failCancels();
    const result = await f.check();
    expect(result.accounts[0]).toMatchObject({ breach: 'failed', cancel: 'failed', errors: ['breach: PutEvents failed', 'cancel-all: broker unreachable'] });
    expect(f.telemetry.countOf(METRICS.deadManSwitchFailure, { step: 'breach' })).toBe(1);
    expect(f.telemetry.countOf(METRICS.deadManSwitchFailure, { step: 'cancel' })).toBe(1);
  });
});

describe('the dead-man switch: one breach per stale episode', () => {
  it('keeps the breach id while the feed stays dead, so the breaker trips once (not once per check)', async () => {
    const f = setup();
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW - 20_000) };
    for (const later of [0, 60_000, 3_600_000]) await f.check(NOW + later);
    expect(new Set(f.breaches().map((b) => b.data.breachId))).toEqual(new Set(['FEED_STALE.acct-1.HB20261123T145940Z']));
  });

  it('names a new episode once the feed has shown life and died again', async () => {
    const f = setup();
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW - 20_000) };
    await f.check();
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW + 100_000) };
    await f.check(NOW + 120_000);
    expect(f.breaches().map((b) => b.data.breachId)).toEqual(['FEED_STALE.acct-1.HB20261123T145940Z', 'FEED_STALE.acct-1.HB20261123T150140Z']);
  });

  it('keeps ids of the longest accounts within 80 execution-name characters and distinct', () => {
    const reasons = [{ code: 'HEARTBEAT_STALE' as const, message: '', sinceMs: NOW }];
    const a = feedStaleBreachId(`${'a'.repeat(63)}x`, reasons, NOW);
    const b = feedStaleBreachId(`${'a'.repeat(63)}y`, reasons, NOW);
    for (const id of [a, b]) expect(id).toMatch(/^FEED_STALE\.a+-[0-9a-f]{8}\.HB20261123T150000Z$/);
    for (const id of [a, b]) expect(id.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
  });

  it('cancels the orders of a HALTED or KILLED account but raises no new breach (it cannot trade)', async () => {
    const f = setup({ accounts: [ACCT, 'acct-2'] });
    f.store.states = { [ACCT]: 'HALTED', 'acct-2': 'KILLED' };
    f.store.heartbeat = undefined;
    const result = await f.check();
    expect(result.accounts.map((a) => [a.account, a.breach, a.cancel])).toEqual([
      [ACCT, 'not-needed', 'done'],
      ['acct-2', 'not-needed', 'done'],
    ]);
    expect(f.breaches()).toEqual([]);
  });

  it('checks every configured account and acts only on those whose symbols are stale', async () => {
    const f = setup({ accounts: [ACCT, 'acct-2'] });
    f.store.positions['acct-2'] = { TSLA: '1' };
    const result = await f.check();
    expect(result.accounts.map((a) => [a.account, a.stale])).toEqual([
      [ACCT, false],
      ['acct-2', true],
    ]);
    expect(f.cancels.map((c) => c.account)).toEqual(['acct-2']);
    expect(f.telemetry.countOf(METRICS.feedStale, { account: 'acct-2' })).toBe(1);
  });
});

describe('the in-process dead-man switch', () => {
  it('cancels an account that can still trade on every check', async () => {
    const f = setup();
    const deadMan = createDeadManSwitch(f.deps);
    f.store.heartbeat = undefined;
    await deadMan.check();
    f.clock.advance(1_000);
    await deadMan.check();
    expect(f.cancels).toHaveLength(2);
  });

  it('re-cancels a halted account only every recancelSeconds (60 s) within one episode', async () => {
    const f = setup();
    const deadMan = createDeadManSwitch(f.deps);
    f.store.heartbeat = { feedId: 'feed-1', at: iso(NOW - 20_000) };
    f.store.states[ACCT] = 'HALTED';
    const outcomes: string[] = [];
    for (const step of [0, 1_000, 58_999, 1]) {
      f.clock.advance(step);
      outcomes.push((await deadMan.check()).accounts[0]?.cancel ?? '');
    }
    expect(outcomes).toEqual(['done', 'skipped', 'skipped', 'done']);
  });

  it('does not start a second check while one is still running', async () => {
    const f = setup();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const read = f.store.getFeedHeartbeat;
    let reads = 0;
    f.store.getFeedHeartbeat = async () => {
      reads++;
      await gate;
      return read();
    };
    const deadMan = createDeadManSwitch(f.deps);
    const first = deadMan.check();
    const second = deadMan.check();
    release();
    expect(await second).toBe(await first);
    expect(reads).toBe(1);
  });
});
