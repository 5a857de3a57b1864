// Copies one account's ledger back from a restored table into the stack's (docs/disaster-recovery.md, restore step
// 5): its orders, open-order markers and their count, fills, positions and book, exactly as the restored table
// holds them. Invariants: it writes no other item (trading state, kill switch, strategy switches, limits, risk
// session, rate window, throttles, reconciliation and audit history stay as the stack's table has them); every write
// is in a transaction conditional on the account being KILLED in the stack's table; the run's audit entry, naming
// who ran it, is in the first transaction, so nothing is written without it.
import { createHash } from 'node:crypto';
import {
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import { InfrastructureError } from '../../shared/errors/errors';
import { keys, ORDER_SHARDS, orderPartition, OPEN_ORDER_PARTITION_PREFIX } from '../../shared/storage/table-definition';
import { auditItem } from './items';
import { itemDigest, itemKeyOf, itemTypeOf, type Item } from './table-backup';
import { compareItemDigests, type ItemDigests } from './table-comparison';

/** The item types of an account's ledger (itemTypeOf's names): what a copy-back reads, compares and writes. */
export const LEDGER_TYPES = ['ORDERS/ORDER', 'OPEN/INTENT', 'ACCOUNT/OPEN_ORDERS', 'ACCOUNT/FILL', 'ACCOUNT/POSITION', 'ACCOUNT/BOOK'] as const;
export type LedgerType = (typeof LEDGER_TYPES)[number];

const isLedgerType = (type: string): type is LedgerType => (LEDGER_TYPES as readonly string[]).includes(type);

/** An account's ledger items in one table, by key (`pk|sk`). */
export type Ledger = Map<string, Item>;

/** The partitions an account's ledger lives in; the account partition holds other items too, which are left out. */
const ledgerPartitions = (account: string): string[] => [
  keys.book(account).pk,
  `${OPEN_ORDER_PARTITION_PREFIX}${account}`,
  ...Array.from({ length: ORDER_SHARDS }, (_, shard) => orderPartition(account, shard)),
];

/** Reads the account's ledger from a table, strongly consistent; a table that cannot be read fails, naming it. */
export const readLedger = async (client: DynamoDBClient, tableName: string, account: string): Promise<Ledger> => {
  const ledger: Ledger = new Map();
  try {
    for (const pk of ledgerPartitions(account)) {
      let start: Record<string, NonNullable<Item[string]>> | undefined;
      do {
        const page = await client.send(
          new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } }, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) if (isLedgerType(itemTypeOf(item))) ledger.set(itemKeyOf(item), item);
        start = page.LastEvaluatedKey;
      } while (start);
    }
  } catch (error) {
    throw new InfrastructureError(`reading the ledger of ${account} in table ${tableName}: ${error instanceof Error ? error.message : String(error)}`, 'dynamodb', { cause: error });
  }
  return ledger;
};

export interface TypePlan {
  type: LedgerType;
  /** Items of the type in each table. */
  stack: number;
  restored: number;
  /** Keys both hold with different content: the restored version is put. */
  changed: string[];
  /** Keys only the restored table holds (deleted after the restore point): put back. */
  missing: string[];
  /** Keys only the stack's table holds (written after the restore point): deleted. */
  extra: string[];
}

