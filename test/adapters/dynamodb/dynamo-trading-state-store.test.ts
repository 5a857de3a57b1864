// Trading-state changes against DynamoDB Local: conditional on the states named, audited in the same write,
// idempotent, and safe when two changes race.
import { beforeEach, describe, expect, it } from 'vitest';
import type { TableSeeder } from '../../../adapters/dynamodb/table-seeder';
import type { TradingStateStore } from '../../../shared/ports/trading-state-store';
import type { TradingStateChange } from '../../../shared/trading-state/state-change';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, scanAll } from '../../support/fixtures';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

let store: TradingStateStore;
let seeder: TableSeeder;
let client: DynamoDBClient;
let tableName: string;

beforeEach(async () => {
  const fresh = await freshStores();
  ({ client, tableName, seeder } = fresh);
  store = fresh.stores.tradingStateStore;
  await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'test', '2026-11-23T15:00:00.000Z');
});

const change = (over: Partial<TradingStateChange>): TradingStateChange => ({
  account: ACCOUNT,
  from: ['ACTIVE', 'WARNING'],
  to: 'HALTED',
  actor: 'breaker',
  reason: 'drawdown 520 bps >= 500',
  correlationId: 'DRAWDOWN.acct-1.20261123T1500Z',
  at: '2026-11-23T15:00:01.000Z',
  ...over,
});

const audits = async () =>
  (await scanAll(client, tableName)).filter((i) => (i.kind as { S?: string } | undefined)?.S === 'TRADING_STATE_CHANGED');

describe('trading state change', () => {
  it('moves the state from an allowed one and audits the move with its actor and reason', async () => {
    await expect(store.changeTradingState(change({}))).resolves.toEqual({ outcome: 'changed', previous: 'ACTIVE' });
    expect(await store.getTradingState(ACCOUNT)).toBe('HALTED');
    const [entry, ...rest] = await audits();
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({ actor: { S: 'breaker' }, correlationId: { S: 'DRAWDOWN.acct-1.20261123T1500Z' } });
  });

  it('changes nothing and writes no second audit entry when the state is already the target', async () => {
    await store.changeTradingState(change({}));
    await expect(store.changeTradingState(change({}))).resolves.toEqual({ outcome: 'unchanged', previous: 'HALTED' });
    expect(await audits()).toHaveLength(1);
  });

  it('refuses a move from a state it does not name, and writes nothing', async () => {
    await seeder.putTradingState(ACCOUNT, 'KILLED', 'test', '2026-11-23T15:00:00.500Z');
    await expect(store.changeTradingState(change({}))).resolves.toEqual({ outcome: 'refused', previous: 'KILLED' });
    expect(await store.getTradingState(ACCOUNT)).toBe('KILLED');
    expect(await audits()).toHaveLength(0);
  });

  it('lets exactly one of two racing changes from the same state win; the other decides again on what it finds', async () => {
    const results = await Promise.all([
      store.changeTradingState(change({ to: 'HALTED', from: ['ACTIVE'] })),
      store.changeTradingState(change({ to: 'REDUCING', from: ['ACTIVE'], correlationId: 'other' })),
    ]);
    expect(results.filter((r) => r.outcome === 'changed')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'refused')).toHaveLength(1);
    expect(await audits()).toHaveLength(1);
  });

  it('creates the state of an account that has none when any starting state is allowed', async () => {
    await expect(store.changeTradingState(change({ account: 'fresh-1', from: [], to: 'KILLED' }))).resolves.toEqual({ outcome: 'changed', previous: undefined });
    expect(await store.getTradingState('fresh-1')).toBe('KILLED');
  });
});

