// The trading table's common operations, shared by every store: one document client that reads numbers as
// their exact decimal text, and the shapes every call takes. Any SDK failure a caller does not expect becomes
// an InfrastructureError('DynamoDB <what> failed', 'dynamodb') carrying the SDK error as its cause.
import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InfrastructureError } from '../../shared/errors/errors';

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
export type TableKey = { pk: string; sk: string };

/** Numbers come back as their exact decimal text, never as a JS number. */
export const wrapNumbers = (value: string): string => value;

export const createDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers },
  });

/** Runs one DynamoDB call; any failure is an InfrastructureError naming `what`. */
export const dynamoCall = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: error });
  }
};

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** A conditional write's result: applied, with what the call returned, or not, with the SDK's error. */
type ConditionalResult<T> = { applied: true; result: T } | { applied: false; error: unknown };

/**
 * The codes of a cancelled transaction, one per item in the order the items were written (a position can be
 * undefined when DynamoDB gave no reason for that item).
 */
export type CancellationCodes = readonly (string | undefined)[];

const CONDITION_FAILED = 'ConditionalCheckFailed';
const TRANSACTION_CONFLICT = 'TransactionConflict';

/** Whether the item at `index` failed its condition. */
export const conditionFailedAt = (codes: CancellationCodes, index: number): boolean => codes[index] === CONDITION_FAILED;

/** Whether any item (any for which `where(index)` holds) failed its condition. */
export const anyConditionFailed = (codes: CancellationCodes, where: (index: number) => boolean = () => true): boolean =>
  codes.some((code, i) => code === CONDITION_FAILED && where(i));

/** Whether a concurrent transaction on one of the items cancelled this one. */
export const anyTransactionConflict = (codes: CancellationCodes): boolean => codes.some((code) => code === TRANSACTION_CONFLICT);

const cancellationCodes = (error: unknown): CancellationCodes | undefined =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : undefined;

/** What an attempt of a read-decide-write returns when a racing writer moved the item in between. */
export class LostRace {
  constructor(readonly error: unknown) {}
}

/** The trading table as every store uses it: its name and one document client. */
export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
  ) {
    this.doc = createDocumentClient(client);
  }

  call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return dynamoCall(what, fn);
  }

  /** A strongly consistent read of one item. */
  async get(what: string, key: TableKey, options: Omit<GetCommandInput, 'TableName' | 'Key' | 'ConsistentRead'> = {}): Promise<Item | undefined> {
    const out = await this.call(what, () => this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true, ...options })));
    return out.Item;
  }

  /**
   * A strongly consistent BatchGet of the keys, asking again for any DynamoDB left unprocessed; returns a
   * lookup of what it found.
   */
  async batchGet(wanted: readonly TableKey[]): Promise<(key: TableKey) => Item | undefined> {
    const found = new Map<string, Item>();
    let pending: Record<string, unknown>[] = [...wanted];
    for (let round = 0; pending.length > 0; round++) {
      if (round > 5) throw new InfrastructureError('BatchGet kept returning unprocessed keys', 'dynamodb');
      const out = await this.call('BatchGet', () => this.doc.send(new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } })));
      for (const item of out.Responses?.[this.name] ?? []) found.set(`${String(item.pk)}|${String(item.sk)}`, item);
      pending = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
    }
    return (key) => found.get(`${key.pk}|${key.sk}`);
  }

  /** An unconditional put of one item. */
  async put(what: string, input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    await this.call(what, () => this.doc.send(new PutCommand({ TableName: this.name, ...input })));
  }

  /** An unconditional update of one item. */
  async update(what: string, input: Omit<UpdateCommandInput, 'TableName'>): Promise<void> {
    await this.call(what, () => this.doc.send(new UpdateCommand({ TableName: this.name, ...input })));
  }

  /** Every item the query matches, reading page after page until DynamoDB reports no more. */
  async queryAll(what: string, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call(what, () => this.doc.send(new QueryCommand({ TableName: this.name, ...input, ExclusiveStartKey: start })));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * A conditional write, with the SDK's error when its condition failed (a ConditionalCheckFailedException
   * may carry the stored item); any other failure throws.
   */
  async tryConditional<T>(what: string, fn: () => Promise<T>): Promise<ConditionalResult<T>> {
    try {
      return { applied: true, result: await fn() };
    } catch (error) {
      if (isConditionFailure(error)) return { applied: false, error };
      throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: error });
    }
  }

  /** A conditional put: true when it was applied, false when its condition failed; any other failure throws. */
  async putIf(what: string, input: Omit<PutCommandInput, 'TableName'>): Promise<boolean> {
    return (await this.tryConditional(what, () => this.doc.send(new PutCommand({ TableName: this.name, ...input })))).applied;
  }

  /** A conditional update: true when it was applied, false when its condition failed; any other failure throws. */
  async updateIf(what: string, input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    return (await this.tryConditional(what, () => this.doc.send(new UpdateCommand({ TableName: this.name, ...input })))).applied;
  }

  /** A conditional delete: true when it was applied, false when its condition failed; any other failure throws. */
  async deleteIf(what: string, input: Omit<DeleteCommandInput, 'TableName'>): Promise<boolean> {
    return (await this.tryConditional(what, () => this.doc.send(new DeleteCommand({ TableName: this.name, ...input })))).applied;
  }

  /**
   * Writes the items in one transaction and returns `written`. When DynamoDB cancels it, `cancelled` maps
   * the reasons' codes (in item order, so item order is part of the contract) to an outcome, or throws its
   * own error; undefined from it, like any other failure, throws an InfrastructureError.
   */
  async transact<T>(what: string, items: TransactItem[], written: T, cancelled?: (codes: CancellationCodes, error: unknown) => T | undefined): Promise<T> {
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return written;
    } catch (error) {
      const codes = cancellationCodes(error);
      const outcome = codes && cancelled ? cancelled(codes, error) : undefined;
      if (outcome !== undefined) return outcome;
      throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: error });
    }
  }

  /**
   * Reads, decides and writes conditionally, again while the write loses to a racing writer (the attempt
   * returns LostRace), at most `attempts` times with `pause` between; the last lost race throws an
   * InfrastructureError. `last` tells the attempt no retry follows.
   */
  async retryOnConflict<T>(
    what: string,
    attempts: number,
    attempt: (last: boolean) => Promise<T | LostRace>,
    pause: (attempt: number) => Promise<void> = async () => undefined,
  ): Promise<T> {
    for (let n = 1; ; n++) {
      const outcome = await attempt(n >= attempts);
      if (!(outcome instanceof LostRace)) return outcome;
      if (n >= attempts) throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: outcome.error });
      await pause(n);
    }
  }
}
