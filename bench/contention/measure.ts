// Measures pre-trade decisions under contention: N deciders on one account (1, 4, 16) and 16 accounts with one
// decider each, each on a fresh table, every intent one the limits approve. A decider is one concurrent caller
// of the risk service, as one warm risk function instance is: it delivers an intent and, when it gets the
// account's lease, decides the intents parked meanwhile too. Reports decisions a second, conflicts retried,
// latency percentiles and a lost-update check: each account's open-order count and in-flight size must equal
// the approvals its deciders were told about.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoStores } from '../../adapters/dynamodb/dynamo-stores';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
import { TableSeeder } from '../../adapters/dynamodb/table-seeder';
import { InMemoryTelemetry } from '../../adapters/memory/in-memory-telemetry';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { ConcurrentUpdateError } from '../../shared/errors/errors';
import type { DetailOf } from '../../shared/events/catalog';
import { buildMeta } from '../../shared/events/envelope';
import * as fx from '../../shared/money/fixed';
import type { RiskStore } from '../../shared/ports/risk-store';
import type { RiskLimits } from '../../shared/risk/limits';
import { decideIntent, decideParked, type RiskServiceDeps } from '../../shared/risk/risk-service';
import { utcNow } from '../../shared/time/utc';

export interface ContentionRun {
  deciders: number;
  accounts: number;
  decisions: number;
  approvals: number;
  /** Decisions abandoned after every retry lost its race (each is an error the caller would retry). */
  failed: number;
  decisionsPerSecond: number;
  /** Recording attempts that lost a race and were decided again on fresh state. */
  conflictsRetried: number;
  latencyMs: { p50: number; p99: number; max: number };
  lostUpdates: number;
}

export interface ContentionReport {
  machine: { cpus: number; node: string };
  durationMs: number;
  contention: { oneAccount: ContentionRun[]; sixteenAccounts: ContentionRun };
  lostUpdates: number;
}

type IntendedDetail = DetailOf<'OrderIntended.v1'>;

const SYMBOLS = Array.from({ length: 20 }, (_, i) => `SYM${String(i).padStart(2, '0')}`);
const STRATEGY = 'bench';
const PRICE = '100';

/**
 * Limits every bench intent passes: rates, open orders, exposure and the flood limit far above what the run
 * reaches, so each decision is an approval that writes the account's shared items. Marks never go stale.
 */
export const benchLimits = (): RiskLimits => {
  const local = loadEnvironmentConfig('local').riskLimits;
  return {
    ...local,
    priceCollar: { ...local.priceCollar, markMaxAgeMs: 3_600_000 },
    position: { maxLongQuantity: '100000000', maxShortQuantity: '100000000', maxLongNotional: '1000000000000', maxShortNotional: '1000000000000' },
    maxOpenOrders: 100_000_000,
    orderRate: { maxOrders: 1_000_000, windowMs: 1000, perSymbol: { maxOrders: 1_000_000, windowMs: 1000 }, breakerAfterSaturatedWindows: 0 },
    duplicative: { windowMs: 0 },
    periodCollar: { windowMs: 1000, maxDriftBps: 10_000 },
    maxFractionOfAdv: '1',
    exposure: { maxGrossNotional: '1000000000000', maxNetNotional: '1000000000000', maxLeverage: '1000000', maxSymbolConcentration: '1', maxSectorConcentration: '1' },
    intentFlood: { maxPerStrategyPerSecond: 1_000_000, maxPerAccountPerSecond: 1_000_000 },
  };
};

const intended = (account: string, intentId: string, symbol: string, nowMs: number): IntendedDetail => {
  const createdAt = utcNow(nowMs);
  return {
    meta: buildMeta({ detailType: 'OrderIntended.v1', occurredAt: createdAt, account, strategy: STRATEGY, producer: 'feed', correlationId: intentId, causationId: intentId }),
    data: { intentId, symbol, side: 'buy', quantity: '1', orderType: 'market', timeInForce: 'day', createdAt },
  } as IntendedDetail;
};

/** Counts the races a decision lost: each ConcurrentUpdateError from recording is one batch decided again. */
const countingConflicts = (store: RiskStore, onConflict: () => void): RiskStore => {
  const counting = Object.create(store) as RiskStore;
  counting.recordDecisions = async (input) => {
    try {
      return await store.recordDecisions(input);
    } catch (error) {
      if (error instanceof ConcurrentUpdateError) onConflict();
      throw error;
    }
  };
  return counting;
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);

const round = (x: number, places = 1): number => Math.round(x * 10 ** places) / 10 ** places;

