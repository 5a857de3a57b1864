// The restore rehearsal against DynamoDB Local: a short trading session fills a table, which is exported (a
// DynamoDB JSON Lines file), restored into a new table, compared with the export item type by item type, and
// reconciled against the simulated broker's book of that same session. Then the procedure's copy-back: the source
// table's ledger is damaged as a bad deploy would, the account KILLED, its ledger copied back from the restored
// table, and the source reconciled. Each step is timed. Invariant: it passes only when every exported item came
// back unchanged, the restored table reconciles clean, and after the copy-back the source's ledger equals the
// restored one and reconciles clean; the source table is only read before the copy-back step.
import { DeleteItemCommand, DeleteTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { join } from 'node:path';
import { dynamoStores } from '../adapters/dynamodb/dynamo-stores';
import { InMemoryTelemetry } from '../adapters/memory/in-memory-telemetry';
import { createReconciliationHandler } from '../functions/reconciliation/handler';
import type { DomainEvent } from '../shared/events/catalog';
import { CollectingLog } from './collecting-log';
import { runSession } from './session';
import type { SessionWiring } from './session-wiring';
import { exportTable, readExport, restoreTable } from '../adapters/dynamodb/table-backup';
import { compareItemDigests, describeDifferences, readItemDigests, tableSource, typeDigests, type TypeDigest } from '../adapters/dynamodb/table-comparison';
import { applyCopyBack, planCopyBack, readLedger } from '../adapters/dynamodb/ledger-restore';
import { auditEntry } from '../shared/audit/audit-entry';
import { keys } from '../shared/storage/table-definition';

/** As the session's own reconciliation: the simulated venue never takes an order late. */
const IN_FLIGHT_GRACE_MS = 2_000;

export interface RehearsalOptions {
  /** A DynamoDB Local already running (the test suite's); absent: the session starts its own. */
  dynamoEndpoint?: string;
  /** How long the session trades before its table is exported. */
  durationMs: number;
  seed?: number;
  /** Where the export file is written. */
  dir: string;
  onProgress?: (line: string) => void;
}

export interface RehearsalReport {
  session: { ms: number; tableName: string; intents: number; fills: number; brokerOrders: number };
  export: { file: string; items: number; bytes: number; ms: number };
  restore: { tableName: string; items: number; calls: number; retriedItems: number; createMs: number; writeMs: number };
  /**
   * The restored table against the export file: `differences` must be empty. `sourceChangedSinceExport`: what the
   * source table took after its export, for the reader (a live table moves on; its export is the point in time).
   */
  compare: { ms: number; itemTypes: Record<string, TypeDigest>; differences: string[]; sourceChangedSinceExport: string[] };
  reconciliation: { ms: number; status: string; breaks: string[] };
  /**
   * Step 5 on the source table: `damaged` ledger items broken (`damagedReconciliation`: what reconciliation made
   * of the damage, never clean), `planned` writes found, `written` made in `transactions`; `remaining`: ledger
   * items still differing after it (must be 0); the source reconciled after.
   */
  copyBack: { ms: number; damaged: number; damagedReconciliation: string; planned: number; written: number; transactions: number; remaining: number; reconciliation: { status: string; breaks: string[] } };
  /** Every item restored unchanged, the restored table reconciled clean, and the copy-back repaired the source. */
  ok: boolean;
}

type Steps = Omit<RehearsalReport, 'session' | 'ok'>;

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
};

