// The restore rehearsal's export, restore and comparison against DynamoDB Local: an item comes back attribute for
// attribute, a changed, missing or extra item is named by key under its type, and a restore never writes into a
// table that exists.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTradingTable } from '../../../adapters/dynamodb/table-bootstrap';
import { localDynamoClientConfig } from '../../../local/dynamodb-local';
import { exportTable, itemTypeOf, readExport, restoreTable, scanItems, type Item } from '../../../adapters/dynamodb/table-backup';
import { compareItemSets, describeDifferences, tableSource, type ItemSource } from '../../../adapters/dynamodb/table-comparison';

const client = new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint')));
const name = (label: string) => `backup-${label}-${randomBytes(3).toString('hex')}`;
const tables: string[] = [];
let dir = '';

const ITEMS: Item[] = [
  { pk: { S: 'ACCOUNT#paper-1' }, sk: { S: 'ORDER#i-1' }, status: { S: 'FILLED' }, filledQuantity: { S: '10' }, version: { N: '3' } },
  { pk: { S: 'ACCOUNT#paper-1' }, sk: { S: 'BOOK' }, cash: { S: '999000.5' }, 'Q#AAPL': { S: '10' }, tags: { SS: ['b', 'a'] } },
  { pk: { S: 'AUDIT#paper-1#2026-11-23' }, sk: { S: '2026-11-23T15:00:00.000Z#e1' }, detail: { M: { outcome: { S: 'approved' }, checks: { L: [{ S: 'PRICE_COLLAR' }, { BOOL: true }] } } }, gsi1pk: { S: 'CORR#i-1' }, gsi1sk: { S: '2026-11-23T15:00:00.000Z#e1' } },
  { pk: { S: 'INTENTS#paper-1' }, sk: { S: '1795446000000' }, A: { N: '12' }, expiresAt: { N: '1795449600' }, blob: { B: new Uint8Array([0, 1, 254, 255]) }, none: { NULL: true } },
];

const table = (tableName: string): ItemSource => tableSource(client, tableName);
const exported = (file: string): ItemSource => ({ name: file, items: () => readExport(file) });
/** What differs between the two, one line per item type, the first named "a" and the second "b". */
const differences = async (a: ItemSource, b: ItemSource): Promise<string[]> => describeDifferences(await compareItemSets(a, b), { left: 'a', right: 'b' });

const tableWith = async (items: readonly Item[]): Promise<string> => {
  const table = name('source');
  tables.push(table);
  await createTradingTable(client, table);
  for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
  return table;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'table-backup-'));
});

afterAll(async () => {
  await Promise.allSettled(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t }))));
  await rm(dir, { recursive: true, force: true });
});

describe('table export and restore', () => {
  it('exports one DynamoDB JSON line per item and restores every item attribute for attribute into a new table', async () => {
    const source = await tableWith(ITEMS);
    const file = join(dir, `${source}.jsonl`);
    expect(await exportTable(client, source, file)).toMatchObject({ items: ITEMS.length });
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(ITEMS.length);
    expect(lines.every((line) => Object.keys(JSON.parse(line) as object).join() === 'Item')).toBe(true);
    const restored = name('restored');
    tables.push(restored);
    expect(await restoreTable(client, file, restored)).toMatchObject({ items: ITEMS.length, retriedItems: 0 });
    const back: Item[] = [];
    for await (const item of scanItems(client, restored)) back.push(item);
    const key = (i: Item) => `${i.pk?.S}|${i.sk?.S}`;
    // A string set has no order: DynamoDB may hand its members back in any.
    const normal = (items: Item[]) => items.map((i) => (i.tags?.SS ? { ...i, tags: { SS: [...i.tags.SS].sort() } } : i)).sort((a, b) => key(a).localeCompare(key(b)));
    expect(normal(back)).toEqual(normal([...ITEMS]));
    expect(await differences(table(source), table(restored))).toEqual([]);
    // The export file holds what the table it was read from and the table restored from it hold.
    expect(await differences(exported(file), table(restored))).toEqual([]);
  });

  it('judges a restore against its export, not against a source table that moved on after it', async () => {
    const source = await tableWith(ITEMS);
    const file = join(dir, `${source}-moved-on.jsonl`);
    await exportTable(client, source, file);
    const restored = name('restored-moved-on');
    tables.push(restored);
    await restoreTable(client, file, restored);
    await client.send(new PutItemCommand({ TableName: source, Item: { ...(ITEMS[0] as Item), filledQuantity: { S: '9' } } }));
    expect(await differences(exported(file), table(restored))).toEqual([]);
    expect(await differences(exported(file), table(source))).toEqual(['ACCOUNT/ORDER: 1 changed (ACCOUNT#paper-1|ORDER#i-1)']);
  });

  it('judges a book built by ADD equal to its restore, though DynamoDB stores the restored numbers in another form', async () => {
    const source = await tableWith([]);
    const book = { pk: { S: 'ACCOUNT#paper-1' }, sk: { S: 'BOOK' } };
    for (const amount of ['100.25', '-0.05', '3']) {
      await client.send(new UpdateItemCommand({ TableName: source, Key: book, UpdateExpression: 'ADD cash :a, fees :f', ExpressionAttributeValues: { ':a': { N: amount }, ':f': { N: '0.10' } } }));
    }
    const file = join(dir, `${source}-added.jsonl`);
    await exportTable(client, source, file);
    const restored = name('restored-added');
    tables.push(restored);
    await restoreTable(client, file, restored);
    const read = async (table: string) => (await client.send(new GetItemCommand({ TableName: table, Key: book, ConsistentRead: true }))).Item;
    // The same numbers in two texts: what made a byte-for-byte comparison call a faithful restore different.
    expect((await read(source))?.cash?.N).toBe('103.20');
    expect((await read(restored))?.cash?.N).toBe('103.2');
    expect(await differences(exported(file), table(restored))).toEqual([]);
    expect(await differences(table(source), table(restored))).toEqual([]);
    // A different number is still a difference.
    await client.send(new UpdateItemCommand({ TableName: restored, Key: book, UpdateExpression: 'ADD cash :a', ExpressionAttributeValues: { ':a': { N: '0.001' } } }));
    expect(await differences(exported(file), table(restored))).toEqual(['ACCOUNT/BOOK: 1 changed (ACCOUNT#paper-1|BOOK)']);
  });

  it('names the item type whose content differs between two tables (the comparison itself can fail)', async () => {
    const source = await tableWith(ITEMS);
    const changed = await tableWith([...ITEMS.slice(1), { ...(ITEMS[0] as Item), filledQuantity: { S: '9' } }]);
    const shorter = await tableWith(ITEMS.slice(0, 3));
    expect(await differences(table(source), table(changed))).toEqual(['ACCOUNT/ORDER: 1 changed (ACCOUNT#paper-1|ORDER#i-1)']);
    expect(await differences(table(source), table(shorter))).toEqual(['INTENTS: 1 only in a (INTENTS#paper-1|1795446000000)']);
    expect(await differences(table(shorter), table(source))).toEqual(['INTENTS: 1 only in b (INTENTS#paper-1|1795446000000)']);
  });

  it('refuses to restore into a table that exists', async () => {
    const source = await tableWith(ITEMS);
    const file = join(dir, `${source}-again.jsonl`);
    await exportTable(client, source, file);
    await expect(restoreTable(client, file, source)).rejects.toThrow(/exists already/);
  });

  it('types items by their keys', () => {
    expect(ITEMS.map(itemTypeOf)).toEqual(['ACCOUNT/ORDER', 'ACCOUNT/BOOK', 'AUDIT', 'INTENTS']);
  });
});
