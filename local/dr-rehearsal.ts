// The restore rehearsal against DynamoDB Local: a short trading session fills a table, which is exported (a
// DynamoDB JSON Lines file), restored into a new table, compared with the export item type by item type, and
// reconciled against the simulated broker's book of that same session. Each step is timed. Invariant: it passes
// only when every exported item came back unchanged and reconciliation of the restored table is clean; the source
// table is only read.
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
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
  /** Every item restored unchanged and the restored table reconciled clean. */
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

/** Export, restore, compare and reconcile, on the drained session's table and broker. */
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
    return {
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
    steps.reconciliation.status === 'clean';
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
    `  result      ${r.ok ? 'PASS' : 'FAIL'}`,
  ].join('\n');
