// `npm run restore:compare` against DynamoDB Local: its exit code says equal (0), different (2), unreadable (1) or a
// bad command line (64), and what it prints names every differing item type and key.
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Item } from '../../adapters/dynamodb/table-backup';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
import { runRestoreCompare } from '../../cli/restore-comparison';
import { localDynamoClientConfig } from '../../local/dynamodb-local';

const endpoint = inject('dynamoEndpoint');
const client = new DynamoDBClient(localDynamoClientConfig(endpoint));
const tables: string[] = [];

const positions = (count: number): Item[] =>
  Array.from({ length: count }, (_, i) => ({ pk: { S: 'ACCOUNT#paper-1' }, sk: { S: `POSITION#S${String(i).padStart(2, '0')}` }, quantity: { S: String(i + 1) } }));

const tableWith = async (items: readonly Item[]): Promise<string> => {
  const table = `restore-compare-${randomBytes(3).toString('hex')}`;
  tables.push(table);
  await createTradingTable(client, table);
  for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
  return table;
};

const compare = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRestoreCompare(argv, { out: (l) => out.push(l), err: (l) => err.push(l), dynamo: ({ endpoint: at }) => new DynamoDBClient(localDynamoClientConfig(at ?? endpoint)) });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

afterAll(async () => {
  await Promise.allSettled(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t }))));
  client.destroy();
});

describe('restore:compare', () => {
  it('exits 0 and says equal when the restored table holds the same items', async () => {
    const [stack, restored] = [await tableWith(positions(3)), await tableWith(positions(3))];
    const run = await compare(['--table', stack, '--restored', restored, '--endpoint', endpoint]);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^ACCOUNT\/POSITION\s+3\s+3\s+0\s+0\s+0$/m);
    expect(run.out).toMatch(/result: equal, item for item$/);
  });

  it('exits 2 naming the differing keys, at most --keys of each kind', async () => {
    const stack = await tableWith(positions(5));
    const restored = await tableWith(positions(2));
    const run = await compare(['--table', stack, '--restored', restored, '--endpoint', endpoint, '--keys', '2']);
    expect(run.code).toBe(2);
    expect(run.out).toMatch(/^ACCOUNT\/POSITION\s+5\s+2\s+0\s+3\s+0$/m);
    expect(run.out).toContain('only in the stack table (written after the restore point, or not restored): ACCOUNT#paper-1|POSITION#S02, ACCOUNT#paper-1|POSITION#S03 … and 1 more');
    expect(run.out).toMatch(/result: 1 item type\(s\) differ: ACCOUNT\/POSITION$/);
    const json = await compare(['--table', stack, '--restored', restored, '--endpoint', endpoint, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ equal: false, types: [{ type: 'ACCOUNT/POSITION', onlyInTable: ['ACCOUNT#paper-1|POSITION#S02', 'ACCOUNT#paper-1|POSITION#S03', 'ACCOUNT#paper-1|POSITION#S04'] }] });
  });

  it('exits 1 naming the table it could not read', async () => {
    const stack = await tableWith(positions(1));
    const run = await compare(['--table', stack, '--restored', 'no-such-table', '--endpoint', endpoint]);
    expect(run.code).toBe(1);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/^restore:compare failed: reading table no-such-table: /);
  });

  it('refuses a command line without both tables, or naming one table twice, with exit 64', async () => {
    expect(await compare(['--table', 'a'])).toMatchObject({ code: 64, err: expect.stringMatching(/^--table and --restored are both required/) });
    expect(await compare(['--table', 'a', '--restored', 'a'])).toMatchObject({ code: 64, err: expect.stringMatching(/name the same table \(a\)/) });
    expect(await compare(['--table', 'a', '--restored', 'b', '--keys', 'all'])).toMatchObject({ code: 64, err: expect.stringMatching(/^--keys must be a whole number/) });
    expect(await compare(['--tables', 'a'])).toMatchObject({ code: 64 });
  });
});
