// Every item of the trading table, who reads it and who writes it in AWS. The readers are read from the code
// (the stores each function is wired with, and the items those stores touch); the writers are named here, so a
// new item cannot be added without saying which deployed part writes it. Nothing the risk, order,
// reconciliation, breaker or dead-man switch functions read may depend on the seeder only the local session
// and the tests use: an item the seeder writes has a writer in AWS, or its absence means a safe default.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/storage/table-definition';
import { ROOT } from './import-graph';

type Item = keyof typeof keys;
type Writer = 'risk' | 'order' | 'reconciliation' | 'breaker' | 'dead-man-switch' | 'kill-switch' | 'feed task' | 'every function (its audit entries)';

/** Who writes each item in a deployed environment, and what its absence means when nobody has yet. */
const ITEM_WRITERS: Record<Item, { writers: readonly Writer[]; absent: string }> = {
  tradingState: { writers: ['breaker', 'kill-switch'], absent: 'every intent denied TRADING_STATE_MISSING (a new account: POST /arm, in the kill-switch function, creates it ACTIVE)' },
  limits: { writers: ['kill-switch'], absent: "the environment's limits apply (an account override is optional)" },
  orderRate: { writers: ['risk'], absent: 'no orders in the window yet' },
  book: { writers: ['order', 'reconciliation', 'risk'], absent: 'no cash: the reconciliation function takes the broker’s on its first run' },
  riskSession: { writers: ['risk'], absent: 'the session starts at the next decision' },
  throttle: { writers: ['risk', 'order', 'kill-switch'], absent: 'no fills in the window yet' },
  intentCount: { writers: ['risk'], absent: 'no intents in that second yet' },
  openOrders: { writers: ['risk', 'order'], absent: 'no open orders' },
  openOrder: { writers: ['risk', 'order', 'reconciliation'], absent: 'the order is not open' },
  deciderLease: { writers: ['risk'], absent: 'nobody is deciding the account: the next intent takes the lease' },
  parkedIntent: { writers: ['risk'], absent: 'no intent waits to be decided' },
  order: { writers: ['risk', 'order', 'reconciliation'], absent: 'no such order' },
  position: { writers: ['order', 'reconciliation'], absent: 'flat' },
  fill: { writers: ['order', 'reconciliation'], absent: 'not booked yet' },
  reconciliation: { writers: ['reconciliation'], absent: 'no reconciliation yet: a release or an arm is refused' },
  breakerTrips: { writers: ['breaker'], absent: 'no trips in the window' },
  breakerExecution: { writers: ['breaker'], absent: 'no breaker execution has run' },
  killSwitch: { writers: ['kill-switch'], absent: 'never activated' },
  strategySwitch: { writers: ['kill-switch'], absent: 'the strategy was never switched: ENABLED' },
  marks: { writers: ['feed task'], absent: 'every intent denied MARK_UNAVAILABLE, the dead-man switch halts' },
  reference: { writers: ['feed task', 'kill-switch'], absent: 'every intent denied ADV_UNAVAILABLE' },
  feedHeartbeat: { writers: ['feed task'], absent: 'the dead-man switch halts (HEARTBEAT_MISSING)' },
  calendar: { writers: ['feed task'], absent: 'the built-in calendar applies (covered through its coversThrough)' },
  feedLease: { writers: ['feed task'], absent: 'the lease is free' },
  audit: { writers: ['every function (its audit entries)'], absent: 'nothing recorded' },
  auditByCorrelation: { writers: ['every function (its audit entries)'], absent: 'nothing recorded' },
};

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** A store's field in TradingStores → the items its adapter file touches. */
const STORE_FILES: Record<string, string> = {
  riskStore: 'adapters/dynamodb/dynamo-risk-store.ts',
  orderStore: 'adapters/dynamodb/dynamo-order-store.ts',
  tradingStateStore: 'adapters/dynamodb/dynamo-trading-state-store.ts',
  breakerStore: 'adapters/dynamodb/dynamo-breaker-store.ts',
  reconciliationStore: 'adapters/dynamodb/dynamo-reconciliation-store.ts',
  marketDataStore: 'adapters/dynamodb/dynamo-market-data-store.ts',
  feedLeaseStore: 'adapters/dynamodb/dynamo-feed-lease-store.ts',
  strategySwitchStore: 'adapters/dynamodb/dynamo-strategy-switch-store.ts',
  limitsStore: 'adapters/dynamodb/dynamo-limits-store.ts',
};
const itemsIn = (text: string): Item[] => [...new Set([...text.matchAll(/keys\.(\w+)\(/g)].map((m) => m[1] as Item))];

/** The stores a function's handler wires (orderServiceAdapters adds the order and trading-state stores). */
const storesOf = (fn: string): string[] => {
  const text = read(`functions/${fn}/handler.ts`);
  const named = [...text.matchAll(/stores\.(\w+Store)\b/g)].map((m) => m[1] as string);
  return [...new Set([...named, ...(text.includes('orderServiceAdapters(') ? ['orderStore', 'tradingStateStore'] : [])])];
};

const READERS = ['risk', 'order', 'reconciliation', 'breaker', 'dead-man-switch'] as const;
const itemsReadBy = (fn: string): Item[] => [...new Set(storesOf(fn).flatMap((store) => itemsIn(read(STORE_FILES[store] ?? `missing store ${store}`))))];

describe('the trading table’s items and their writers in AWS', () => {
  it('names a writer, or what absence means, for every item the table defines', () => {
    expect(Object.keys(ITEM_WRITERS).sort()).toEqual(Object.keys(keys).sort());
    for (const [item, { writers, absent }] of Object.entries(ITEM_WRITERS)) expect(writers.length > 0 || absent.length > 0, item).toBe(true);
  });

  it.each(READERS)('finds, for every item the %s function reads, a writer in AWS or a safe meaning of its absence', (fn) => {
    const items = itemsReadBy(fn);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      const entry = ITEM_WRITERS[item];
      expect(entry, `${fn} reads ${item}, which has no entry`).toBeDefined();
      expect(entry.writers.length > 0 || /apply|optional/.test(entry.absent), `${fn} reads ${item}, which nothing in AWS writes`).toBe(true);
    }
  });

  it('has an AWS writer for everything the seeder writes, except the optional limits override', () => {
    const seeder = read('adapters/dynamodb/table-seeder.ts');
    // Its marks go through the market-data store's putMarks; everything else by key.
    const seederItems = new Set<Item>([...itemsIn(seeder), ...(seeder.includes('.putMarks(') ? (['marks'] as const) : [])]);
    expect(seederItems.size).toBeGreaterThan(1);
    for (const item of seederItems) {
      const { writers, absent } = ITEM_WRITERS[item];
      expect(writers.length > 0 || /optional/.test(absent), `only the seeder writes ${item}`).toBe(true);
    }
  });

  it('gives the feed task exactly the MARKET items, which its role is limited to', () => {
    const feedItems = Object.entries(ITEM_WRITERS).filter(([, { writers }]) => writers.includes('feed task')).map(([item]) => item as Item);
    expect(feedItems.map((item) => (keys[item] as () => { pk: string })().pk)).toEqual(feedItems.map(() => 'MARKET'));
  });
});
