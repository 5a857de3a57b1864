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
