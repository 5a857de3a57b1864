// The usage meter's SDK middlewares: each DynamoDB request on a metered client asks for its consumed capacity
// (TOTAL) and the answer is tallied, then removed again unless the caller asked for it, so callers see what
// they always saw; each SQS request is tallied by queue and action. A client no meter was attached to has none.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, InitializeHandlerOutput } from '@smithy/types';
import { keys, ORDER_PREFIX } from '../shared/storage/table-definition';

/**
 * The items whose size grows with the symbols traded (every symbol's mark, reference data, or book entry in one
 * item), the account's order history (a Query of its ORDER# items, which grows with every order ever placed),
 * the feed's heartbeat, and everything else.
 */
export const ITEM_CLASSES = ['marks', 'reference', 'book', 'orders', 'heartbeat', 'other'] as const;
export type ItemClass = (typeof ITEM_CLASSES)[number];
export type Access = 'read' | 'write';

/** One item a request reads or writes, and the capacity multiplier of that access (0.5 eventually consistent, 2 transactional). */
export interface ItemAccess {
  itemClass: ItemClass;
  access: Access;
  factor: number;
}

/** One DynamoDB request as the meter saw it. */
export interface DynamoRequest {
  /** The API action: GetItem, TransactWriteItems... */
  action: string;
  /** Capacity units DynamoDB (Local) reported, or the least DynamoDB bills when it reported none; 0 for a failed request. */
  units: number;
  /** The emulator reported no capacity (a read that found nothing): `units` is DynamoDB's minimum charge instead. */
  floored?: boolean;
  accesses: ItemAccess[];
  /** The error's name when the request failed (ConditionalCheckFailedException, TransactionCanceledException). */
  failed?: string;
}

export interface SqsRequest {
  action: string;
  queueUrl: string;
  /** Messages sent, received or deleted by the request. */
  messages: number;
  /** Payload bytes of the messages sent or received (SQS bills each 64 KB chunk of a payload as one request). */
  payloadBytes: number;
}

const READ_ACTIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Whether an action's capacity is read capacity (the rest write). */
export const isReadAction = (action: string): boolean => READ_ACTIONS.has(action);

/** A key attribute's text, from a document-client input ('MARKET') or a marshalled one ({ S: 'MARKET' }). */
const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
};

const MARKS = keys.marks();
const REFERENCE = keys.reference();
const HEARTBEAT = keys.feedHeartbeat();

/** The class of the item a key (or a whole item) names. */
export const itemClassOf = (key: unknown): ItemClass => {
  const record = key as Record<string, unknown> | undefined;
  const pk = text(record?.pk);
  const sk = text(record?.sk);
  if (pk === MARKS.pk && sk === MARKS.sk) return 'marks';
  if (pk === REFERENCE.pk && sk === REFERENCE.sk) return 'reference';
  if (pk === HEARTBEAT.pk && sk === HEARTBEAT.sk) return 'heartbeat';
  if (pk?.startsWith('ACCOUNT#') && sk === 'BOOK') return 'book';
  return 'other';
};

type Input = Record<string, unknown>;
const list = (value: unknown): Input[] => (Array.isArray(value) ? (value as Input[]) : []);
const tables = (value: unknown): Input[] => Object.values((value as Record<string, Input> | undefined) ?? {});

