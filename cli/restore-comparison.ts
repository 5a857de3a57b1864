// The restore procedure's compare step (docs/disaster-recovery.md), run by `npm run restore:compare -- --table
// <stack table> --restored <restored table>` (cli/restore-compare.ts). Reads both tables whole (Scan only, with the caller's credentials: it needs
// dynamodb:Scan on both and the use of the table's KMS key) and prints, per item type, what each holds, what
// differs and what only one holds, named by key. Exit 0 when the tables are equal, 2 when they differ, 1 when a
// table could not be read (the line names which), 64 on a bad command line.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseArgs } from 'node:util';
import { compareTables, someKeys, type TableComparison } from '../adapters/dynamodb/table-comparison';

export const USAGE = 'usage: npm run restore:compare -- --table <name> --restored <name> [--region <region>] [--endpoint <url>] [--keys <n>] [--json]';

/** How many keys of each kind a type lists by default: enough to recognise the damage, not a dump of the table. */
const DEFAULT_KEYS = 20;

export interface RestoreCompareIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The client for a region and endpoint; the SDK's default (its credential chain) otherwise. */
  dynamo?: (options: { region?: string; endpoint?: string }) => DynamoDBClient;
}

/** A line naming up to `limit` of the keys under its label, or none when there are no keys. */
export const listed = (label: string, keys: readonly string[], limit: number): string[] => (keys.length === 0 ? [] : [`    ${label}: ${someKeys(keys, limit)}`]);

/** The comparison for a person: one row per item type, then the keys of every type that differs. */
export const formatComparison = (c: TableComparison, limit: number): string[] => {
  const width = Math.max(9, ...c.types.map((t) => t.type.length));
  const row = (cells: (string | number)[]) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(width) : String(cell).padStart(i === 1 ? 7 : 10))).join('  ');
  const differing = c.types.filter((t) => t.changed.length + t.onlyInTable.length + t.onlyInRestored.length > 0);
  return [
    `${c.table} (the stack's) against ${c.restored} (restored)`,
    row(['item type', 'stack', 'restored', 'changed', 'only stack', 'only rest.']),
    ...c.types.map((t) => row([t.type, t.table, t.restored, t.changed.length, t.onlyInTable.length, t.onlyInRestored.length])),
    ...differing.flatMap((t) => [
      `  ${t.type}`,
      ...listed('changed', t.changed, limit),
      ...listed('only in the stack table (written after the restore point, or not restored)', t.onlyInTable, limit),
      ...listed('only in the restored table (deleted after the restore point)', t.onlyInRestored, limit),
    ]),
    c.equal ? 'result: equal, item for item' : `result: ${differing.length} item type(s) differ: ${differing.map((t) => t.type).join(', ')}`,
  ];
};

export const runRestoreCompare = async (argv: string[], io: RestoreCompareIo): Promise<number> => {
  let values: { table?: string; restored?: string; region?: string; endpoint?: string; keys?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { table: { type: 'string' }, restored: { type: 'string' }, region: { type: 'string' }, endpoint: { type: 'string' }, keys: { type: 'string' }, json: { type: 'boolean' } },
    }));
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 64;
  }
  const limit = Number(values.keys ?? DEFAULT_KEYS);
  if (!values.table || !values.restored) {
    io.err(`--table and --restored are both required\n${USAGE}`);
    return 64;
  }
  if (values.table === values.restored) {
    io.err(`--table and --restored name the same table (${values.table}): a restore goes into a new table\n${USAGE}`);
    return 64;
  }
  if (!Number.isInteger(limit) || limit < 0) {
    io.err(`--keys must be a whole number (keys listed per type and kind)\n${USAGE}`);
    return 64;
  }
  const options = { ...(values.region ? { region: values.region } : {}), ...(values.endpoint ? { endpoint: values.endpoint } : {}) };
  const client = io.dynamo ? io.dynamo(options) : new DynamoDBClient(options);
  try {
    const comparison = await compareTables(client, values.table, values.restored);
    if (values.json) io.out(JSON.stringify(comparison, null, 2));
    else io.out(formatComparison(comparison, limit).join('\n'));
    return comparison.equal ? 0 : 2;
  } catch (error) {
    io.err(`restore:compare failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    client.destroy();
  }
};
