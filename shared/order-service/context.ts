// What every part of the order service shares: its dependencies, the context an order's work runs in (who
// it is for and what it answers), the event metadata and audit entries it writes, and the retry of a
// read-reduce-write cycle that lost a race on the order or the position.
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
import type { BrokerOrder } from '../broker/broker-order';
import { buildMeta } from '../events/envelope';
import { ConcurrentUpdateError, RetryLaterError } from '../errors/errors';
import type { OrderRecord } from '../orders/order-record';
import type { Broker } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { ApprovedOrderMessage } from '../ports/order-queue';
import type { OrderStore } from '../ports/order-store';
import type { Telemetry } from '../ports/telemetry';
import type { TradingStateStore } from '../ports/trading-state-store';
import { jitteredBackoff } from '../retry/backoff';
import type { BrokerReadCache } from './update-confirmation';

export interface OrderServiceDeps {
  orderStore: OrderStore;
  /** Strongly consistent reads of the trading state (the gate itself is in the order store's claim). */
  tradingStateStore: Pick<TradingStateStore, 'getTradingState'>;
  broker: Broker;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  /** Identifies this worker in the order's lease (e.g. the Lambda request id). */
  workerId: string;
  /** How long a claim stays exclusive; must exceed the broker call's timeout. */
  leaseMs: number;
  /**
   * How long after an ambiguous submission a "no such order" answer is still not trusted (the request may
   * be in transit). After it, the order is sent again under the same client order id, or blocked.
   */
  inFlightGraceMs?: number;
  /** An approval older than this is blocked APPROVAL_EXPIRED instead of sent (default 60 s). */
  maxApprovalAgeMs?: number;
  /** The broker's answers within one message batch, shared by the updates that confirm against them. */
  brokerReads?: BrokerReadCache;
}


const MAX_WRITE_ATTEMPTS = 8;

/** Who the work is for and what it answers: carried into every event and audit entry it writes. */
export interface OrderContext {
  account: string;
  strategy: string;
  /** The event this work answers (message id, update id). */
  causationId: string;
  actor: string;
}

export const contextOf = (message: ApprovedOrderMessage): OrderContext => ({
  account: message.meta.account,
  strategy: message.meta.strategy,
  causationId: message.meta.eventId,
  actor: 'order',
});

export const metaFor = (ctx: OrderContext, intentId: string, detailType: string, occurredAt: string, discriminator?: string) =>
  buildMeta({
    detailType,
    occurredAt,
    correlationId: intentId,
    causationId: ctx.causationId,
    account: ctx.account,
    strategy: ctx.strategy,
    producer: 'order',
    ...(discriminator ? { discriminator } : {}),
  });

export const audit = (ctx: OrderContext, intentId: string, occurredAt: string, kind: AuditEntry['kind'], detail: Record<string, unknown>, discriminator?: string) =>
  auditEntry({ account: ctx.account, occurredAt, kind, actor: ctx.actor, correlationId: intentId, causationId: ctx.causationId, detail, ...(discriminator ? { discriminator } : {}) });

/** Retries a read-reduce-write cycle that lost a race on the order or the position. */
export const withRetries = async <T>(what: string, attempt: () => Promise<T>): Promise<T> => {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && i < MAX_WRITE_ATTEMPTS) {
        await jitteredBackoff(i);
        continue;
      }
      if (error instanceof ConcurrentUpdateError) throw new ConcurrentUpdateError(`${what} kept moving`, { cause: error });
      throw error;
    }
  }
};

export const signedRelease = (order: OrderRecord, delta: string) => ({ symbol: order.intent.symbol, side: order.intent.side, quantity: delta });

/** The broker's view of the order by client order id; a failed query makes the caller retry later. */
export const queryBroker = async (deps: OrderServiceDeps, intentId: string): Promise<BrokerOrder | undefined> => {
  try {
    return await deps.broker.getOrderByClientOrderId(intentId);
  } catch (error) {
    throw new RetryLaterError(`broker query for ${intentId} failed; the order stays as it is`, { cause: error });
  }
};