export interface CopyBackPlan {
  types: TypePlan[];
  /** The writes that bring the stack's ledger to the restored one, puts first. */
  writes: ({ kind: 'put'; key: string; item: Item } | { kind: 'delete'; key: string; pk: string; sk: string })[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const digestsOf = (ledger: Ledger): ItemDigests => new Map([...ledger].map(([key, item]) => [key, { type: itemTypeOf(item), digest: itemDigest(item) }]));

/** What makes the stack's ledger equal, item for item, to the restored one (numbers compare by value). */
export const planCopyBack = (stack: Ledger, restored: Ledger): CopyBackPlan => {
  const compared = new Map(compareItemDigests(digestsOf(stack), digestsOf(restored)).types.map((t) => [t.type, t]));
  const types = LEDGER_TYPES.map((type): TypePlan => {
    const t = compared.get(type);
    return { type, stack: t?.left ?? 0, restored: t?.right ?? 0, changed: t?.changed ?? [], missing: t?.onlyRight ?? [], extra: t?.onlyLeft ?? [] };
  });
  const puts = types.flatMap((t) => [...t.changed, ...t.missing]).sort(byText);
  const deletes = types.flatMap((t) => t.extra).sort(byText);
  return {
    types,
    writes: [
      ...puts.map((key) => ({ kind: 'put' as const, key, item: restored.get(key) as Item })),
      ...deletes.map((key) => {
        const item = stack.get(key) as Item;
        return { kind: 'delete' as const, key, pk: item.pk?.S ?? '', sk: item.sk?.S ?? '' };
      }),
    ],
  };
};

/** The copy-back was refused: the account is not KILLED in the stack's table (any more). */
export class AccountNotKilledError extends Error {
  override readonly name = 'AccountNotKilledError';
  constructor(
    readonly account: string,
    readonly written: number,
  ) {
    super(
      written === 0
        ? `${account} is not KILLED in the stack's table: kill it first (npx tsp kill), so that nothing trades while its ledger is copied back; nothing was written`
        : `${account} left KILLED during the copy-back: ${written} write(s) were made before, none after; kill it again and run the copy-back again to finish`,
    );
  }
}

/** A transaction of the copy-back failed; `written` says how many writes the ones before it made. */
export class CopyBackWriteError extends InfrastructureError {
  override readonly name = 'CopyBackWriteError';
  constructor(
    message: string,
    readonly written: number,
    options: { cause: unknown },
  ) {
    super(message, 'dynamodb', options);
  }
}

export interface CopyBackResult {
  /** Puts and deletes made (the audit entry not counted). */
  written: number;
  transactions: number;
}

/** At most 100 actions a transaction: the condition on the trading state, the audit entry in the first, the rest writes. */
const ACTIONS_PER_TRANSACTION = 100;
/** Well under the 4 MB a transaction may carry, counting each item by its JSON text. */
const BYTES_PER_TRANSACTION = 2_000_000;

/** Groups the writes into transactions, each with room for the condition (and, in the first, the audit entry). */
const transactionsOf = (writes: CopyBackPlan['writes']): CopyBackPlan['writes'][] => {
  const groups: CopyBackPlan['writes'][] = [];
  let current: CopyBackPlan['writes'] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = write.kind === 'put' ? JSON.stringify(write.item).length : write.key.length;
    const room = ACTIONS_PER_TRANSACTION - 1 - (groups.length === 0 ? 1 : 0);
    if (current.length > 0 && (current.length >= room || bytes + size > BYTES_PER_TRANSACTION)) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(write);
    bytes += size;
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups;
};

/** An idempotency token per transaction of a run (DynamoDB takes at most 36 characters). */
const requestToken = (runEntryId: string, index: number): string => createHash('sha256').update(`${runEntryId}#${index}`).digest('hex').slice(0, 36);

/**
 * Makes the plan's writes in the stack's table, each transaction conditional on the account being KILLED there;
 * the audit entry goes in the first. Throws AccountNotKilledError when the account is (or stops being) anything
 * but KILLED, and CopyBackWriteError naming the transaction that failed, with what was written before it.
 */
export const applyCopyBack = async (
  client: DynamoDBClient,
  input: { tableName: string; account: string; plan: CopyBackPlan; audit: AuditEntry },
): Promise<CopyBackResult> => {
  const { tableName, account } = input;
  const killed: TransactWriteItem = {
    ConditionCheck: {
      TableName: tableName,
      Key: { pk: { S: keys.tradingState(account).pk }, sk: { S: keys.tradingState(account).sk } },
      ConditionExpression: '#state = :killed',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':killed': { S: 'KILLED' } },
    },
  };
  const groups = transactionsOf(input.plan.writes);
  let written = 0;
  for (const [index, group] of groups.entries()) {
    const actions: TransactWriteItem[] = [
      killed,
      ...(index === 0 ? [{ Put: { TableName: tableName, Item: marshall(auditItem(input.audit), { removeUndefinedValues: true }), ConditionExpression: 'attribute_not_exists(pk)' } }] : []),
      ...group.map((write): TransactWriteItem => (write.kind === 'put' ? { Put: { TableName: tableName, Item: write.item } } : { Delete: { TableName: tableName, Key: { pk: { S: write.pk }, sk: { S: write.sk } } } })),
    ];
    try {
      // The token makes the SDK's retry of a transaction that did commit a no-op, not a failed audit condition.
      await client.send(new TransactWriteItemsCommand({ TransactItems: actions, ClientRequestToken: requestToken(input.audit.entryId, index) }));
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') throw new AccountNotKilledError(account, written);
      throw new CopyBackWriteError(
        `copy-back transaction ${index + 1} of ${groups.length} failed (${written} of ${input.plan.writes.length} write(s) made before it): ${error instanceof Error ? error.message : String(error)}`,
        written,
        { cause: error },
      );
    }
    written += group.length;
  }
  return { written, transactions: groups.length };
};