/** Reconciles the restored table as the schedule would, against the session's broker; its events go nowhere. */
const reconcileRestored = async (w: SessionWiring, restoredTable: string): Promise<{ status: string; breaks: string[] }> => {
  const published: DomainEvent[] = [];
  const errors: unknown[] = [];
  const reconcile = createReconciliationHandler(() => ({
    ...dynamoStores(w.ddb, restoredTable),
    broker: w.broker,
    bus: { publish: async (events) => void published.push(...events) },
    clock: w.clock,
    telemetry: new InMemoryTelemetry(),
    accounts: [w.settings.account],
    inFlightGraceMs: IN_FLIGHT_GRACE_MS,
    logger: new CollectingLog(errors),
  }));
  const [record] = await reconcile({
    version: '0',
    id: `dr-rehearsal-${w.settings.runStamp}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail: {},
  });
  return { status: record?.status ?? 'failed', breaks: (record?.breaks ?? []).map((b) => `${b.kind}${b.symbol ? ` ${b.symbol}` : ''}: ${b.message}`) };
};

/**
 * What a bad deploy might do to an account's ledger: every third order deleted (its open-order marker too), the
 * book's cash moved, a position the broker never held. Returns how many ledger items it broke.
 */
const damageLedger = async (w: SessionWiring): Promise<number> => {
  const account = w.settings.account;
  const ledger = await readLedger(w.ddb, w.tableName, account);
  const orders = [...ledger.values()].filter((item) => item.sk?.S?.startsWith('ORDER#')).filter((_, i) => i % 3 === 0);
  for (const item of orders) await w.ddb.send(new DeleteItemCommand({ TableName: w.tableName, Key: { pk: { S: item.pk?.S ?? '' }, sk: { S: item.sk?.S ?? '' } } }));
  const book = keys.book(account);
  await w.ddb.send(new UpdateItemCommand({ TableName: w.tableName, Key: { pk: { S: book.pk }, sk: { S: book.sk } }, UpdateExpression: 'ADD cash :c', ExpressionAttributeValues: { ':c': { N: '1000.25' } } }));
  const bogus = keys.position(account, 'ZZZZ');
  await w.ddb.send(new PutItemCommand({ TableName: w.tableName, Item: { pk: { S: bogus.pk }, sk: { S: bogus.sk }, quantity: { N: '500' }, costBasis: { N: '0' }, realizedPnl: { N: '0' }, version: { N: '1' } } }));
  return orders.length + 2;
};

/** Step 1 as the kill switch stores it (the rehearsal stands in for `npx tsp kill`): the account KILLED. */
const killAccount = async (w: SessionWiring): Promise<void> => {
  const state = keys.tradingState(w.settings.account);
  await w.ddb.send(
    new UpdateItemCommand({ TableName: w.tableName, Key: { pk: { S: state.pk }, sk: { S: state.sk } }, UpdateExpression: 'SET #s = :k', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':k': { S: 'KILLED' } } }),
  );
};

/** Step 5 rehearsed: the source's ledger damaged, the account killed, its ledger copied back, the source reconciled. */
const rehearseCopyBack = async (w: SessionWiring, restoredTable: string): Promise<Steps['copyBack']> => {
  const account = w.settings.account;
  const damaged = await damageLedger(w);
  await killAccount(w);
  // Reconciliation runs every minute while the account is KILLED, so it meets the damage before the copy-back does.
  const beforeCopyBack = await reconcileRestored(w, w.tableName);
  const started = performance.now();
  const restored = await readLedger(w.ddb, restoredTable, account);
  const plan = planCopyBack(await readLedger(w.ddb, w.tableName, account), restored);
  const audit = auditEntry({ account, occurredAt: new Date(w.clock.now()).toISOString(), kind: 'LEDGER_RESTORED', actor: 'dr-rehearsal', correlationId: `restore-${w.settings.runStamp}`, causationId: 'operator:dr-rehearsal', detail: { restoredTable, writes: plan.writes.length } });
  const result = await applyCopyBack(w.ddb, { tableName: w.tableName, account, plan, audit });
  const remaining = planCopyBack(await readLedger(w.ddb, w.tableName, account), restored).writes.length;
  const ms = Math.round(performance.now() - started);
  return { ms, damaged, damagedReconciliation: beforeCopyBack.status, planned: plan.writes.length, ...result, remaining, reconciliation: await reconcileRestored(w, w.tableName) };
};

/** Export, restore, compare and reconcile, on the drained session's table and broker; then the copy-back. */
const rehearseOn = async (w: SessionWiring, options: RehearsalOptions): Promise<Steps> => {
  const file = join(options.dir, `${w.tableName}.jsonl`);
  const restoredTable = `${w.tableName}-restored`;
  const exported = await timed(() => exportTable(w.ddb, w.tableName, file));
  options.onProgress?.(`exported ${exported.value.items} items to ${file} in ${exported.ms} ms`);
  try {
    const restored = await timed(() => restoreTable(w.ddb, file, restoredTable));
    options.onProgress?.(`restored ${restored.value.items} items into ${restoredTable} in ${restored.ms} ms`);
    // The restore is judged against what was exported, as a point-in-time restore is: a live source table may take
    // writes after its export, which the report names but does not count.
    const compared = await timed(async () => {
      const [exported, copy, source] = await Promise.all([
        readItemDigests({ name: `export ${file}`, items: () => readExport(file) }),
        readItemDigests(tableSource(w.ddb, restoredTable)),
        readItemDigests(tableSource(w.ddb, w.tableName)),
      ]);
      return {
        itemTypes: typeDigests(exported),
        differences: describeDifferences(compareItemDigests(exported, copy), { left: 'the export', right: 'the restored table' }),
        sourceChangedSinceExport: describeDifferences(compareItemDigests(exported, source), { left: 'the export', right: 'the source table' }),
      };
    });
    const reconciled = await timed(() => reconcileRestored(w, restoredTable));
    const copyBack = await rehearseCopyBack(w, restoredTable);
    options.onProgress?.(`copied ${copyBack.written} ledger writes back into ${w.tableName} in ${copyBack.ms} ms`);
    return {
      copyBack,
      export: { file, ...exported.value, ms: exported.ms },
      restore: { tableName: restoredTable, ...restored.value },
      compare: { ms: compared.ms, ...compared.value },
      reconciliation: { ms: reconciled.ms, ...reconciled.value },
    };
  } finally {
    await w.ddb.send(new DeleteTableCommand({ TableName: restoredTable })).catch(() => undefined);
  }
};

export const rehearseRestore = async (options: RehearsalOptions): Promise<RehearsalReport> => {
  let steps: Steps | undefined;
  let tableName = '';
  let brokerOrders = 0;
  const started = performance.now();
  let sessionMs = 0;
  const report = await runSession({
    durationMs: options.durationMs,
    seed: options.seed ?? 42,
    tickMs: 50,
    ...(options.dynamoEndpoint !== undefined ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    afterDrain: async (w) => {
      sessionMs = Math.round(performance.now() - started);
      tableName = w.tableName;
      brokerOrders = w.broker.orders().length;
      steps = await rehearseOn(w, options);
    },
  });
  if (!steps) throw new Error('the session ended before its table could be exported');
  const ok =
    steps.export.items === steps.restore.items &&
    steps.export.items === Object.values(steps.compare.itemTypes).reduce((sum, t) => sum + t.count, 0) &&
    steps.compare.differences.length === 0 &&
    steps.reconciliation.status === 'clean' &&
    steps.copyBack.damagedReconciliation !== 'clean' &&
    steps.copyBack.planned >= steps.copyBack.damaged &&
    steps.copyBack.written === steps.copyBack.planned &&
    steps.copyBack.remaining === 0 &&
    steps.copyBack.reconciliation.status === 'clean';
  return { session: { ms: sessionMs, tableName, intents: report.intents, fills: report.fills, brokerOrders }, ...steps, ok };
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export const formatRehearsal = (r: RehearsalReport): string =>
  [
    'restore rehearsal against DynamoDB Local',
    `  session     ${seconds(r.session.ms)} to start, trade and drain: ${r.session.intents} intents, ${r.session.brokerOrders} broker orders, ${r.session.fills} fills (table ${r.session.tableName})`,
    `  export      ${r.export.items} items, ${r.export.bytes} bytes of DynamoDB JSON to ${r.export.file} in ${seconds(r.export.ms)}`,
    `  restore     ${r.restore.items} items into ${r.restore.tableName}: table created in ${seconds(r.restore.createMs)}, written in ${seconds(r.restore.writeMs)} (${r.restore.calls} BatchWriteItem calls, ${r.restore.retriedItems} items retried)`,
    `  compare     ${Object.keys(r.compare.itemTypes).length} item types in ${seconds(r.compare.ms)}: ${r.compare.differences.length === 0 ? 'every item equal to the export, key by key' : r.compare.differences.join('; ')}`,
    ...(r.compare.sourceChangedSinceExport.length > 0 ? [`              the source table moved on after its export: ${r.compare.sourceChangedSinceExport.join('; ')}`] : []),
    `  reconcile   the restored table against the session's broker in ${seconds(r.reconciliation.ms)}: ${r.reconciliation.status}${r.reconciliation.breaks.length ? ` (${r.reconciliation.breaks.join('; ')})` : ''}`,
    `  copy back   ${r.copyBack.damaged} ledger items of the source damaged (reconciled: ${r.copyBack.damagedReconciliation}) and the account KILLED; ${r.copyBack.planned} writes planned, ${r.copyBack.written} made in ${r.copyBack.transactions} transaction(s) in ${seconds(r.copyBack.ms)}; ${r.copyBack.remaining === 0 ? 'the ledger equals the restored one' : `${r.copyBack.remaining} ledger items still differ`}; the source reconciled: ${r.copyBack.reconciliation.status}${r.copyBack.reconciliation.breaks.length ? ` (${r.copyBack.reconciliation.breaks.join('; ')})` : ''}`,
    `  result      ${r.ok ? 'PASS' : 'FAIL'}`,
  ].join('\n');
