// DynamoDB adapter for the TradingStore port. Every read the core needs is one round trip (BatchGet or a
// consistent Get/Query) and every write one conditional TransactWrite, so a duplicate or a lost race changes
// nothing. Money is stored as DynamoDB numbers (exact decimals, up to 38 digits) and read back as strings.
import { TransactionCanceledException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  NumberValue,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import { ConcurrentUpdateError, InfrastructureError, RetryLaterError } from '../../shared/errors/errors';
import { OrderIntentSchema } from '../../shared/events/order-events';
import { flatPosition, type Position } from '../../shared/ledger/position';
import { isSettledForSubmission, ORDER_STATUSES, type OrderRecord } from '../../shared/orders/order-record';
import type {
  ApprovalEntry,
  ClaimResult,
  ExecutionInput,
  ExposedPosition,
  InflightChange,
  RecordDecisionInput,
  ReconciliationRecord,
  RiskSnapshot,
  TradingStore,
} from '../../shared/ports/trading-store';
import { keys, POSITION_PREFIX } from '../../shared/storage/table-definition';
import { TradingStateSchema, type TradingState } from '../../shared/trading-state/trading-state';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Numbers come back as their exact decimal text, never as a JS number. */
const wrapNumbers = (value: string): string => value;
const n = (decimal: string | number): NumberValue => NumberValue.from(String(decimal));
const str = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));
const int = (value: unknown, fallback = 0): number => (value === undefined || value === null ? fallback : Number(value));

/** Rate-window entries expire a day after their last write. */
const RATE_TTL_SECONDS = 86_400;

export const createDocumentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers },
  });

const orderToItem = (order: OrderRecord): Item => ({
  ...keys.order(order.account, order.intent.intentId),
  type: 'ORDER',
  account: order.account,
  strategy: order.strategy,
  intentId: order.intent.intentId,
  symbol: order.intent.symbol,
  intent: order.intent,
  status: order.status,
  reason: order.reason,
  failedChecks: order.failedChecks,
  message: order.message,
  notional: order.notional,
  approvedQuantity: order.approvedQuantity,
  brokerOrderId: order.brokerOrderId,
  filledQuantity: order.filledQuantity,
  createdAt: order.createdAt,
  updatedAt: order.updatedAt,
  leaseOwner: order.leaseOwner,
  leaseUntil: order.leaseUntil,
});

const itemToOrder = (item: Item): OrderRecord => {
  const status = ORDER_STATUSES.find((s) => s === item.status);
  if (!status) throw new InfrastructureError(`stored order ${String(item.sk)} has unknown status ${String(item.status)}`, 'dynamodb');
  return {
    account: String(item.account),
    strategy: String(item.strategy),
    intent: OrderIntentSchema.parse(item.intent),
    status,
    ...(item.reason ? { reason: item.reason as OrderRecord['reason'] } : {}),
    ...(item.failedChecks ? { failedChecks: item.failedChecks as OrderRecord['failedChecks'] } : {}),
    ...(item.message !== undefined ? { message: String(item.message) } : {}),
    ...(item.notional ? { notional: String(item.notional) } : {}),
    ...(item.approvedQuantity ? { approvedQuantity: String(item.approvedQuantity) } : {}),
    ...(item.brokerOrderId ? { brokerOrderId: String(item.brokerOrderId) } : {}),
    filledQuantity: str(item.filledQuantity) ?? '0',
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
    ...(item.leaseOwner ? { leaseOwner: String(item.leaseOwner) } : {}),
    ...(item.leaseUntil !== undefined ? { leaseUntil: int(item.leaseUntil) } : {}),
  };
};

const itemToPosition = (item: Item): ExposedPosition => ({
  symbol: String(item.symbol),
  quantity: str(item.quantity) ?? '0',
  costBasis: str(item.costBasis) ?? '0',
  realizedPnl: str(item.realizedPnl) ?? '0',
  version: int(item.version),
  inflightBuy: str(item.inflightBuy) ?? '0',
  inflightSell: str(item.inflightSell) ?? '0',
});

/**
 * Moves in-flight exposure with ADD, which never conflicts with the ledger's versioned write of the
 * quantity: approvals and fills on one symbol stay independent.
 */
const inflightUpdate = (tableName: string, account: string, change: InflightChange): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.position(account, change.symbol),
    UpdateExpression: 'SET #type = :type, account = :account, symbol = :symbol ADD #inflight :q',
    ExpressionAttributeNames: { '#type': 'type', '#inflight': change.side === 'buy' ? 'inflightBuy' : 'inflightSell' },
    ExpressionAttributeValues: { ':type': 'POSITION', ':account': account, ':symbol': change.symbol, ':q': n(change.quantity) },
  },
});