/** The items a request reads or writes, with the capacity multiplier of each access (a Query names only the order history). */
export const accessesOf = (action: string, input: Input): ItemAccess[] => {
  const at = (key: unknown, access: Access, factor: number): ItemAccess => ({ itemClass: itemClassOf(key), access, factor });
  switch (action) {
    case 'GetItem':
      return [at(input.Key, 'read', input.ConsistentRead === true ? 1 : 0.5)];
    case 'PutItem':
      return [at(input.Item, 'write', 1)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [at(input.Key, 'write', 1)];
    case 'BatchGetItem':
      return tables(input.RequestItems).flatMap((t) => list(t.Keys).map((key) => at(key, 'read', t.ConsistentRead === true ? 1 : 0.5)));
    case 'BatchWriteItem':
      return tables(input.RequestItems).flatMap((t) =>
        list(t).map((r) => at((r.PutRequest as Input | undefined)?.Item ?? (r.DeleteRequest as Input | undefined)?.Key, 'write', 1)),
      );
    case 'TransactWriteItems':
      return list(input.TransactItems).map((item) => {
        const op = (item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck) as Input | undefined;
        return at(op?.Item ?? op?.Key, 'write', 2);
      });
    case 'TransactGetItems':
      return list(input.TransactItems).map((item) => at((item.Get as Input | undefined)?.Key, 'read', 2));
    case 'Query': {
      // A Query of the account's orders reads every order item before its filter: billed by the history's size.
      const prefix = text((input.ExpressionAttributeValues as Input | undefined)?.[':prefix']);
      return prefix === ORDER_PREFIX ? [{ itemClass: 'orders', access: 'read', factor: input.ConsistentRead === true ? 1 : 0.5 }] : [];
    }
    default:
      return [];
  }
};

/** The capacity units of a ConsumedCapacity answer (one object, or one per table). */
export const unitsOf = (consumed: unknown): number =>
  (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce((sum: number, c) => sum + Number((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);

/**
 * What DynamoDB bills at least for a request that succeeded: a read that finds nothing still costs one read unit
 * (half when eventually consistent), a write one write unit. DynamoDB Local reports 0 for an empty Query.
 */
export const minimumUnits = (action: string, input: Input): number => (isReadAction(action) ? (input.ConsistentRead === true ? 1 : 0.5) : 1);

const actionOf = (context: HandlerExecutionContext): string => String(context.commandName ?? 'Unknown').replace(/Command$/, '');

type Middleware = (next: InitializeHandler<object, object>, context: HandlerExecutionContext) => InitializeHandler<object, object>;
interface Stack {
  add(middleware: Middleware, options: { step: 'initialize'; name: string; override: boolean }): void;
}

/** Tallies every request of `client` (and of every document client built on it) with `record`. */
export const meterDynamoDb = (client: DynamoDBClient, record: (request: DynamoRequest) => void): void => {
  const middleware: Middleware = (next, context) => async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<object>> => {
    const action = actionOf(context);
    const input = args.input as Input;
    const asked = input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE';
    const accesses = accessesOf(action, input);
    try {
      const result = await next(asked ? args : { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } });
      const output = result.output as Input;
      const units = unitsOf(output.ConsumedCapacity);
      record(units > 0 ? { action, units, accesses } : { action, units: minimumUnits(action, input), accesses, floored: true });
      if (!asked) delete output.ConsumedCapacity;
      return result;
    } catch (error) {
      record({ action, units: 0, accesses, failed: (error as { name?: string }).name ?? 'Error' });
      throw error;
    }
  };
  (client.middlewareStack as unknown as Stack).add(middleware, { step: 'initialize', name: 'usageMeterDynamoDb', override: true });
};

const bodyBytes = (messages: Input[], field: string): number => messages.reduce((sum, m) => sum + Buffer.byteLength(String(m[field] ?? ''), 'utf8'), 0);

/** Messages and payload bytes of one SQS request: what it sent, or what it received, or what it deleted. */
export const sqsTrafficOf = (action: string, input: Input, output: Input | undefined): { messages: number; payloadBytes: number } => {
  switch (action) {
    case 'SendMessage':
      return { messages: 1, payloadBytes: bodyBytes([input], 'MessageBody') };
    case 'SendMessageBatch':
      return { messages: list(input.Entries).length, payloadBytes: bodyBytes(list(input.Entries), 'MessageBody') };
    case 'ReceiveMessage':
      return { messages: list(output?.Messages).length, payloadBytes: bodyBytes(list(output?.Messages), 'Body') };
    case 'DeleteMessageBatch':
    case 'ChangeMessageVisibilityBatch':
      return { messages: list(input.Entries).length, payloadBytes: 0 };
    case 'DeleteMessage':
    case 'ChangeMessageVisibility':
      return { messages: 1, payloadBytes: 0 };
    default:
      return { messages: 0, payloadBytes: 0 };
  }
};

/** Tallies every request of `client` with `record` (failed ones too: SQS bills them). */
export const meterSqs = (client: SQSClient, record: (request: SqsRequest) => void): void => {
  const middleware: Middleware = (next, context) => async (args: InitializeHandlerArguments<object>): Promise<InitializeHandlerOutput<object>> => {
    const action = actionOf(context);
    const input = args.input as Input;
    const queueUrl = String(input.QueueUrl ?? '');
    try {
      const result = await next(args);
      record({ action, queueUrl, ...sqsTrafficOf(action, input, result.output as Input) });
      return result;
    } catch (error) {
      record({ action, queueUrl, ...sqsTrafficOf(action, input, undefined) });
      throw error;
    }
  };
  (client.middlewareStack as unknown as Stack).add(middleware, { step: 'initialize', name: 'usageMeterSqs', override: true });
};
