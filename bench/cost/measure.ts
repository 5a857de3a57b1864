// The measured run: one short local session (the normal scenario) with the usage meter on, plus what the model
// needs that the meter does not see: the events the bus carried and their sizes, the sizes of the items that grow
// with the symbols, and the table's footprint after the run. DynamoDB Local and the in-process SQS stand in for
// AWS: request counts and capacity units are theirs, durations are this machine's.
import { GetItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runSession } from '../../local/session';
import type { SessionWiring } from '../../local/session-wiring';
import { UsageMeter, type MeteredUsage } from '../../local/usage-meter';
import { BOOK_IN_FLIGHT_BUY, BOOK_IN_FLIGHT_SELL, BOOK_QUANTITY, keys, MARK_PREFIX, REFERENCE_PREFIX } from '../../shared/storage/table-definition';
import { CHUNK_BYTES, type ContainerItem } from './scaling';

export type ContainerName = 'marks' | 'reference' | 'book';

export interface EventTally {
  count: number;
  /** Bytes of the PutEvents entries (detail, detail type, source): billed per 64 KB chunk. */
  entryBytes: number;
  chunks: number;
  /** Bytes of the whole events as an archive keeps them. */
  archiveBytes: number;
}

export interface TableFootprint {
  /** Items kept (no TTL attribute) and their billed bytes (item plus 100 bytes of overhead each). */
  durableItems: number;
  durableBytes: number;
  /** Items that expire (rate windows, counters, parked intents): not held long. */
  expiringItems: number;
  /** Bytes of the byCorrelation index (projection ALL: each indexed item again). */
  indexBytes: number;
  /** Order items and their average size: every Query of the order history reads all of them. */
  orderItems: number;
  orderItemBytes: number;
}

export interface MeasuredRun {
  scenario: string;
  seed: number;
  /** How long the market ran (--measure-seconds). */
  measureSeconds: number;
  symbols: number;
  /** Intents the risk function decided (approved or denied). */
  intents: number;
  approved: number;
  fills: number;
  /** Ticks the feed took in, and the events it published for them (its intents): ticks never become events. */
  ticksReceived: number;
  feedIntentsPublished: number;
  breakerExecutions: number;
  usage: MeteredUsage;
  /** Events the bus carried, by source. */
  events: Record<string, EventTally>;
  items: Record<ContainerName, ContainerItem>;
  table: TableFootprint;
}

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** DynamoDB's size of a number: about one byte per two significant digits, plus one. */
const numberBytes = (n: string): number => {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
};

/** DynamoDB's size of an attribute value (the rules of "Item sizes and formats"). */
export const valueBytes = (value: AttributeValue): number => {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + utf8(k) + valueBytes(v) + 1, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + valueBytes(v) + 1, 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  return 0;
};

/** An item's size: every attribute's name and value. */
export const itemBytes = (item: Record<string, AttributeValue>): number => Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);

/** Splits a container item into its per-symbol attributes (names starting with one of `prefixes`) and the rest. */
export const containerOf = (item: Record<string, AttributeValue> | undefined, prefixes: readonly string[]): ContainerItem => {
  const entries = Object.entries(item ?? {});
  const prefixOf = (name: string) => prefixes.find((p) => name.startsWith(p));
  const perSymbol = entries.filter(([name]) => prefixOf(name) !== undefined);
  const symbols = new Set(perSymbol.map(([name]) => name.slice(prefixOf(name)?.length ?? 0))).size;
  const bytes = itemBytes(Object.fromEntries(entries));
  const symbolBytes = itemBytes(Object.fromEntries(perSymbol));
  return { bytes, symbols, baseBytes: bytes - symbolBytes, perSymbolBytes: symbols > 0 ? symbolBytes / symbols : 0 };
};

