// The order service: turns an approved order into exactly one broker order and applies its fills exactly
// once. A lease on the order item makes one worker the submitter; the broker call is idempotent by client
// order id (= intent id), so a crashed worker's successor resubmits safely. The trading state is re-read,
// strongly consistent, after the claim and immediately before the broker call.
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { utcNow } from '../events/ids';
import { ConcurrentUpdateError, InfrastructureError, RetryLaterError } from '../errors/errors';
import { jitteredBackoff } from '../retry/backoff';
import { applyFill, type Position } from '../ledger/position';
import { dec, toDecimalString, ZERO } from '../money/decimal';
import type { Broker, BrokerOrder } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import type { ApprovedOrderMessage } from '../ports/order-queue';
import type { TradingStore } from '../ports/trading-store';
import { EXECUTION_BUCKET_MS } from '../risk/limits';
import { METRICS, type Telemetry } from '../telemetry/telemetry';
import * as fx from '../money/fixed';
import { reducesExposure } from '../risk/evaluate';
import type { DenialReason } from '../risk/reasons';
import { tradingStateDenial } from '../trading-state/trading-state';
import { isSettledForSubmission, type OrderStatus } from './order-record';

export interface OrderServiceDeps {
  store: TradingStore;
  broker: Broker;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  /** Identifies this worker in the order's lease (e.g. the Lambda request id). */
  workerId: string;
  /** How long a claim stays exclusive; must exceed the broker call's timeout. */
  leaseMs: number;
}

export type SubmissionOutcome = 'submitted' | 'duplicate' | 'blocked';

const MAX_LEDGER_ATTEMPTS = 8;
const ZERO_FIXED = fx.fixedFromInt(0);

const BROKER_STATUS: Record<BrokerOrder['status'], OrderStatus> = {
  accepted: 'ACCEPTED',
  partially_filled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  rejected: 'REJECTED',
};

const meta = (message: ApprovedOrderMessage, detailType: string, occurredAt: string, discriminator?: string) =>
  buildMeta({
    detailType,
    occurredAt,
    correlationId: message.data.intent.intentId,
    causationId: message.meta.eventId,
    account: message.meta.account,
    strategy: message.meta.strategy,
    producer: 'order',
    ...(discriminator ? { discriminator } : {}),
  });

const block = async (deps: OrderServiceDeps, message: ApprovedOrderMessage, reason: DenialReason) => {
  const { intent } = message.data;
  const nowIso = utcNow(deps.clock.now());
  await deps.store.blockOrder(
    message.meta.account,
    intent.intentId,
    deps.workerId,
    nowIso,
    auditEntry({
      account: message.meta.account,
      occurredAt: nowIso,
      kind: 'ORDER_BLOCKED',
      actor: 'order',
      correlationId: intent.intentId,
      causationId: message.meta.eventId,
      detail: { reason, symbol: intent.symbol },
    }),
    // Nothing will reach the broker: the approved size stops counting as exposure.
    { symbol: intent.symbol, side: intent.side, quantity: toDecimalString(dec(message.data.approvedQuantity).neg()) },
  );
  deps.telemetry.count(METRICS.orderBlocked, { reason });
  await deps.bus.publish([
    domainEvent(DETAIL_TYPES.OrderDenied, {
      meta: meta(message, DETAIL_TYPES.OrderDenied, nowIso),
      data: { intent, stage: 'pre-submit', reason, failedChecks: [reason], message: `trading state re-checked before submission: ${reason}` },
    }),
  ]);
};

/**
 * The last gate before the broker, on strongly consistent reads: the trading state, and in REDUCING that the
 * order still shrinks the position even if every other in-flight order on its side fills first (the book's
 * in-flight size already includes this order).
 */
const submissionDenial = async (deps: OrderServiceDeps, message: ApprovedOrderMessage): Promise<DenialReason | null> => {
  const { account } = message.meta;
  const state = await deps.store.getTradingState(account);
  const denial = tradingStateDenial(state);
  if (denial || state !== 'REDUCING') return denial;
  const { intent } = message.data;
  const entry = await deps.store.getBookEntry(account, intent.symbol);
  // The same rule risk applied, judged on the book without this order's own in-flight size.
  const own = fx.parseFixed(message.data.approvedQuantity);
  const quantity = fx.parseFixed(entry.quantity);
  const long = fx.sub(fx.add(quantity, fx.parseFixed(entry.inflightBuy)), intent.side === 'buy' ? own : ZERO_FIXED);
  const short = fx.add(fx.sub(quantity, fx.parseFixed(entry.inflightSell)), intent.side === 'sell' ? own : ZERO_FIXED);
  return reducesExposure(intent.side, own, { quantity, long, short }) ? null : 'TRADING_REDUCING';
};

/** Outcome unknown on failure: the lease expires and the message is retried; resubmission is idempotent. */
const callBroker = async <T>(intentId: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw new InfrastructureError(`broker call failed for ${intentId}`, 'broker', { cause: error });
  }
};

