// The restore procedure's compare step against DynamoDB Local: items are matched by key, a changed, a missing and an
// extra item are each named under their type, numbers compare by value, and an unreadable table fails by name.
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Item } from '../../../adapters/dynamodb/table-backup';
import { createTradingTable } from '../../../adapters/dynamodb/table-bootstrap';
import { compareTables } from '../../../adapters/dynamodb/table-comparison';
import { InfrastructureError } from '../../../shared/errors/errors';
import { localDynamoClientConfig } from '../../../local/dynamodb-local';

const client = new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint')));
const tables: string[] = [];

const ORDER: Item = { pk: { S: 'ORDERS#paper-1#0' }, sk: { S: 'ORDER#i-1' }, status: { S: 'FILLED' }, version: { N: '3' } };
const POSITION: Item = { pk: { S: 'ACCOUNT#paper-1' }, sk: { S: 'POSITION#AAPL' }, quantity: { S: '10' }, version: { N: '2' } };
const STATE: Item = { pk: { S: 'CONTROL#paper-1' }, sk: { S: 'STATE' }, state: { S: 'KILLED' } };

const tableWith = async (label: string, items: readonly Item[]): Promise<string> => {
  const table = `compare-${label}-${randomBytes(3).toString('hex')}`;
  tables.push(table);
  await createTradingTable(client, table);
  for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
  return table;
};

afterAll(async () => {
  await Promise.allSettled(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t }))));
  client.destroy();
});

describe('comparing the stack table with a restored one', () => {
  it('finds two tables with the same items equal, whatever the text of their numbers', async () => {
    const book = { pk: { S: 'ACCOUNT#paper-1' }, sk: { S: 'BOOK' } };
    const stack = await tableWith('stack', [ORDER, POSITION, STATE]);
    for (const amount of ['100.25', '-0.05']) await client.send(new UpdateItemCommand({ TableName: stack, Key: book, UpdateExpression: 'ADD cash :a', ExpressionAttributeValues: { ':a': { N: amount } } }));
    const restored = await tableWith('restored', [ORDER, POSITION, STATE, { ...book, cash: { N: '100.2' } }]);
    const comparison = await compareTables(client, stack, restored);
    expect(comparison.equal).toBe(true);
    expect(comparison.types.map((t) => [t.type, t.table, t.restored])).toEqual([
      ['ACCOUNT/BOOK', 1, 1],
      ['ACCOUNT/POSITION', 1, 1],
      ['CONTROL/STATE', 1, 1],
      ['ORDERS/ORDER', 1, 1],
    ]);
  });

  it('names each changed, missing and extra item by key under its type', async () => {
    const stack = await tableWith('stack', [{ ...ORDER, status: { S: 'CANCELED' } }, POSITION, { ...POSITION, sk: { S: 'POSITION#MSFT' } }]);
    const restored = await tableWith('restored', [ORDER, POSITION, STATE]);
    const comparison = await compareTables(client, stack, restored);
    expect(comparison.equal).toBe(false);
    expect(comparison.types).toEqual([
      { type: 'ACCOUNT/POSITION', table: 2, restored: 1, changed: [], onlyInTable: ['ACCOUNT#paper-1|POSITION#MSFT'], onlyInRestored: [] },
      { type: 'CONTROL/STATE', table: 0, restored: 1, changed: [], onlyInTable: [], onlyInRestored: ['CONTROL#paper-1|STATE'] },
      { type: 'ORDERS/ORDER', table: 1, restored: 1, changed: ['ORDERS#paper-1#0|ORDER#i-1'], onlyInTable: [], onlyInRestored: [] },
    ]);
  });

  it('fails naming the table it could not read, rather than reading it as empty', async () => {
    const stack = await tableWith('stack', [ORDER]);
    const missing = `compare-missing-${randomBytes(3).toString('hex')}`;
    const failure = await compareTables(client, stack, missing).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InfrastructureError);
    expect((failure as Error).message).toMatch(new RegExp(`^reading table ${missing}: `));
    expect((failure as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
