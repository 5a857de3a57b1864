// Item by item comparison of two sets of a trading table's items (the stack's table, a table restored from it, an
// export): per item type, what each holds, which items differ in content and which only one of them holds, named
// by key. The restore procedure's compare step (docs/disaster-recovery.md) and the restore rehearsal use it.
// Invariants: it only reads; numbers compare by value; a source that cannot be read fails the comparison, naming
// the source, and never reads as empty.
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InfrastructureError } from '../../shared/errors/errors';
import { itemDigest, itemKeyOf, itemTypeOf, scanItems, type Item } from './table-backup';

/** One side of a comparison: its items and how to name it in an error. */
export interface ItemSource {
  name: string;
  items: () => AsyncIterable<Item>;
}

export interface ItemSetComparison {
  /** Every item type either side holds, by name. */
  types: {
    type: string;
    /** Items of the type on each side. */
    left: number;
    right: number;
    /** Keys (`pk|sk`) both sides hold with different content. */
    changed: string[];
    onlyLeft: string[];
    onlyRight: string[];
  }[];
  /** No item differs, and neither side holds an item the other lacks. */
  equal: boolean;
}

/** Every item of a source by key: its type and content hash (the items themselves are not kept). */
export type ItemDigests = Map<string, { type: string; digest: string }>;

/** Reads the source whole into its item digests. */
export const readItemDigests = async (source: ItemSource): Promise<ItemDigests> => {
  const digests: ItemDigests = new Map();
  try {
    for await (const item of source.items()) digests.set(itemKeyOf(item), { type: itemTypeOf(item), digest: itemDigest(item) });
  } catch (error) {
    throw new InfrastructureError(`reading ${source.name}: ${error instanceof Error ? error.message : String(error)}`, 'dynamodb', { cause: error });
  }
  return digests;
};

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Compares two sides item by item, from their digests. */
export const compareItemDigests = (ours: ItemDigests, theirs: ItemDigests): ItemSetComparison => {
  const byType = new Map<string, ItemSetComparison['types'][number]>();
  const entry = (type: string) => {
    let found = byType.get(type);
    if (!found) byType.set(type, (found = { type, left: 0, right: 0, changed: [], onlyLeft: [], onlyRight: [] }));
    return found;
  };
  for (const [key, item] of ours) {
    const e = entry(item.type);
    e.left++;
    const other = theirs.get(key);
    if (!other) e.onlyLeft.push(key);
    else if (other.digest !== item.digest) e.changed.push(key);
  }
  for (const [key, item] of theirs) {
    const e = entry(item.type);
    e.right++;
    if (!ours.has(key)) e.onlyRight.push(key);
  }
  const types = [...byType.values()]
    .sort((a, b) => byText(a.type, b.type))
    .map((t) => ({ ...t, changed: t.changed.sort(byText), onlyLeft: t.onlyLeft.sort(byText), onlyRight: t.onlyRight.sort(byText) }));
  return { types, equal: types.every((t) => t.changed.length + t.onlyLeft.length + t.onlyRight.length === 0) };
};

/** Compares two sources item by item, reading them whole, one after the other. */
export const compareItemSets = async (left: ItemSource, right: ItemSource): Promise<ItemSetComparison> => compareItemDigests(await readItemDigests(left), await readItemDigests(right));

export interface TypeDigest {
  count: number;
  /** Over the items' own hashes, sorted: independent of read order. */
  sha256: string;
}

/** Item count and content hash of every item type, from a side's digests. */
export const typeDigests = (digests: ItemDigests): Record<string, TypeDigest> => {
  const hashes = new Map<string, string[]>();
  for (const { type, digest } of digests.values()) {
    const list = hashes.get(type);
    if (list) list.push(digest);
    else hashes.set(type, [digest]);
  }
  return Object.fromEntries(
    [...hashes].sort(([a], [b]) => byText(a, b)).map(([type, list]) => [type, { count: list.length, sha256: createHash('sha256').update(list.sort().join('\n')).digest('hex') }]),
  );
};

/** Up to `limit` keys, and how many more there are: enough to recognise the damage, not a dump of the table. */
export const someKeys = (keys: readonly string[], limit: number): string => `${keys.slice(0, limit).join(', ')}${keys.length > limit ? ` … and ${keys.length - limit} more` : ''}`;

/** One line per differing item type, naming up to `limit` keys of each kind (empty when the sides agree). */
export const describeDifferences = (comparison: ItemSetComparison, sides: { left: string; right: string }, limit = 5): string[] =>
  comparison.types.flatMap((t) => {
    const parts = [
      ...(t.changed.length ? [`${t.changed.length} changed (${someKeys(t.changed, limit)})`] : []),
      ...(t.onlyLeft.length ? [`${t.onlyLeft.length} only in ${sides.left} (${someKeys(t.onlyLeft, limit)})`] : []),
      ...(t.onlyRight.length ? [`${t.onlyRight.length} only in ${sides.right} (${someKeys(t.onlyRight, limit)})`] : []),
    ];
    return parts.length ? [`${t.type}: ${parts.join(', ')}`] : [];
  });

export interface TableComparison {
  table: string;
  restored: string;
  types: {
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
  }[];
  equal: boolean;
}

/** Every item of a table, as a comparison source. */
export const tableSource = (client: DynamoDBClient, tableName: string): ItemSource => ({ name: `table ${tableName}`, items: () => scanItems(client, tableName) });

/** Compares `table` (the stack's) with `restored`, item by item. */
export const compareTables = async (client: DynamoDBClient, table: string, restored: string): Promise<TableComparison> => {
  const { types, equal } = await compareItemSets(tableSource(client, table), tableSource(client, restored));
  return {
    table,
    restored,
    types: types.map((t) => ({ type: t.type, table: t.left, restored: t.right, changed: t.changed, onlyInTable: t.onlyLeft, onlyInRestored: t.onlyRight })),
    equal,
  };
};