export const processApprovedOrder = async (deps: OrderServiceDeps, message: ApprovedOrderMessage): Promise<SubmissionOutcome> => {
  const { account } = message.meta;
  const { intent } = message.data;

  const claim = await deps.store.claimForSubmission(account, intent.intentId, deps.workerId, deps.clock.now(), deps.leaseMs);
  if (!claim.claimed) {
    if (!claim.order) throw new InfrastructureError(`no order record for approved intent ${intent.intentId}`, 'store');
    if (isSettledForSubmission(claim.order.status)) {
      deps.telemetry.count(METRICS.orderDuplicate);
      return 'duplicate';
    }
    throw new RetryLaterError(`order ${intent.intentId} is being submitted by ${claim.order.leaseOwner ?? 'another worker'}`);
  }

  // A dead predecessor may have reached the broker: what the broker holds is then a fact to book, not a
  // decision to make again (blocking it locally would leave an untracked position at the broker).
  let brokerOrder: BrokerOrder | undefined;
  if (claim.tookOverExpiredLease) {
    brokerOrder = await callBroker(intent.intentId, () => deps.broker.getOrderByClientOrderId(intent.intentId));
  }
  if (!brokerOrder) {
    const denial = await submissionDenial(deps, message);
    if (denial) {
      await block(deps, message, denial);
      return 'blocked';
    }
    brokerOrder = await callBroker(intent.intentId, () =>
      deps.broker.submitOrder({
        clientOrderId: intent.intentId,
        symbol: intent.symbol,
        side: intent.side,
        quantity: message.data.approvedQuantity,
        orderType: intent.orderType,
        ...(intent.limitPrice ? { limitPrice: intent.limitPrice } : {}),
        timeInForce: intent.timeInForce,
      }),
    );
  }

  const filled = brokerOrder.fills.reduce((sum, f) => sum.plus(dec(f.quantity)), ZERO);
  // A final order frees all its approved size; an open one frees only what has filled.
  const final = brokerOrder.status === 'filled' || brokerOrder.status === 'rejected';
  const released = final ? dec(message.data.approvedQuantity) : filled;

  for (let attempt = 1; attempt <= MAX_LEDGER_ATTEMPTS; attempt++) {
    const before = await deps.store.getPosition(account, intent.symbol);
    const nowIso = utcNow(deps.clock.now());
    let position: Position = before;
    let cash = ZERO;
    const fillEvents: DomainEvent[] = [];
    const audit: AuditEntry[] = [
      auditEntry({
        account,
        occurredAt: nowIso,
        kind: 'ORDER_SUBMITTED',
        actor: 'order',
        correlationId: intent.intentId,
        causationId: message.meta.eventId,
        detail: { brokerOrderId: brokerOrder.brokerOrderId, brokerStatus: brokerOrder.status, symbol: intent.symbol },
      }),
    ];
    for (const fill of brokerOrder.fills) {
      const effect = applyFill(position, { side: intent.side, quantity: fill.quantity, price: fill.price });
      position = effect.position;
      cash = cash.plus(dec(effect.cashDelta));
      audit.push(
        auditEntry({
          account,
          occurredAt: nowIso,
          kind: 'FILL_APPLIED',
          actor: 'order',
          correlationId: intent.intentId,
          causationId: brokerOrder.brokerOrderId,
          discriminator: fill.tradeId,
          detail: { tradeId: fill.tradeId, quantity: fill.quantity, price: fill.price, positionQuantity: position.quantity },
        }),
      );
      fillEvents.push(
        domainEvent(DETAIL_TYPES.FillApplied, {
          meta: meta(message, DETAIL_TYPES.FillApplied, nowIso, fill.tradeId),
          data: {
            intentId: intent.intentId,
            tradeId: fill.tradeId,
            symbol: intent.symbol,
            side: intent.side,
            quantity: fill.quantity,
            price: fill.price,
            positionQuantity: position.quantity,
            cashDelta: effect.cashDelta,
          },
        }),
      );
    }

    let result: 'recorded' | 'duplicate';
    try {
      result = await deps.store.recordExecution({
        account,
        intentId: intent.intentId,
        leaseOwner: deps.workerId,
        status: BROKER_STATUS[brokerOrder.status],
        brokerOrderId: brokerOrder.brokerOrderId,
        filledQuantity: toDecimalString(filled),
        updatedAt: nowIso,
        fills: brokerOrder.fills,
        ...(brokerOrder.fills.length ? { position: { before, after: position } } : {}),
        cashDelta: toDecimalString(cash),
        releaseInflight: { symbol: intent.symbol, side: intent.side, quantity: toDecimalString(released.neg()) },
        closesOrder: final,
        throttle: { strategy: message.meta.strategy, bucketStartMs: Math.floor(deps.clock.now() / EXECUTION_BUCKET_MS) * EXECUTION_BUCKET_MS },
        audit,
      });
    } catch (error) {
      if (error instanceof ConcurrentUpdateError && attempt < MAX_LEDGER_ATTEMPTS) {
        await jitteredBackoff(attempt);
        continue;
      }
      throw error;
    }
    if (result === 'duplicate') {
      deps.telemetry.count(METRICS.orderDuplicate);
      return 'duplicate';
    }

    deps.telemetry.count(METRICS.orderSubmitted, { status: brokerOrder.status });
    deps.telemetry.count(METRICS.fillApplied, {}, brokerOrder.fills.length);
    await deps.bus.publish([
      domainEvent(DETAIL_TYPES.OrderSubmitted, {
        meta: meta(message, DETAIL_TYPES.OrderSubmitted, nowIso),
        data: {
          intentId: intent.intentId,
          clientOrderId: intent.intentId,
          brokerOrderId: brokerOrder.brokerOrderId,
          symbol: intent.symbol,
          side: intent.side,
          quantity: message.data.approvedQuantity,
          brokerStatus: brokerOrder.status,
        },
      }),
      ...fillEvents,
    ]);
    return 'submitted';
  }
  throw new ConcurrentUpdateError(`position ${intent.symbol} kept moving while recording ${intent.intentId}`);
};
