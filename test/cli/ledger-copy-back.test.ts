// `npm run restore:copy-back` against DynamoDB Local: a dry run writes nothing; --apply brings the account's ledger
// (orders, open-order markers and count, fills, positions, book) to the restored table's, only while the account
// is KILLED, never touches any other item, audits who ran it, and says which step failed when it cannot finish.
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { itemDigest, itemKeyOf, scanItems, type Item } from '../../adapters/dynamodb/table-backup';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
import { runRestoreCopyBack } from '../../cli/ledger-copy-back';
import { localDynamoClientConfig } from '../../local/dynamodb-local';
import { keys } from '../../shared/storage/table-definition';

const endpoint = inject('dynamoEndpoint');
const client = new DynamoDBClient(localDynamoClientConfig(endpoint));
const tables: string[] = [];
const A = 'paper-1';

const at = (key: { pk: string; sk: string }, attributes: Item = {}): Item => ({ pk: { S: key.pk }, sk: { S: key.sk }, ...attributes });
const state = (value: string) => at(keys.tradingState(A), { state: { S: value } });
const order = (intentId: string, status = 'FILLED') => at(keys.order(A, intentId), { intentId: { S: intentId }, status: { S: status }, version: { N: '3' } });

/** What the stack's table holds after the damage: the ledger moved on from the restore point, and so did the controls. */
const stackItems = (trading = 'KILLED'): Item[] => [
  state(trading),
  at(keys.killSwitch(A), { active: { BOOL: true }, activatedBy: { S: 'alice' } }),
  at(keys.limits(A), { version: { N: '2' }, limits: { M: { maxOrderNotional: { S: '5000' } } } }),
  at(keys.riskSession(A), { peakEquity: { N: '100250.5' } }),
  at(keys.reconciliation(A), { status: { S: 'BREAKS' } }),
  at({ pk: `AUDIT#${A}#2026-12-04#1`, sk: '2026-12-04T15:00:00.000Z#aud-after' }, { kind: { S: 'ORDER_TRANSITION' } }),
  at(keys.book(A), { cash: { N: '90000' }, 'Q#AAPL': { N: '10' } }),
  at(keys.position(A, 'AAPL'), { quantity: { N: '10' }, version: { N: '4' } }),
  at(keys.openOrders(A), { count: { N: '1' } }),
  order('i-1', 'FILLED'),
  order('i-2', 'NEW'),
  at(keys.openOrder(A, 'i-2'), { intentId: { S: 'i-2' } }),
  at(keys.fill(A, 'b-2#5'), { quantity: { N: '5' } }),
  at(keys.book('paper-2'), { cash: { N: '1' } }),
];

/** The restored table: the ledger and the controls as they were at the restore point. */
const restoredItems = (): Item[] => [
  state('ACTIVE'),
  at(keys.limits(A), { version: { N: '1' }, limits: { M: { maxOrderNotional: { S: '50000' } } } }),
  at(keys.riskSession(A), { peakEquity: { N: '100000' } }),
  at(keys.book(A), { cash: { N: '100000.00' }, 'Q#AAPL': { N: '10' } }),
  at(keys.position(A, 'AAPL'), { quantity: { N: '10' }, version: { N: '4' } }),
  at(keys.openOrders(A), { count: { N: '0' } }),
  order('i-1', 'FILLED'),
  order('i-0', 'CANCELED'),
  at(keys.book('paper-2'), { cash: { N: '2' } }),
];

const tableWith = async (items: readonly Item[]): Promise<string> => {
  const table = `copy-back-${randomBytes(3).toString('hex')}`;
  tables.push(table);
  await createTradingTable(client, table);
  for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
  return table;
};

const scan = async (table: string): Promise<Map<string, Item>> => {
  const items = new Map<string, Item>();
  for await (const item of scanItems(client, table)) items.set(itemKeyOf(item), item);
  return items;
};

const digests = (items: Map<string, Item>, keep: (key: string, item: Item) => boolean = () => true) =>
  Object.fromEntries([...items].filter(([key, item]) => keep(key, item)).map(([key, item]) => [key, itemDigest(item)]));

