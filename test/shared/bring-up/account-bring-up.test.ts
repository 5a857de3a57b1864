// A deployed account's first day, against DynamoDB Local: a new account has no trading state and is armed
// by a person only once the feed runs with fresh marks and a clean reconciliation completed after it started;
// each refusal at its boundary, and no other halt can be lifted this way.
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { armAccount, BRING_UP_ACTOR, type ArmDeps } from '../../../shared/bring-up/account-bring-up';
import type { ReconciliationRecord } from '../../../shared/ports/reconciliation-store';
import { freshStores } from '../../support/dynamo';
import { ManualClock, RecordingPager } from '../../support/fixtures';

const ACCOUNT = 'paper-1';
const T0 = Date.parse('2026-12-03T15:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const SYMBOLS = ['AAPL', 'MSFT'];

let stores: TradingStores;
let seeder: TableSeeder;
let clock: ManualClock;
let pager: RecordingPager;
let marketOpen: boolean;
let deps: ArmDeps;

const arm = (principal = 'arn:aws:iam::123456789012:user/alice', account = ACCOUNT) =>
  armAccount(deps, { account, principal, reason: 'first day', requestId: `req-${clock.now()}` });

const reconciled = async (status: ReconciliationRecord['status'], atMs: number) => {
  const record: ReconciliationRecord = { account: ACCOUNT, runId: `run-${atMs}`, status, completedAt: iso(atMs), breaks: [] };
  await stores.reconciliationStore.recordReconciliation(
    record,
    auditEntry({ account: ACCOUNT, occurredAt: record.completedAt, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: record.runId, causationId: 'test', detail: {} }),
  );
};

/** The feed started at `sinceMs` and has just beaten and written fresh marks. */
const feedRunning = async (sinceMs: number) => {
  await stores.marketDataStore.putFeedHeartbeat('feed-dev', iso(clock.now()), iso(sinceMs));
  await stores.marketDataStore.putMarks(SYMBOLS.map((symbol) => ({ symbol, price: '100', at: iso(clock.now()) })));
};

beforeEach(async () => {
  ({ stores, seeder } = await freshStores());
  clock = new ManualClock(T0);
  pager = new RecordingPager();
  marketOpen = true;
  deps = {
    ...stores,
    pager,
    clock,
    accounts: [ACCOUNT],
    symbols: SYMBOLS,
    isOpen: () => marketOpen,
    maxHeartbeatAgeMs: 15_000,
    maxMarkAgeMs: 60_000,
  };
});

/** A new account (no state), feed started at T0 + 1 min, a clean reconciliation at T0 + 2 min, now T0 + 3 min. */
const readyToArm = async () => {
  clock.advance(180_000);
  await feedRunning(T0 + 60_000);
  await reconciled('clean', T0 + 120_000);
};

describe('arming a new account', () => {
  it('creates the account’s state ACTIVE for the person who asks, and tells on-call', async () => {
    await readyToArm();
    await expect(arm()).resolves.toEqual({ outcome: 'armed', account: ACCOUNT, state: 'ACTIVE', paged: true });
    await expect(stores.tradingStateStore.getTradingStateRecord(ACCOUNT)).resolves.toMatchObject({ state: 'ACTIVE', updatedBy: 'arn:aws:iam::123456789012:user/alice' });
    expect(pager.pages[0]?.subject).toMatch(/paper-1 armed by .*alice/);
  });

  it('refuses an account the environment does not have', async () => {
    await readyToArm();
    await expect(arm(undefined, 'paper1')).resolves.toMatchObject({ outcome: 'refused', reason: 'ACCOUNT_UNKNOWN' });
  });

  it('refuses an account halted by anything but an earlier bring-up, and arms one that an earlier version brought up HALTED', async () => {
    await seeder.putTradingState(ACCOUNT, 'HALTED', 'breaker', iso(T0));
    clock.advance(180_000);
    await feedRunning(T0 + 60_000);
    await reconciled('clean', T0 + 120_000);
    await expect(arm()).resolves.toMatchObject({ reason: 'NOT_AWAITING_ARM', message: expect.stringContaining('set by breaker') });
    await seeder.putTradingState(ACCOUNT, 'HALTED', BRING_UP_ACTOR, iso(T0));
    await expect(arm()).resolves.toMatchObject({ outcome: 'armed', state: 'ACTIVE' });
  });

  it('refuses a reconciliation older than an earlier bring-up', async () => {
    await seeder.putTradingState(ACCOUNT, 'HALTED', BRING_UP_ACTOR, iso(T0 + 150_000));
    await readyToArm();
    await expect(arm()).resolves.toMatchObject({ reason: 'RECONCILIATION_STALE', message: expect.stringContaining('brought up') });
  });

  it('refuses a second arm: the account is ACTIVE now', async () => {
    await readyToArm();
    await arm();
    await expect(arm('arn:aws:iam::123456789012:user/bob')).resolves.toMatchObject({ reason: 'NOT_AWAITING_ARM' });
  });

  it('refuses while a breaker execution is running for the account', async () => {
    await readyToArm();
    await stores.breakerStore.recordBreakerStage({ account: ACCOUNT, breachId: 'FEED_STALE.paper-1.x', kind: 'FEED_STALE', stage: 'COOLDOWN', since: iso(clock.now()), detectedAtMs: clock.now() }, true);
    await expect(arm()).resolves.toMatchObject({ reason: 'BREAKER_RUNNING' });
  });

  it('allows a heartbeat exactly 15 s old and refuses one a millisecond older', async () => {
    await readyToArm();
    clock.advance(15_000);
    await stores.marketDataStore.putMarks(SYMBOLS.map((symbol) => ({ symbol, price: '100', at: iso(clock.now()) })));
    clock.advance(1);
    await expect(arm()).resolves.toMatchObject({ reason: 'FEED_NOT_RUNNING', message: expect.stringContaining('15001 ms old') });
    clock.advance(-1);
    await expect(arm()).resolves.toMatchObject({ outcome: 'armed' });
  });

  it('refuses without a heartbeat', async () => {
    await reconciled('clean', T0 + 1);
    await expect(arm()).resolves.toMatchObject({ reason: 'FEED_NOT_RUNNING', message: 'no feed has written a heartbeat' });
  });

  it('allows a mark exactly at its age limit, refuses one a millisecond older while its market is open, and accepts it while closed', async () => {
    clock.advance(180_000);
    await stores.marketDataStore.putFeedHeartbeat('feed-dev', iso(clock.now()), iso(T0 + 60_000));
    await stores.marketDataStore.putMarks([
      { symbol: 'AAPL', price: '100', at: iso(clock.now()) },
      { symbol: 'MSFT', price: '100', at: iso(clock.now() - 60_000) },
    ]);
    await reconciled('clean', T0 + 120_000);
    clock.advance(1);
    await stores.marketDataStore.putFeedHeartbeat('feed-dev', iso(clock.now()), iso(T0 + 60_000));
    await expect(arm()).resolves.toMatchObject({ reason: 'MARKS_NOT_FRESH', message: 'the mark of MSFT is 60001 ms old (limit 60000 ms)' });
    marketOpen = false;
    await expect(arm()).resolves.toMatchObject({ outcome: 'armed' });
  });

  it('arms with a mark exactly at its age limit', async () => {
    clock.advance(180_000);
    await stores.marketDataStore.putFeedHeartbeat('feed-dev', iso(clock.now()), iso(T0 + 60_000));
    await stores.marketDataStore.putMarks(SYMBOLS.map((symbol) => ({ symbol, price: '100', at: iso(clock.now() - 60_000) })));
    await reconciled('clean', T0 + 120_000);
    await expect(arm()).resolves.toMatchObject({ outcome: 'armed' });
  });

  it('refuses when a subscribed symbol has no mark at all, even with its market closed', async () => {
    clock.advance(180_000);
    await stores.marketDataStore.putFeedHeartbeat('feed-dev', iso(clock.now()), iso(T0 + 60_000));
    await stores.marketDataStore.putMarks([{ symbol: 'AAPL', price: '100', at: iso(clock.now()) }]);
    await reconciled('clean', T0 + 120_000);
    marketOpen = false;
    await expect(arm()).resolves.toMatchObject({ reason: 'MARKS_NOT_FRESH', message: 'no mark for MSFT' });
  });

  it('refuses without a reconciliation, with one that found breaks, and with a clean one from before the feed started', async () => {
    clock.advance(180_000);
    await feedRunning(T0 + 60_000);
    await expect(arm()).resolves.toMatchObject({ reason: 'RECONCILIATION_MISSING' });
    await reconciled('clean', T0 + 59_999);
    await expect(arm()).resolves.toMatchObject({ reason: 'RECONCILIATION_STALE', message: expect.stringContaining('the feed started') });
    await reconciled('breaks', T0 + 120_000);
    await expect(arm()).resolves.toMatchObject({ reason: 'RECONCILIATION_NOT_CLEAN' });
    await reconciled('clean', T0 + 60_000);
    await expect(arm()).resolves.toMatchObject({ outcome: 'armed' });
  });
});