/** An entry of the approvals window; a malformed one still counts against the account's rate. */
const itemToApproval = (value: unknown): ApprovalEntry => {
  const entry = (value ?? {}) as Record<string, unknown>;
  return {
    at: int(entry.at),
    symbol: String(entry.symbol ?? ''),
    side: entry.side === 'sell' ? 'sell' : 'buy',
    quantity: str(entry.quantity) ?? '0',
  };
};

/** Open orders are counted with ADD: approvals and final outcomes never contend on a version. */
const openOrdersUpdate = (tableName: string, account: string, delta: 1 | -1): TransactItem => ({
  Update: {
    TableName: tableName,
    Key: keys.openOrders(account),
    UpdateExpression: 'ADD #count :delta',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: { ':delta': n(delta) },
  },
});

const auditPut = (tableName: string, entry: AuditEntry): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: {
      ...keys.audit(entry.account, entry.occurredAt, entry.entryId),
      ...keys.auditByCorrelation(entry.correlationId, entry.occurredAt, entry.entryId),
      type: 'AUDIT',
      ...entry,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

const cancellationCodes = (error: unknown): (string | undefined)[] | undefined =>
  error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []).map((r) => r.Code) : undefined;

const isConditionFailure = (error: unknown): boolean => (error as { name?: string }).name === 'ConditionalCheckFailedException';