describe('the kill switch record, written with the state it explains', () => {
  const ALICE_AT = '2026-11-23T15:00:01.000Z';
  const kill = (by: string, at: string, requestId: string) =>
    store.changeTradingState(
      { account: ACCOUNT, from: [], to: 'KILLED', actor: by, reason: 'stop', correlationId: requestId, at },
      { kind: 'activate', activation: { activatedBy: by, reason: 'stop', at, requestId } },
    );
  const releaseBy = (by: string, killedAt: string, activationRequestId: string | undefined, requestId: string) => {
    const at = '2026-11-23T15:10:00.000Z';
    return store.changeTradingState(
      { account: ACCOUNT, from: ['KILLED'], to: 'HALTED', actor: by, reason: 'fixed', correlationId: requestId, at },
      { kind: 'release', release: { releasedBy: by, reason: 'fixed', at, requestId }, killedAt, ...(activationRequestId ? { activationRequestId } : {}) },
    );
  };

  it('an activation that sets KILLED replaces an older unreleased record, in the state’s transaction', async () => {
    await kill('alice', ALICE_AT, 'k-alice');
    await seeder.putTradingState(ACCOUNT, 'ACTIVE', 'breaker', '2026-11-23T15:05:00.000Z');
    await expect(kill('bob', '2026-11-23T15:06:00.000Z', 'k-bob')).resolves.toEqual({ outcome: 'changed', previous: 'ACTIVE' });
    expect(await store.getKillSwitch(ACCOUNT)).toEqual({ account: ACCOUNT, activatedBy: 'bob', reason: 'stop', at: '2026-11-23T15:06:00.000Z', requestId: 'k-bob' });
  });

  it('a repeated activation of a KILLED account writes nothing and keeps the first activator', async () => {
    await kill('alice', ALICE_AT, 'k-alice');
    const before = await scanAll(client, tableName);
    await expect(kill('bob', '2026-11-23T15:00:02.000Z', 'k-bob')).resolves.toEqual({ outcome: 'unchanged', previous: 'KILLED' });
    expect(await scanAll(client, tableName)).toEqual(before);
    expect(await store.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: 'alice' });
  });

  it('a release moves the state and marks the activation released together, with one audit entry', async () => {
    await kill('alice', ALICE_AT, 'k-alice');
    await expect(releaseBy('bob', ALICE_AT, 'k-alice', 'r-bob')).resolves.toEqual({ outcome: 'changed', previous: 'KILLED' });
    expect(await store.getTradingState(ACCOUNT)).toBe('HALTED');
    expect(await store.getKillSwitch(ACCOUNT)).toMatchObject({ activatedBy: 'alice', release: { releasedBy: 'bob', requestId: 'r-bob' } });
    expect(await audits()).toHaveLength(2);
  });

  it('a release of a KILLED written later than the one judged is refused and writes nothing', async () => {
    await kill('alice', ALICE_AT, 'k-alice');
    await seeder.putTradingState(ACCOUNT, 'KILLED', 'carol', '2026-11-23T15:07:00.000Z');
    const before = await scanAll(client, tableName);
    await expect(releaseBy('bob', ALICE_AT, 'k-alice', 'r-bob')).resolves.toEqual({ outcome: 'refused', previous: 'KILLED' });
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it('a release whose activation was replaced meanwhile writes neither the state nor the record', async () => {
    await kill('alice', ALICE_AT, 'k-alice');
    const before = await scanAll(client, tableName);
    await expect(releaseBy('bob', ALICE_AT, 'k-someone-else', 'r-bob')).resolves.toEqual({ outcome: 'refused', previous: 'KILLED' });
    expect(await scanAll(client, tableName)).toEqual(before);
  });

  it('stores that a page went out only on the activation it was about', async () => {
    await kill('alice', ALICE_AT, 'k-alice');
    await expect(store.markKillSwitchPaged(ACCOUNT, 'k-other', '2026-11-23T15:00:02.000Z')).resolves.toBe('not-current');
    await expect(store.markKillSwitchPaged(ACCOUNT, 'k-alice', '2026-11-23T15:00:02.000Z')).resolves.toBe('marked');
    expect(await store.getKillSwitch(ACCOUNT)).toMatchObject({ pagedAt: '2026-11-23T15:00:02.000Z' });
    await expect(store.markKillSwitchPaged('acct-none', 'k-alice', '2026-11-23T15:00:02.000Z')).resolves.toBe('not-current');
  });
});
