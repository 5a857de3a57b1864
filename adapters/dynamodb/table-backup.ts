// Export and restore of a trading table for the restore rehearsal: a consistent, paginated Scan written as JSON
// Lines in the DYNAMODB_JSON form of DynamoDB's export to S3 (one {"Item": …} per line, binary as base64), a
// restore into a new table of the same definition by BatchWriteItem (unprocessed items retried), and each item's
// type, key and content hash (compared item by item in table-comparison.ts).
// Invariant: an item is written back exactly as it was read; numbers hash by value, since DynamoDB may store a
// number's text differently from how it was written.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteItemCommand, DescribeTableCommand, ScanCommand, type AttributeValue, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { createTradingTable } from './table-bootstrap';
import { dec, toDecimalString } from '../../shared/money/decimal';

export type Item = Record<string, AttributeValue>;

/** BatchWriteItem takes 25 puts a call; unprocessed ones are sent again, with backoff, this many times at most. */
const BATCH_SIZE = 25;
const MAX_BATCH_ATTEMPTS = 10;

/** Every item of the table, page by page, read strongly consistent (the rehearsal exports a quiet table). */
export async function* scanItems(client: DynamoDBClient, tableName: string): AsyncGenerator<Item> {
  let start: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
    for (const item of page.Items ?? []) yield item;
    start = page.LastEvaluatedKey;
  } while (start);
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** An attribute value as DynamoDB JSON: what the SDK gives, but binary as base64 (as the S3 export writes it). */
const toJson = (value: AttributeValue): unknown => {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toJson(v)])) };
  if (value.L !== undefined) return { L: value.L.map(toJson) };
  return value;
};

const fromJson = (value: Record<string, unknown>): AttributeValue => {
  if (typeof value.B === 'string') return { B: bytesOf(value.B) };
  if (Array.isArray(value.BS)) return { BS: (value.BS as string[]).map(bytesOf) };
  if (value.M !== undefined) return { M: Object.fromEntries(Object.entries(value.M as Record<string, Record<string, unknown>>).map(([k, v]) => [k, fromJson(v)])) };
  if (Array.isArray(value.L)) return { L: (value.L as Record<string, unknown>[]).map(fromJson) };
  return value as unknown as AttributeValue;
};

const itemToLine = (item: Item): string => JSON.stringify({ Item: Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toJson(v)])) });

const lineToItem = (line: string): Item => {
  const parsed = JSON.parse(line) as { Item?: Record<string, Record<string, unknown>> };
  if (!parsed.Item) throw new Error('an export line without an Item');
  return Object.fromEntries(Object.entries(parsed.Item).map(([k, v]) => [k, fromJson(v)]));
};

export interface ExportResult {
  items: number;
  bytes: number;
}

/** Writes every item of the table to `file`, one line each. */
export const exportTable = async (client: DynamoDBClient, tableName: string, file: string): Promise<ExportResult> => {
  const out = createWriteStream(file, { encoding: 'utf8' });
  let items = 0;
  let bytes = 0;
  try {
    for await (const item of scanItems(client, tableName)) {
      const line = `${itemToLine(item)}\n`;
      items++;
      bytes += Buffer.byteLength(line);
      if (!out.write(line)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { items, bytes };
};

/** The items of an export, in file order. */
export async function* readExport(file: string): AsyncGenerator<Item> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') yield lineToItem(line);
}

export interface RestoreResult {
  items: number;
  /** BatchWriteItem calls, retries included. */
  calls: number;
  /** Items DynamoDB left unprocessed and that were sent again. */
  retriedItems: number;
  createMs: number;
  writeMs: number;
}

/** One batch of puts, sent until DynamoDB has processed every one (or the attempts run out). */
const writeBatch = async (client: DynamoDBClient, tableName: string, requests: WriteRequest[], tally: { calls: number; retriedItems: number }): Promise<void> => {
  let pending = requests;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > MAX_BATCH_ATTEMPTS) throw new Error(`${pending.length} items still unprocessed after ${MAX_BATCH_ATTEMPTS} BatchWriteItem attempts`);
    if (attempt > 1) {
      tally.retriedItems += pending.length;
      await sleep(Math.min(1_000, 25 * 2 ** attempt));
    }
    tally.calls++;
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = out.UnprocessedItems?.[tableName] ?? [];
  }
};

/** Creates `tableName` from the trading table's definition (it must not exist) and writes every item of the export into it. */
export const restoreTable = async (client: DynamoDBClient, file: string, tableName: string): Promise<RestoreResult> => {
  const exists = await client.send(new DescribeTableCommand({ TableName: tableName })).then(
    () => true,
    (error: unknown) => {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
      throw error;
    },
  );
  // A restore goes into a new table, as a point-in-time restore does: never over items already there.
  if (exists) throw new Error(`table ${tableName} exists already: restore into a new table`);
  const created = Date.now();
  await createTradingTable(client, tableName);
  const writing = Date.now();
  const tally = { calls: 0, retriedItems: 0 };
  let items = 0;
  let batch: WriteRequest[] = [];
  for await (const item of readExport(file)) {
    batch.push({ PutRequest: { Item: item } });
    items++;
    if (batch.length === BATCH_SIZE) {
      await writeBatch(client, tableName, batch, tally);
      batch = [];
    }
  }
  await writeBatch(client, tableName, batch, tally);
  return { items, ...tally, createMs: writing - created, writeMs: Date.now() - writing };
};

/**
 * An item's type, from its keys: the partition key's prefix and the sort key's (`ACCOUNT/ORDER`, `CONTROL/STATE`,
 * `MARKET/MARKS`); a sort key that starts with a digit (a time, a bucket) adds nothing (`AUDIT`, `INTENTS`).
 */
export const itemTypeOf = (item: Item): string => {
  const pk = (item.pk?.S ?? '?').split('#')[0] ?? '?';
  const sk = item.sk?.S ?? '';
  return /^[A-Za-z]/.test(sk) ? `${pk}/${sk.split('#')[0] ?? ''}` : pk;
};

/**
 * A number's text in one form (no exponent, no trailing zeros): an ADD on DynamoDB Local keeps the scale of its
 * operands ("100.20") while a put of the same item stores "100.2", and the two are the same number.
 */
const canonicalNumber = (text: string): string => toDecimalString(dec(text));

/** The value with object keys and set members sorted and numbers in one form, so equal items serialize equally. */
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Uint8Array) return base64(value);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(
    entries.map(([k, v]) => {
      if (k === 'N' && typeof v === 'string') return [k, canonicalNumber(v)];
      if (k === 'NS' && Array.isArray(v)) return [k, (v as string[]).map(canonicalNumber).sort()];
      return [k, ['SS', 'BS'].includes(k) && Array.isArray(v) ? [...(canonical(v) as string[])].sort() : canonical(v)];
    }),
  );
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** An item's content hash: equal for equal items, whatever the order of their attributes and set members. */
export const itemDigest = (item: Item): string => sha256(JSON.stringify(canonical(item)));

/** An item's key as text, `pk|sk`, for naming it to a person. */
export const itemKeyOf = (item: Item): string => `${item.pk?.S ?? '?'}|${item.sk?.S ?? ''}`;
