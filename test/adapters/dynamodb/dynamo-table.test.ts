// The table operations every store shares, against DynamoDB Local: the paged query reads every page, a
// transaction's cancellation reasons arrive in item order, a conditional write reports its condition, a
// lost race is retried a bounded number of times, and any other failure is an InfrastructureError.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoTable, LostRace, type TransactItem } from '../../../adapters/dynamodb/dynamo-table';
import { InfrastructureError } from '../../../shared/errors/errors';
import { freshTable } from '../../support/dynamo';

let client: DynamoDBClient;
let table: DynamoTable;

beforeEach(async () => {
  let tableName: string;
  ({ client, tableName } = await freshTable());
  table = new DynamoTable(client, tableName);
});

const put = (sk: string): TransactItem => ({ Put: { TableName: table.name, Item: { pk: 'P', sk }, ConditionExpression: 'attribute_not_exists(pk)' } });

describe('the paged query', () => {
  it('returns the items of every page, in key order (a page holds two here)', async () => {
    await table.transact('TransactWrite (seed)', ['a', 'b', 'c', 'd', 'e'].map(put), 'written');
    const items = await table.queryAll('Query (test)', { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'P' }, Limit: 2, ConsistentRead: true });
    expect(items.map((i) => i.sk)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('returns nothing for an empty partition', async () => {
    await expect(table.queryAll('Query (test)', { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'none' } })).resolves.toEqual([]);
  });
});

describe('the transaction with cancellation reasons', () => {
  it('returns the written outcome, and maps the codes of a cancelled one in item order', async () => {
    await expect(table.transact('TransactWrite (test)', [put('b')], 'written')).resolves.toBe('written');
    let seen: readonly (string | undefined)[] = [];
    const outcome = await table.transact('TransactWrite (test)', [put('a'), put('b')], 'written', (codes) => {
      seen = codes;
      return 'cancelled';
    });
    expect(outcome).toBe('cancelled');
    expect(seen).toEqual(['None', 'ConditionalCheckFailed']);
  });

  it('throws an InfrastructureError naming the write when the codes map to nothing', async () => {
    await table.transact('TransactWrite (test)', [put('b')], 'written');
    const error = await table.transact('TransactWrite (test)', [put('a'), put('b')], 'written', () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).message).toBe('DynamoDB TransactWrite (test) failed');
    expect((error as InfrastructureError).cause).toMatchObject({ name: 'TransactionCanceledException' });
  });
});

describe('the conditional write', () => {
  it('is true when applied and false when its condition failed', async () => {
    const first = { Item: { pk: 'P', sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' };
    await expect(table.putIf('PutItem (test)', first)).resolves.toBe(true);
    await expect(table.putIf('PutItem (test)', first)).resolves.toBe(false);
  });

  it('reports any other failure as an InfrastructureError', async () => {
    const missing = new DynamoTable(client, 'no-such-table');
    const error = await missing.putIf('PutItem (test)', { Item: { pk: 'P', sk: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).message).toBe('DynamoDB PutItem (test) failed');
    expect((error as InfrastructureError).cause).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('the retry on a lost race', () => {
  it('tries again after a lost race, pausing in between, and says which attempt is the last', async () => {
    const lastFlags: boolean[] = [];
    const pauses: number[] = [];
    const outcome = await table.retryOnConflict(
      'write (test)',
      3,
      async (last) => {
        lastFlags.push(last);
        return lastFlags.length < 3 ? new LostRace(new Error(`race ${lastFlags.length}`)) : 'won';
      },
      async (attempt) => void pauses.push(attempt),
    );
    expect(outcome).toBe('won');
    expect(lastFlags).toEqual([false, false, true]);
    expect(pauses).toEqual([1, 2]);
  });

  it('gives up after the last attempt with an InfrastructureError carrying the last race', async () => {
    const error = await table.retryOnConflict('write (test)', 2, async () => new LostRace(new Error('race'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).message).toBe('DynamoDB write (test) failed');
    expect((error as InfrastructureError).cause).toMatchObject({ message: 'race' });
  });
});
