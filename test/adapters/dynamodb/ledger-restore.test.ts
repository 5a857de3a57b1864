// The ledger copy-back against DynamoDB Local: whatever the two tables hold, applying the plan makes the account's
// ledger equal to the restored one, item for item, and leaves every other item of the stack's table as it was.
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { applyCopyBack, LEDGER_TYPES, planCopyBack, readLedger } from '../../../adapters/dynamodb/ledger-restore';
import { itemDigest, itemKeyOf, itemTypeOf, scanItems, type Item } from '../../../adapters/dynamodb/table-backup';
import { createTradingTable } from '../../../adapters/dynamodb/table-bootstrap';
import { localDynamoClientConfig } from '../../../local/dynamodb-local';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { keys } from '../../../shared/storage/table-definition';

const endpoint = inject('dynamoEndpoint');
const client = new DynamoDBClient(localDynamoClientConfig(endpoint));
const tables: string[] = [];
const A = 'paper-1';

const at = (key: { pk: string; sk: string }, value: string): Item => ({ pk: { S: key.pk }, sk: { S: key.sk }, value: { N: value } });

/** Every kind of item of the account (and one of another account), each present or not and with one of a few values. */
const KEYS = [
  ...['i-1', 'i-2', 'i-3', 'i-4'].map((id) => keys.order(A, id)),
  ...['i-1', 'i-2'].map((id) => keys.openOrder(A, id)),
  keys.openOrders(A),
  keys.fill(A, 'b-1#5'),
  keys.position(A, 'AAPL'),
  keys.position(A, 'MSFT'),
  keys.book(A),
  keys.tradingState(A),
  keys.killSwitch(A),
  keys.limits(A),
  keys.riskSession(A),
  keys.orderRate(A),
  keys.reconciliation(A),
  keys.book('paper-2'),
  keys.order('paper-2', 'i-1'),
];

const tableArb = fc.array(fc.option(fc.constantFrom('1', '2', '2.50', '2.5'), { nil: undefined }), { minLength: KEYS.length, maxLength: KEYS.length });

const tableWith = async (values: readonly (string | undefined)[], killed: boolean): Promise<string> => {
  const table = `ledger-restore-${randomBytes(3).toString('hex')}`;
  tables.push(table);
  await createTradingTable(client, table);
  for (const [i, key] of KEYS.entries()) {
    const value = values[i];
    if (key.sk === 'STATE') await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: key.pk }, sk: { S: key.sk }, state: { S: killed ? 'KILLED' : 'ACTIVE' } } }));
    else if (value !== undefined) await client.send(new PutItemCommand({ TableName: table, Item: at(key, value) }));
  }
  return table;
};

const contents = async (table: string): Promise<Map<string, string>> => {
  const items = new Map<string, string>();
  for await (const item of scanItems(client, table)) if (item.kind?.S !== 'LEDGER_RESTORED') items.set(itemKeyOf(item), itemDigest(item));
  return items;
};

const isLedgerOfA = (key: string): boolean => {
  const [pk = '', sk = ''] = key.split('|');
  return (LEDGER_TYPES as readonly string[]).includes(itemTypeOf({ pk: { S: pk }, sk: { S: sk } })) && pk.includes(`#${A}`);
};

const only = (map: Map<string, string>, keep: (key: string) => boolean) => new Map([...map].filter(([key]) => keep(key)));

const audit = () => auditEntry({ account: A, occurredAt: '2026-12-04T20:00:00.000Z', kind: 'LEDGER_RESTORED', actor: 'carol', correlationId: `restore-${randomBytes(4).toString('hex')}`, causationId: 'operator:carol', detail: {} });

afterAll(async () => {
  await Promise.allSettled(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t }))));
  client.destroy();
});

describe('ledger copy-back', () => {
  it('makes the account ledger equal to the restored one and changes nothing else, whatever either table holds', async () => {
    await fc.assert(
      fc.asyncProperty(tableArb, tableArb, async (stackValues, restoredValues) => {
        fc.pre(restoredValues.some((value, i) => value !== undefined && isLedgerOfA(`${KEYS[i]?.pk}|${KEYS[i]?.sk}`)));
        const [stack, restored] = [await tableWith(stackValues, true), await tableWith(restoredValues, false)];
        const before = await contents(stack);
        const plan = planCopyBack(await readLedger(client, stack, A), await readLedger(client, restored, A));
        await applyCopyBack(client, { tableName: stack, account: A, plan, audit: audit() });
        const after = await contents(stack);
        expect(only(after, isLedgerOfA)).toEqual(only(await contents(restored), isLedgerOfA));
        expect(only(after, (key) => !isLedgerOfA(key))).toEqual(only(before, (key) => !isLedgerOfA(key)));
        expect(planCopyBack(await readLedger(client, stack, A), await readLedger(client, restored, A)).writes).toEqual([]);
      }),
      { numRuns: 12, seed: 20261204 },
    );
  });

  it('counts a number written in another form (2.50 and 2.5) as equal, and plans no write for it', () => {
    const book = (cash: string) => new Map([[`ACCOUNT#${A}|BOOK`, { ...at(keys.book(A), '1'), cash: { N: cash } }]]);
    expect(planCopyBack(book('2.50'), book('2.5')).writes).toEqual([]);
    expect(planCopyBack(book('2.50'), book('2.51')).writes).toHaveLength(1);
  });
});
