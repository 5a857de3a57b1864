// DynamoDB adapter for the AuditLog port: reads back exactly what the stores' `auditItem` (items.ts) wrote.
// By day is a strongly consistent Query of each of the account-day's AUDIT_SHARDS partitions, merged by sort key
// (`<occurredAt>#<entryId>`, the same order a single partition would give). By correlation is a Query of the
// byCorrelation GSI, and DynamoDB serves GSIs only eventually consistent: an entry committed a moment ago
// (usually well under a second) may be missing from it, so a reader that must see its own write reads the day instead.
// A page is assembled from as many Query calls as the kinds filter needs, so it is never short before the end.
import { QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AUDIT_KINDS, type AuditEntry } from '../../shared/audit/audit-entry';
import { InfrastructureError, InvalidInputError } from '../../shared/errors/errors';
import { parseDayQuery, parseId, parseLimit, type AuditDayOptions, type AuditLog, type AuditPage, type AuditPageOptions } from '../../shared/ports/audit-log';
import { AUDIT_PARTITION_PREFIX, AUDIT_SHARDS, auditDayBase, auditDayPartition, keys, TRADING_TABLE } from '../../shared/storage/table-definition';
import { dynamoCall } from './dynamo-table';

type Item = Record<string, unknown>;
type StartKey = Record<string, string>;

/** The GSI keyed by `gsi1pk = CORR#<correlationId>` (shared/storage/table-definition.ts). */
const BY_CORRELATION = TRADING_TABLE.globalSecondaryIndexes.find((g) => g.partitionKey.name === 'gsi1pk')?.indexName ?? 'byCorrelation';

export interface DynamoAuditLogOptions {
  /** Items DynamoDB evaluates per Query when a kinds filter is set (it applies Limit before the filter). */
  filterBatch?: number;
}

const DEFAULT_FILTER_BATCH = 100;

const badCursor = (rule: string, cause?: unknown): InvalidInputError => new InvalidInputError([{ path: 'cursor', rule }], cause === undefined ? undefined : { cause });
const SAME_QUERY = 'must be a cursor returned by the same query';

/** Opaque to callers: the base64url JSON of the key to resume after. */
const encodeCursor = (key: StartKey): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/**
 * The start key a cursor names, checked against the query it is passed to: a foreign or edited cursor would
 * otherwise reach DynamoDB and fail as an infrastructure error, or silently read another partition.
 */