export class DynamoTradingStore implements TradingStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = createDocumentClient(client);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new InfrastructureError(`DynamoDB ${what} failed`, 'dynamodb', { cause: error });
    }
  }

  async loadRiskSnapshot(account: string, symbol: string, intentId: string): Promise<RiskSnapshot> {
    const wanted = [
      keys.tradingState(account),
      keys.limits(account),
      keys.orderRate(account),
      keys.mark(symbol),
      keys.position(account, symbol),
      keys.openOrders(account),
      keys.order(account, intentId),
    ];
    const found = new Map<string, Item>();
    let pending: Record<string, unknown>[] = wanted;
    for (let round = 0; pending.length > 0; round++) {
      if (round > 5) throw new InfrastructureError('BatchGet kept returning unprocessed keys', 'dynamodb');
      const out = await this.call('BatchGet', () =>
        this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } })),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(`${String(item.pk)}|${String(item.sk)}`, item);
      pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    const get = (key: { pk: string; sk: string }) => found.get(`${key.pk}|${key.sk}`);
    const state = TradingStateSchema.safeParse(get(keys.tradingState(account))?.state);
    const rate = get(keys.orderRate(account));
    const mark = get(keys.mark(symbol));
    const order = get(keys.order(account, intentId));
    const position = get(keys.position(account, symbol));
    return {
      tradingState: state.success ? state.data : undefined,
      limitsOverride: get(keys.limits(account))?.limits,
      mark: mark ? { price: String(mark.price), at: String(mark.at) } : undefined,
      position: position ? itemToPosition(position) : undefined,
      orderRate: {
        approvals: Array.isArray(rate?.approvals) ? rate.approvals.map(itemToApproval) : [],
        version: int(rate?.version),
      },
      openOrders: int(get(keys.openOrders(account))?.count),
      existingOrder: order ? itemToOrder(order) : undefined,
    };
  }

  async recordDecision(input: RecordDecisionInput): Promise<'recorded' | 'duplicate'> {
    const { order } = input;
    const items: TransactItem[] = [
      { Put: { TableName: this.tableName, Item: orderToItem(order), ConditionExpression: 'attribute_not_exists(pk)' } },
      auditPut(this.tableName, input.audit),
    ];
    if (input.inflight) {
      items.push(inflightUpdate(this.tableName, order.account, input.inflight));
      items.push(openOrdersUpdate(this.tableName, order.account, 1));
    }
    if (input.orderRate) {
      const { approvals, expectedVersion } = input.orderRate;
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.orderRate(order.account),
            approvals: approvals.map((a) => ({ at: n(a.at), symbol: a.symbol, side: a.side, quantity: a.quantity })),
            version: n(expectedVersion + 1),
            expiresAt: n(Math.floor(Date.parse(order.createdAt) / 1000) + RATE_TTL_SECONDS),
          },
          ...(expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(expectedVersion) } }),
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') return 'duplicate';
      if (codes?.[items.length - 1] === 'ConditionalCheckFailed' && input.orderRate) {
        throw new ConcurrentUpdateError(`order-rate window of ${order.account} moved`, { cause: error });
      }
      if (codes?.some((c) => c === 'TransactionConflict')) {
        throw new ConcurrentUpdateError(`transaction conflict recording ${order.intent.intentId}`, { cause: error });
      }
      throw new InfrastructureError('DynamoDB TransactWrite (decision) failed', 'dynamodb', { cause: error });
    }
  }

  async getOrder(account: string, intentId: string): Promise<OrderRecord | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.order(account, intentId), ConsistentRead: true })),
    );
    return out.Item ? itemToOrder(out.Item) : undefined;
  }

  async getTradingState(account: string): Promise<TradingState | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.tradingState(account), ConsistentRead: true })),
    );
    const parsed = TradingStateSchema.safeParse(out.Item?.state);
    return parsed.success ? parsed.data : undefined;
  }

  async claimForSubmission(account: string, intentId: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.order(account, intentId),
          UpdateExpression: 'SET #status = :submitting, leaseOwner = :owner, leaseUntil = :until, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (#status = :approved OR (#status = :submitting AND leaseUntil < :now))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':submitting': 'SUBMITTING',
            ':approved': 'APPROVED',
            ':owner': owner,
            ':until': n(nowMs + leaseMs),
            ':now': n(nowMs),
            ':at': new Date(nowMs).toISOString(),
          },
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const previous = itemToOrder(out.Attributes ?? {});
      return {
        claimed: true as const,
        order: { ...previous, status: 'SUBMITTING' as const, leaseOwner: owner, leaseUntil: nowMs + leaseMs },
        tookOverExpiredLease: previous.status === 'SUBMITTING',
      };
    } catch (error) {
      if (isConditionFailure(error)) {
        const old = (error as { Item?: Item }).Item;
        // Local emulators may omit the old item; a consistent read gives the same answer.
        const order = old ? itemToOrder(this.unwrap(old)) : await this.getOrder(account, intentId);
        return { claimed: false as const, order };
      }
      throw new InfrastructureError('DynamoDB UpdateItem (claim) failed', 'dynamodb', { cause: error });
    }
  }

  /** ReturnValuesOnConditionCheckFailure hands back attribute values in the low-level shape. */
  private unwrap(item: Item): Item {
    const first = Object.values(item)[0];
    if (first && typeof first === 'object' && ('S' in first || 'N' in first || 'M' in first)) {
      return unmarshall(item as never, { wrapNumbers });
    }
    return item;
  }

  async blockOrder(account: string, intentId: string, owner: string, updatedAt: string, audit: AuditEntry, release: InflightChange): Promise<void> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.order(account, intentId),
                UpdateExpression: 'SET #status = :blocked, reason = :reason, updatedAt = :at REMOVE leaseOwner, leaseUntil',
                ConditionExpression: '#status = :submitting AND leaseOwner = :owner',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':blocked': 'BLOCKED',
                  ':reason': String(audit.detail.reason),
                  ':at': updatedAt,
                  ':submitting': 'SUBMITTING',
                  ':owner': owner,
                },
              },
            },
            auditPut(this.tableName, audit),
            inflightUpdate(this.tableName, account, release),
            openOrdersUpdate(this.tableName, account, -1),
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') {
        throw new RetryLaterError(`lost the lease on ${intentId} while blocking it`, { cause: error });
      }
      throw new InfrastructureError('DynamoDB TransactWrite (block) failed', 'dynamodb', { cause: error });
    }
  }

  async getPosition(account: string, symbol: string): Promise<Position> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.position(account, symbol), ConsistentRead: true })),
    );
    return out.Item ? itemToPosition(out.Item) : flatPosition(symbol);
  }

  async recordExecution(input: ExecutionInput): Promise<'recorded' | 'duplicate'> {
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.order(input.account, input.intentId),
          UpdateExpression:
            'SET #status = :status, brokerOrderId = :brokerOrderId, filledQuantity = :filled, updatedAt = :at REMOVE leaseOwner, leaseUntil',
          ConditionExpression: '#status = :submitting AND leaseOwner = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': input.status,
            ':brokerOrderId': input.brokerOrderId,
            ':filled': input.filledQuantity,
            ':at': input.updatedAt,
            ':submitting': 'SUBMITTING',
            ':owner': input.leaseOwner,
          },
        },
      },
      ...input.fills.map(
        (fill): TransactItem => ({
          Put: {
            TableName: this.tableName,
            Item: {
              ...keys.fill(input.account, fill.tradeId),
              type: 'FILL',
              intentId: input.intentId,
              brokerOrderId: input.brokerOrderId,
              tradeId: fill.tradeId,
              quantity: n(fill.quantity),
              price: n(fill.price),
              at: fill.at,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }),
      ),
    ];
    const release = input.releaseInflight;
    const inflightName = release.side === 'buy' ? 'inflightBuy' : 'inflightSell';
    if (input.position) {
      const { before, after } = input.position;
      // One update moves the ledger (version-checked) and settles the in-flight exposure together.
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.position(input.account, after.symbol),
          UpdateExpression:
            'SET #type = :type, account = :account, symbol = :symbol, quantity = :q, costBasis = :c, realizedPnl = :r, version = :v1, updatedAt = :at ADD #inflight :release',
          ConditionExpression: before.version === 0 ? 'attribute_not_exists(version)' : 'version = :v0',
          ExpressionAttributeNames: { '#type': 'type', '#inflight': inflightName },
          ExpressionAttributeValues: {
            ':type': 'POSITION',
            ':account': input.account,
            ':symbol': after.symbol,
            ':q': n(after.quantity),
            ':c': n(after.costBasis),
            ':r': n(after.realizedPnl),
            ':v1': n(after.version),
            ':at': input.updatedAt,
            ':release': n(release.quantity),
            ...(before.version === 0 ? {} : { ':v0': n(before.version) }),
          },
        },
      });
    } else if (release.quantity !== '0') {
      items.push(inflightUpdate(this.tableName, input.account, release));
    }
    if (input.cashDelta !== '0') {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.cash(input.account),
          UpdateExpression: 'ADD cash :delta SET updatedAt = :at',
          ExpressionAttributeValues: { ':delta': n(input.cashDelta), ':at': input.updatedAt },
        },
      });
    }
    if (input.closesOrder) items.push(openOrdersUpdate(this.tableName, input.account, -1));
    items.push(...input.audit.map((entry) => auditPut(this.tableName, entry)));

    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes) throw new InfrastructureError('DynamoDB TransactWrite (execution) failed', 'dynamodb', { cause: error });
      const positionIndex = input.position ? 1 + input.fills.length : -1;
      if (codes[0] === 'ConditionalCheckFailed') {
        const order = await this.getOrder(input.account, input.intentId);
        if (order && isSettledForSubmission(order.status)) return 'duplicate';
        throw new RetryLaterError(`lost the lease on ${input.intentId} before recording its execution`, { cause: error });
      }
      if (codes.slice(1, 1 + input.fills.length).some((c) => c === 'ConditionalCheckFailed')) return 'duplicate';
      if (codes[positionIndex] === 'ConditionalCheckFailed' || codes.some((c) => c === 'TransactionConflict')) {
        throw new ConcurrentUpdateError(`position moved while recording ${input.intentId}`, { cause: error });
      }
      throw new InfrastructureError('DynamoDB TransactWrite (execution) failed', 'dynamodb', { cause: error });
    }
  }

  async listPositions(account: string): Promise<Position[]> {
    const positions: Position[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': keys.position(account, '').pk, ':prefix': POSITION_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      positions.push(...(out.Items ?? []).map(itemToPosition));
      start = out.LastEvaluatedKey;
    } while (start);
    return positions;
  }

  async recordReconciliation(record: ReconciliationRecord, audit: AuditEntry): Promise<void> {
    await this.call('TransactWrite (reconciliation)', () =>
      this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: { ...keys.reconciliation(record.account), type: 'RECONCILIATION', ...record } } },
            auditPut(this.tableName, audit),
          ],
        }),
      ),
    );
  }

  // Operator and feed writes used by the local runtime and tests; the kill switch and feed issues own
  // their audited versions.
  async putTradingState(account: string, state: TradingState, actor: string, at: string): Promise<void> {
    await this.call('PutItem (state)', () =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.tradingState(account), state, updatedBy: actor, updatedAt: at } })),
    );
  }

  async putLimitsOverride(account: string, limits: unknown): Promise<void> {
    await this.call('PutItem (limits)', () =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.limits(account), limits } })),
    );
  }

  async putMark(symbol: string, price: string, at: string): Promise<void> {
    await this.call('PutItem (mark)', () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.mark(symbol), symbol, price, at },
          // Marks only move forward in time: a late, older mark never replaces a newer one.
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    ).catch((error: unknown) => {
      if (error instanceof InfrastructureError && isConditionFailure(error.cause)) return;
      throw error;
    });
  }

  async getCash(account: string): Promise<string> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: keys.cash(account), ConsistentRead: true })),
    );
    return str(out.Item?.cash) ?? '0';
  }
}