const isAudit = (_: string, item: Item) => item.pk?.S?.startsWith('AUDIT#') === true;
const LEDGER = /^(ORDERS#paper-1#\d\d\|ORDER#|OPEN#paper-1\|INTENT#|ACCOUNT#paper-1\|(BOOK|OPEN_ORDERS|FILL#|POSITION#))/;

const copyBack = async (argv: string[], io: { dynamoClient?: DynamoDBClient; whoAmI?: () => Promise<string> } = {}) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRestoreCopyBack(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    dynamo: () => io.dynamoClient ?? new DynamoDBClient(localDynamoClientConfig(endpoint)),
    ...(io.whoAmI ? { whoAmI: io.whoAmI } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

/** A client whose TransactWriteItems calls go through `around` (the adapter boundary): to race, fail or repeat the nth. */
const aroundTransactions = (around: (send: () => Promise<unknown>, nth: number) => Promise<unknown>): DynamoDBClient => {
  const wrapped = new DynamoDBClient(localDynamoClientConfig(endpoint));
  const send = wrapped.send.bind(wrapped) as (command: unknown) => Promise<unknown>;
  let nth = 0;
  wrapped.send = (async (command: unknown) => (command instanceof TransactWriteItemsCommand ? around(() => send(command), ++nth) : send(command))) as typeof wrapped.send;
  return wrapped;
};

const local = (stack: string, restored: string) => ['--table', stack, '--restored', restored, '--account', A, '--endpoint', endpoint];
const apply = ['--apply', '--reason', 'restore after the bad deploy', '--as', 'carol'];

afterAll(async () => {
  await Promise.allSettled(tables.map((t) => client.send(new DeleteTableCommand({ TableName: t }))));
  client.destroy();
});

describe('restore:copy-back', () => {
  it('prints what it would put and delete, per ledger item type, and writes nothing without --apply', async () => {
    const [stack, restored] = [await tableWith(stackItems()), await tableWith(restoredItems())];
    const before = digests(await scan(stack));
    const run = await copyBack(local(stack, restored));
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(run.out).toMatch(/^ORDERS\/ORDER\s+2\s+2\s+0\s+1\s+1$/m);
    expect(run.out).toMatch(/^OPEN\/INTENT\s+1\s+0\s+0\s+0\s+1$/m);
    expect(run.out).toMatch(/^ACCOUNT\/BOOK\s+1\s+1\s+1\s+0\s+0$/m);
    expect(run.out).toMatch(/^ACCOUNT\/POSITION\s+1\s+1\s+0\s+0\s+0$/m);
    expect(run.out).toContain(`put back (deleted since the restore point): ${keys.order(A, 'i-0').pk}|ORDER#i-0`);
    expect(run.out).toContain(`delete (written since the restore point): ${keys.openOrder(A, 'i-2').pk}|INTENT#i-2`);
    expect(run.out).toMatch(/result: 6 write\(s\) planned, none made; add --apply --reason <text> to make them$/);
    expect(digests(await scan(stack))).toEqual(before);
  });

  it('brings the ledger to the restored one and leaves the controls, limits, session, reconciliation, audit and other accounts as they are', async () => {
    const [stack, restored] = [await tableWith(stackItems()), await tableWith(restoredItems())];
    const before = await scan(stack);
    const run = await copyBack([...local(stack, restored), ...apply]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/copied back: 6 write\(s\) in 1 transaction\(s\), run restore-[0-9a-f-]+ by carol \(audit LEDGER_RESTORED\)/);
    expect(run.out).toMatch(/result: the ledger equals the restored one, item for item/);
    const after = await scan(stack);
    expect(digests(after, (key) => LEDGER.test(key))).toEqual(digests(await scan(restored), (key) => LEDGER.test(key)));
    expect(digests(after, (key, item) => !LEDGER.test(key) && !isAudit(key, item))).toEqual(digests(before, (key, item) => !LEDGER.test(key) && !isAudit(key, item)));
    const audits = [...after.values()].filter((item) => item.kind?.S === 'LEDGER_RESTORED');
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor: { S: 'carol' }, account: { S: A }, detail: { M: { reason: { S: 'restore after the bad deploy' }, restoredTable: { S: restored }, writes: { N: '6' } } } });
    expect(after.has(`AUDIT#${A}#2026-12-04#1|2026-12-04T15:00:00.000Z#aud-after`)).toBe(true);
    expect((await copyBack([...local(stack, restored), ...apply])).out).toMatch(/result: the ledgers are equal; nothing to copy back$/);
  });

  it('refuses --apply, writing nothing, while the account is not KILLED', async () => {
    for (const trading of ['HALTED', 'ACTIVE']) {
      const [stack, restored] = [await tableWith(stackItems(trading)), await tableWith(restoredItems())];
      const before = digests(await scan(stack));
      const run = await copyBack([...local(stack, restored), ...apply]);
      expect(run.code).toBe(1);
      expect(run.err).toBe(`refused: ${A} is not KILLED in the stack's table: kill it first (npx tsp kill), so that nothing trades while its ledger is copied back; nothing was written`);
      expect(digests(await scan(stack))).toEqual(before);
    }
  });

  it('refuses when the restored table holds none of the account ledger, which would delete it all', async () => {
    const [stack, restored] = [await tableWith(stackItems()), await tableWith([state('ACTIVE')])];
    const before = digests(await scan(stack));
    const run = await copyBack([...local(stack, restored), ...apply]);
    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toContain(`refused: ${restored} holds no ledger item of ${A}`);
    expect(digests(await scan(stack))).toEqual(before);
  });

  it('writes nothing more once the account leaves KILLED part way, and says how much it wrote', async () => {
    const missing = Array.from({ length: 250 }, (_, i) => order(`n-${String(i).padStart(3, '0')}`));
    const [stack, restored] = [await tableWith(stackItems()), await tableWith([...restoredItems(), ...missing])];
    // The adapter boundary: right after the first transaction commits, someone releases the account.
    const racing = aroundTransactions(async (send, nth) => {
      const answer = await send();
      if (nth === 1) {
        await client.send(new UpdateItemCommand({ TableName: stack, Key: { pk: { S: keys.tradingState(A).pk }, sk: { S: 'STATE' } }, UpdateExpression: 'SET #s = :h', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':h': { S: 'HALTED' } } }));
      }
      return answer;
    });
    const run = await copyBack([...local(stack, restored), ...apply], { dynamoClient: racing });
    expect(run.code).toBe(3);
    expect(run.err).toBe(`refused: ${A} left KILLED during the copy-back: 98 write(s) were made before, none after; kill it again and run the copy-back again to finish`);
    // The first transaction's 98 writes: the book, the open-order count, order i-0 and the first 95 of the 250.
    const ordersNow = [...(await scan(stack)).keys()].filter((key) => key.includes('|ORDER#n-'));
    expect(ordersNow).toHaveLength(95);
  });

  it('names the transaction that failed and how much was written before it, and finishes when run again', async () => {
    const missing = Array.from({ length: 250 }, (_, i) => order(`n-${String(i).padStart(3, '0')}`));
    const [stack, restored] = [await tableWith(stackItems()), await tableWith([...restoredItems(), ...missing])];
    const failing = aroundTransactions(async (send, nth) => {
      if (nth === 2) throw new Error('socket hang up');
      return send();
    });
    const run = await copyBack([...local(stack, restored), ...apply], { dynamoClient: failing });
    expect(run.code).toBe(3);
    expect(run.err).toBe('restore:copy-back failed while copying back: copy-back transaction 2 of 3 failed (98 of 256 write(s) made before it): socket hang up; run it again (the account still KILLED) to finish');
    const again = await copyBack([...local(stack, restored), ...apply]);
    expect(again).toMatchObject({ code: 0, err: '' });
    expect(again.out).toMatch(/copied back: 158 write\(s\) in 2 transaction\(s\)/);
  });

  it('takes a transaction sent again after it committed (a retry whose first answer was lost) as done', async () => {
    const [stack, restored] = [await tableWith(stackItems()), await tableWith(restoredItems())];
    const retrying = aroundTransactions(async (send) => {
      await send();
      return send();
    });
    const run = await copyBack([...local(stack, restored), ...apply], { dynamoClient: retrying });
    expect(run).toMatchObject({ code: 0, err: '' });
    expect([...(await scan(stack)).values()].filter((item) => item.kind?.S === 'LEDGER_RESTORED')).toHaveLength(1);
  });

  it('audits the AWS identity that signs when it runs against AWS', async () => {
    const [stack, restored] = [await tableWith(stackItems()), await tableWith(restoredItems())];
    const run = await copyBack(['--table', stack, '--restored', restored, '--account', A, '--apply', '--reason', 'restore'], {
      whoAmI: async () => 'arn:aws:sts::123456789012:assumed-role/TradingRestore/carol',
    });
    expect(run.code).toBe(0);
    const audit = [...(await scan(stack)).values()].find((item) => item.kind?.S === 'LEDGER_RESTORED');
    expect(audit?.actor?.S).toBe('arn:aws:sts::123456789012:assumed-role/TradingRestore/carol');
  });

  it('says which step failed when a table cannot be read', async () => {
    const stack = await tableWith(stackItems());
    const run = await copyBack(local(stack, 'no-such-table'));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^restore:copy-back failed while reading the ledgers: reading the ledger of paper-1 in table no-such-table: /);
  });

  it.each([
    [['--table', 't', '--restored', 'r'], '--table, --restored and --account are all required'],
    [['--table', 't', '--restored', 't', '--account', A], '--table and --restored name the same table (t): a restore goes into a new table'],
    [['--table', 't', '--restored', 'r', '--account', A, '--apply'], '--apply needs --reason <text>, kept in the audit trail'],
    [['--table', 't', '--restored', 'r', '--account', A, '--as', 'mallory'], '--as names the person only against DynamoDB Local (a loopback --endpoint); against AWS the identity that signs is the one audited'],
    [['--table', 't', '--restored', 'r', '--account', A, '--endpoint', 'https://dynamodb.us-east-1.amazonaws.com', '--as', 'alice', '--apply', '--reason', 'r'], '--as names the person only against DynamoDB Local'],
    [['--table', 't', '--restored', 'r', '--account', A, '--endpoint', 'http://127.0.0.1:8000', '--apply', '--reason', 'r'], '--apply against DynamoDB Local needs --as <name> (there is no STS to ask who you are)'],
    [['--table', 't', '--restored', 'r', '--account', A, '--keys', 'many'], '--keys must be a whole number (keys listed per type and kind)'],
    [['--table', 't', '--restored', 'r', '--account', A, '--bogus'], "Unknown option '--bogus'"],
  ])('exits 64 on a bad command line: %j', async (argv, message) => {
    const run = await copyBack(argv);
    expect(run.code).toBe(64);
    expect(run.err.split('\n')[0]).toContain(message);
  });
});
