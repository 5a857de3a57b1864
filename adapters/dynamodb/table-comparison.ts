// Item by item comparison of the stack's table with a table restored from it, for the restore procedure's compare
// step (docs/disaster-recovery.md): per item type, what each table holds, which items differ in content and which
// only one of them holds, named by key. Invariants: it only reads (Scan); numbers compare by value; a table that
// cannot be read fails the comparison, naming the table, and never reads as empty.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '../../shared/errors/errors';
import { itemDigest, itemKeyOf, itemTypeOf, scanItems } from './table-backup';

export interface TypeComparison {
  type: string;
  /** Items of the type in the stack's table and in the restored one. */
  table: number;
  restored: number;
  /** Keys (`pk|sk`) held by both tables with different content. */
  changed: string[];
  /** Keys only the stack's table holds: written after the restore point, or lost in the restore. */
  onlyInTable: string[];
  /** Keys only the restored table holds: deleted from the stack's table after the restore point. */
  onlyInRestored: string[];
}

export interface TableComparison {
  table: string;
  restored: string;
  /** Every item type either table holds, by name. */
  types: TypeComparison[];
  /** No item differs, and neither table holds an item the other lacks. */
  equal: boolean;
}

type Digests = Map<string, { type: string; digest: string }>;

/** Every item of the table by key: its type and content hash (the items themselves are not kept). */
const digestsOf = async (client: DynamoDBClient, tableName: string): Promise<Digests> => {
  const digests: Digests = new Map();
  try {
    for await (const item of scanItems(client, tableName)) digests.set(itemKeyOf(item), { type: itemTypeOf(item), digest: itemDigest(item) });
  } catch (error) {
    throw new InfrastructureError(`scanning ${tableName}: ${error instanceof Error ? error.message : String(error)}`, 'dynamodb', { cause: error });
  }
  return digests;
};

const sorted = (keys: string[]): string[] => keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Compares `table` (the stack's) with `restored`, reading both whole, one after the other. */
export const compareTables = async (client: DynamoDBClient, table: string, restored: string): Promise<TableComparison> => {
  const ours = await digestsOf(client, table);
  const theirs = await digestsOf(client, restored);
  const byType = new Map<string, TypeComparison>();
  const entry = (type: string): TypeComparison => {
    let found = byType.get(type);
    if (!found) byType.set(type, (found = { type, table: 0, restored: 0, changed: [], onlyInTable: [], onlyInRestored: [] }));
    return found;
  };
  for (const [key, item] of ours) {
    const e = entry(item.type);
    e.table++;
    const other = theirs.get(key);
    if (!other) e.onlyInTable.push(key);
    else if (other.digest !== item.digest) e.changed.push(key);
  }
  for (const [key, item] of theirs) {
    const e = entry(item.type);
    e.restored++;
    if (!ours.has(key)) e.onlyInRestored.push(key);
  }
  const types = [...byType.values()]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((t) => ({ ...t, changed: sorted(t.changed), onlyInTable: sorted(t.onlyInTable), onlyInRestored: sorted(t.onlyInRestored) }));
  return { table, restored, types, equal: types.every((t) => t.changed.length + t.onlyInTable.length + t.onlyInRestored.length === 0) };
};