const decodeCursor = <N extends string>(cursor: unknown, names: readonly N[], belongs: (key: Record<N, string>) => boolean): Record<N, string> => {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor('must be a base64url string returned as a page cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw badCursor(SAME_QUERY, error);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badCursor(SAME_QUERY);
  const key = parsed as Record<string, unknown>;
  if (Object.keys(key).length !== names.length || !names.every((name) => typeof key[name] === 'string')) throw badCursor(SAME_QUERY);
  if (!belongs(key as Record<N, string>)) throw badCursor(SAME_QUERY);
  return key as Record<N, string>;
};

const itemToEntry = (item: Item): AuditEntry => {
  const kind = AUDIT_KINDS.find((k) => k === item.kind);
  if (!kind) throw new InfrastructureError(`stored audit entry ${String(item.sk)} has unknown kind ${String(item.kind)}`, 'dynamodb');
  const detail = item.detail;
  return {
    entryId: String(item.entryId),
    account: String(item.account),
    occurredAt: String(item.occurredAt),
    kind,
    actor: String(item.actor),
    correlationId: String(item.correlationId),
    causationId: String(item.causationId),
    detail: detail && typeof detail === 'object' && !Array.isArray(detail) ? (detail as Record<string, unknown>) : {},
  };
};

/**
 * Not the stores' wrapNumbers (dynamo-table.ts: numbers as decimal strings, right for money stored as
 * numbers): detail is free-form and written from JS values (counts, epoch ms; money is already a string in it), so a number must
 * come back as that number. The marshaller refuses integers beyond 2^53 given as numbers, so such a stored
 * integer was a bigint, and `false` reads it back as one.
 */
const UNMARSHALL = { wrapNumbers: false } as const;

export class DynamoAuditLog implements AuditLog {
  private readonly filterBatch: number;

  /**
   * Uses the low-level client and marshals itself: a DynamoDBDocumentClient writes its translate options
   * into the shared client's config, so a second one with other number handling would silently change the
   * stores' (money read as JS numbers) or be changed by it (detail numbers read as strings).
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoAuditLogOptions = {},
  ) {
    this.filterBatch = options.filterBatch ?? DEFAULT_FILTER_BATCH;
  }

  async byCorrelation(correlationId: string, options: AuditPageOptions = {}): Promise<AuditPage> {
    parseId('correlationId', correlationId);
    const limit = parseLimit(options.limit);
    const { gsi1pk } = keys.auditByCorrelation(correlationId, '', '');
    const start =
      options.cursor === undefined
        ? undefined
        : decodeCursor(options.cursor, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], (key) => key.gsi1pk === gsi1pk && key.gsi1sk === key.sk && key.pk.startsWith(AUDIT_PARTITION_PREFIX));
    const items = await this.read(
      'Query (audit by correlation)',
      {
        TableName: this.tableName,
        IndexName: BY_CORRELATION,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': gsi1pk }),
        // A GSI cannot be read consistently (see the module comment).
        ConsistentRead: false,
        ScanIndexForward: true,
      },
      limit,
      start,
    );
    return pageOf(items, limit, (item) => ({ pk: String(item.pk), sk: String(item.sk), gsi1pk: String(item.gsi1pk), gsi1sk: String(item.gsi1sk) }));
  }

  /**
   * Reads the first `limit + 1` matching entries of every shard and merges them: the page's entries and the
   * proof of a next one are among them. The cursor is the day and the last entry's sort key, not a partition
   * key: each shard resumes after that sort key (ExclusiveStartKey in its own partition; DynamoDB needs no item
   * there, and no other shard holds an entry with that sort key, since its entry id chose the shard).
   */
  async byDay(account: string, day: string, options: AuditDayOptions = {}): Promise<AuditPage> {
    const query = parseDayQuery(account, day, options);
    const base = auditDayBase(account, day);
    const { from, to, kinds, limit } = query;
    // The sort key is `<occurredAt>#<entryId>`, so a time range is a key range. `to` is exclusive: no sort key
    // equals a bare instant (each carries `#<entryId>`), so `sk <= to` and `sk < to` select the same entries,
    // and BETWEEN can express [from, to).
    const range = from !== undefined && to !== undefined ? ' AND sk BETWEEN :from AND :to' : from !== undefined ? ' AND sk >= :from' : to !== undefined ? ' AND sk < :to' : '';
    // A resumed shard's start key must lie inside the key condition, so the cursor is checked against the range.
    const after =
      options.cursor === undefined
        ? undefined
        : decodeCursor(options.cursor, ['day', 'sk'], (key) => key.day === base && key.sk.startsWith(day) && (from === undefined || key.sk >= from) && (to === undefined || key.sk < to)).sk;
    const shards = await Promise.all(
      Array.from({ length: AUDIT_SHARDS }, (_, shard) => {
        const pk = auditDayPartition(account, day, shard);
        return this.read(
          'Query (audit by day)',
          {
            TableName: this.tableName,
            KeyConditionExpression: `pk = :pk${range}`,
            ...(kinds ? { FilterExpression: `#kind IN (${kinds.map((_, i) => `:k${i}`).join(', ')})`, ExpressionAttributeNames: { '#kind': 'kind' } } : {}),
            ExpressionAttributeValues: marshall({
              ':pk': pk,
              ...(from !== undefined ? { ':from': from } : {}),
              ...(to !== undefined ? { ':to': to } : {}),
              ...Object.fromEntries((kinds ?? []).map((kind, i) => [`:k${i}`, kind])),
            }),
            ConsistentRead: true,
            ScanIndexForward: true,
          },
          limit,
          after === undefined ? undefined : { pk, sk: after },
        );
      }),
    );
    // Sort keys are ASCII (ISO instant, `#`, entry id), so code-unit order is DynamoDB's byte order.
    const merged = shards.flat().sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : String(a.sk) > String(b.sk) ? 1 : 0));
    return pageOf(merged, limit, (item) => ({ day: base, sk: String(item.sk) }));
  }

  /**
   * Reads until one entry beyond the page is found or the partition ends (at most `limit + 1` entries are kept):
   * the extra entry proves a next page exists.
   */
  private async read(what: string, input: QueryCommandInput, limit: number, start: StartKey | undefined): Promise<Item[]> {
    const items: Item[] = [];
    let exclusiveStart: Record<string, AttributeValue> | undefined = start ? marshall(start) : undefined;
    do {
      const needed = limit + 1 - items.length;
      // DynamoDB applies Limit before the filter: with a filter, evaluate a batch per call instead of
      // `needed` items, or a sparse kind would cost one round trip per entry skipped.
      const batch = input.FilterExpression ? Math.max(needed, this.filterBatch) : needed;
      const out = await dynamoCall(what, () => this.client.send(new QueryCommand({ ...input, Limit: batch, ExclusiveStartKey: exclusiveStart })));
      // A stored value that cannot be read back is a storage fault, reported like a failed call.
      items.push(...(await dynamoCall(`${what} (unmarshall)`, async () => (out.Items ?? []).map((item) => unmarshall(item, UNMARSHALL)))));
      exclusiveStart = out.LastEvaluatedKey;
    } while (exclusiveStart && items.length <= limit);
    return items.slice(0, limit + 1);
  }
}

/**
 * The first `limit` of items in query order, with a cursor exactly when more follow. The cursor names the
 * page's last entry (not DynamoDB's LastEvaluatedKey, which may lie past entries read but not returned).
 */
const pageOf = (items: Item[], limit: number, keyOf: (item: Item) => StartKey): AuditPage => {
  const entries = items.slice(0, limit).map(itemToEntry);
  const last = items[limit - 1];
  return items.length > limit && last ? { entries, cursor: encodeCursor(keyOf(last)) } : { entries };
};