const readItem = async (ddb: DynamoDBClient, table: string, key: { pk: string; sk: string }) =>
  (await ddb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

const containersOf = async (w: SessionWiring): Promise<Record<ContainerName, ContainerItem>> => ({
  marks: containerOf(await readItem(w.ddb, w.tableName, keys.marks()), [MARK_PREFIX]),
  reference: containerOf(await readItem(w.ddb, w.tableName, keys.reference()), [REFERENCE_PREFIX]),
  book: containerOf(await readItem(w.ddb, w.tableName, keys.book(w.settings.account)), [BOOK_QUANTITY, BOOK_IN_FLIGHT_BUY, BOOK_IN_FLIGHT_SELL]),
});

/** Every item of the table after the run, sized as DynamoDB bills storage. */
export const footprintOf = async (ddb: DynamoDBClient, table: string): Promise<TableFootprint> => {
  const footprint: TableFootprint = { durableItems: 0, durableBytes: 0, expiringItems: 0, indexBytes: 0, orderItems: 0, orderItemBytes: 0 };
  let orderBytes = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const bytes = itemBytes(item) + 100;
      if (item.expiresAt !== undefined) {
        footprint.expiringItems++;
        continue;
      }
      footprint.durableItems++;
      footprint.durableBytes += bytes;
      if (item.gsi1pk !== undefined) footprint.indexBytes += bytes;
      if (item.type?.S === 'ORDER') {
        footprint.orderItems++;
        orderBytes += bytes - 100;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  footprint.orderItemBytes = footprint.orderItems > 0 ? orderBytes / footprint.orderItems : 0;
  return footprint;
};

/** The bus's events by source, with their billed chunks and archived bytes. */
export const eventsOf = (seen: readonly { source: string; 'detail-type': string; detail: unknown }[]): Record<string, EventTally> => {
  const bySource: Record<string, EventTally> = {};
  for (const event of seen) {
    const entryBytes = utf8(JSON.stringify(event.detail) ?? '') + utf8(event['detail-type']) + utf8(event.source);
    const tally = (bySource[event.source] ??= { count: 0, entryBytes: 0, chunks: 0, archiveBytes: 0 });
    tally.count++;
    tally.entryBytes += entryBytes;
    tally.chunks += Math.max(1, Math.ceil(entryBytes / CHUNK_BYTES));
    tally.archiveBytes += utf8(JSON.stringify(event));
  }
  return bySource;
};

export interface MeasureOptions {
  measureSeconds: number;
  seed?: number;
  /** A DynamoDB Local already running (the tests'); absent: the session starts its own. */
  dynamoEndpoint?: string;
  onProgress?: (line: string) => void;
}

/** Runs the normal scenario for `measureSeconds` with the meter on and returns what it measured. */
export const measureRun = async (options: MeasureOptions): Promise<MeasuredRun> => {
  const meter = new UsageMeter();
  let after: Pick<MeasuredRun, 'symbols' | 'events' | 'items' | 'table' | 'breakerExecutions'> | undefined;
  const report = await runSession({
    durationMs: options.measureSeconds * 1000,
    seed: options.seed ?? 42,
    scenario: 'normal',
    meter,
    ...(options.dynamoEndpoint ? { dynamoEndpoint: options.dynamoEndpoint } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    afterDrain: async (w) => {
      after = {
        symbols: w.settings.profile.symbols.length,
        events: eventsOf(w.router.seen),
        items: await containersOf(w),
        table: await footprintOf(w.ddb, w.tableName),
        breakerExecutions: w.breaker.executionNames().length,
      };
    },
  });
  if (!after) throw new Error('the measured session ended before its drain: nothing to measure');
  const usage = meter.snapshot();
  return {
    scenario: report.scenario,
    seed: report.seed,
    measureSeconds: options.measureSeconds,
    intents: report.approved + Object.values(report.denied).reduce((a, b) => a + b, 0),
    approved: report.approved,
    fills: report.fills,
    ticksReceived: report.feed.ticks.received,
    feedIntentsPublished: report.feed.intentsPublished,
    usage,
    ...after,
  };
};