/** One configuration on a fresh table: `deciders` callers spread round-robin over `accounts` accounts. */
export const runContention = async (client: DynamoDBClient, options: { deciders: number; accounts: number; durationMs: number }): Promise<ContentionRun> => {
  const tableName = `contention-${randomBytes(4).toString('hex')}`;
  await createTradingTable(client, tableName);
  const stores = dynamoStores(client, tableName);
  const seeder = new TableSeeder(client, tableName);
  const accounts = Array.from({ length: options.accounts }, (_, i) => `bench-${i + 1}`);
  const at = utcNow(Date.now());
  for (const account of accounts) {
    await seeder.putTradingState(account, 'ACTIVE', 'bench', at);
    await seeder.depositCash(account, '1000000000', at);
  }
  for (const symbol of SYMBOLS) await seeder.putMark(symbol, PRICE, at);
  await stores.marketDataStore.putReference(Object.fromEntries(SYMBOLS.map((s) => [s, { adv: '1000000000', sector: 'BENCH' }])));

  let conflictsRetried = 0;
  const latencies: number[] = [];
  const approvalsOf = new Map<string, number>(accounts.map((a) => [a, 0]));
  const accountOf = new Map<string, string>();
  const deps: RiskServiceDeps = {
    riskStore: countingConflicts(stores.riskStore, () => void conflictsRetried++),
    decisionIntake: stores.decisionIntake,
    // Every decision, whoever took it: its latency from the intent's arrival, and the approvals per account.
    onDecided: (outcome, latencyMs) => {
      if (outcome.outcome === 'queued' || outcome.replayed) return;
      if (outcome.outcome !== 'approved') throw new Error(`bench intent denied: ${outcome.reason}`);
      latencies.push(latencyMs);
      const account = accountOf.get(outcome.intentId) ?? '';
      approvalsOf.set(account, (approvalsOf.get(account) ?? 0) + 1);
    },
    queue: { enqueue: async () => undefined },
    bus: { publish: async () => undefined },
    clock: { now: () => Date.now() },
    telemetry: new InMemoryTelemetry(),
    defaults: benchLimits(),
  };

  let failed = 0;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const decider = async (index: number) => {
    const account = accounts[index % accounts.length] ?? 'bench-1';
    while (performance.now() < deadline) {
      const n = sequence++;
      const intentId = `i-${index}-${n}`;
      accountOf.set(intentId, account);
      try {
        await decideIntent(deps, intended(account, intentId, SYMBOLS[n % SYMBOLS.length] ?? 'SYM00', Date.now()));
      } catch (error) {
        if (!(error instanceof ConcurrentUpdateError)) throw error;
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.deciders }, (_, i) => decider(i)));
  // Intents parked by the last deliveries are decided by whoever holds the lease, or by the sweep once it is free.
  for (const account of accounts) {
    while ((await stores.decisionIntake.parked(account, 1)).length > 0) {
      if ((await decideParked(deps, [account])) === 0) await new Promise((r) => setTimeout(r, 20));
    }
  }
  const elapsedMs = performance.now() - started;

  // Lost updates: every approval must be in its account's open-order count and in-flight size, exactly once.
  let lostUpdates = 0;
  for (const account of accounts) {
    const snapshot = await stores.riskStore.loadRiskSnapshot(account, STRATEGY, 'lost-update-check');
    const approvals = approvalsOf.get(account) ?? 0;
    const inFlight = Object.values(snapshot.book.positions).reduce((sum, p) => fx.add(sum, fx.parseFixed(p.inFlightBuy)), fx.fixedFromInt(0));
    lostUpdates += Math.abs(snapshot.openOrders - approvals) + Math.abs(Number(fx.toDecimalString(inFlight)) - approvals);
  }

  const sorted = [...latencies].sort((a, b) => a - b);
  const approvals = [...approvalsOf.values()].reduce((a, b) => a + b, 0);
  return {
    deciders: options.deciders,
    accounts: options.accounts,
    decisions: latencies.length,
    approvals,
    failed,
    decisionsPerSecond: round((latencies.length / elapsedMs) * 1000),
    conflictsRetried,
    latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) },
    lostUpdates,
  };
};

export const measureContention = async (client: DynamoDBClient, options: { durationMs: number; log?: (line: string) => void }): Promise<ContentionReport> => {
  const oneAccount: ContentionRun[] = [];
  for (const deciders of [1, 4, 16]) {
    const run = await runContention(client, { deciders, accounts: 1, durationMs: options.durationMs });
    options.log?.(`one account, ${deciders} deciders: ${run.decisionsPerSecond}/s, p99 ${run.latencyMs.p99} ms, ${run.conflictsRetried} conflicts retried`);
    oneAccount.push(run);
  }
  const sixteenAccounts = await runContention(client, { deciders: 16, accounts: 16, durationMs: options.durationMs });
  options.log?.(`16 accounts, 16 deciders: ${sixteenAccounts.decisionsPerSecond}/s, p99 ${sixteenAccounts.latencyMs.p99} ms`);
  return {
    machine: { cpus: cpus().length, node: process.version },
    durationMs: options.durationMs,
    contention: { oneAccount, sixteenAccounts },
    lostUpdates: [...oneAccount, sixteenAccounts].reduce((sum, r) => sum + r.lostUpdates, 0),
  };
};
