// The trading table as the fuzzer watches it: a fresh table per epoch on one DynamoDB client, and whether a
// rejected input changed it. The snapshot is the count and a hash of a consistent Scan of every item. It is
// taken just before the first request of an input that is not a read (a middleware holds that request until
// the Scan is done), and again after the input only if one went out: an input that sent no write costs no
// Scan, and the one taken is still the state from before the input. Invariant: every store of the target
// uses this client.
import { createHash, randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
import { localDynamoClientConfig } from '../../local/dynamodb-local';
import type { StateWatch } from './runner';

/** Commands that cannot change a table; anything else counts as a possible write. */
const READS = new Set([
  'GetItemCommand',
  'GetCommand',
  'BatchGetItemCommand',
  'BatchGetCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
  'TransactGetCommand',
  'DescribeTableCommand',
  'ListTablesCommand',
]);

export class TableWatch implements StateWatch {
  readonly client: DynamoDBClient;
  tableName = '';
  /** Requests sent that may have written (attempts: a failed conditional write counts too). */
  writes = 0;
  /** Scans taken, for the report: how much the snapshots cost. */
  scans = 0;
  /** Inside an input: the snapshot from before its first write, once one was sent. */
  private watching = false;
  private writesAtBefore = 0;
  private hashBefore: Promise<string> | undefined;

  constructor(endpoint: string) {
    this.client = new DynamoDBClient(localDynamoClientConfig(endpoint));
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (!READS.has(context.commandName ?? '')) {
          this.writes++;
          if (this.watching) {
            this.hashBefore ??= this.snapshot();
            await this.hashBefore;
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'fuzzWriteWatch' },
    );
  }

  /** A new empty table (the previous one is dropped, keeping DynamoDB Local small). */
  async freshTable(prefix: string): Promise<string> {
    if (this.tableName) await this.client.send(new DeleteTableCommand({ TableName: this.tableName })).catch(() => undefined);
    this.tableName = `fz-${prefix}-${randomBytes(4).toString('hex')}`;
    this.watching = false;
    await createTradingTable(this.client, this.tableName);
    return this.tableName;
  }

  async before(): Promise<void> {
    this.watching = true;
    this.writesAtBefore = this.writes;
    this.hashBefore = undefined;
  }

  async after(rejected: boolean): Promise<string | undefined> {
    this.watching = false;
    const attempts = this.writes - this.writesAtBefore;
    if (!rejected || attempts === 0 || this.hashBefore === undefined) return undefined;
    const [before, after] = [await this.hashBefore, await this.snapshot()];
    return before === after ? undefined : `the table changed (${attempts} write request(s); items:hash ${before} → ${after})`;
  }

  /** "count:sha256" of every item, in a canonical order. */
  async snapshot(): Promise<string> {
    this.scans++;
    const items: string[] = [];
    let start: Record<string, never> | undefined;
    do {
      const out = await this.client.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) items.push(canonical(item));
      start = out.LastEvaluatedKey as typeof start;
    } while (start);
    items.sort();
    return `${items.length}:${createHash('sha256').update(items.join('\n')).digest('hex').slice(0, 16)}`;
  }

  async close(): Promise<void> {
    if (this.tableName) await this.client.send(new DeleteTableCommand({ TableName: this.tableName })).catch(() => undefined);
    this.client.destroy();
  }
}

/** JSON with object keys sorted, so equal items hash alike. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
};
