// Entry point 2: an SQS record batch of the order queue, sent to the real order function over DynamoDB Local with
// a simulated broker behind it. Valid messages are the four the queue carries (an approval recorded as risk
// records it, a broker update about that order, a cancel, a cancel-all). The function reports failed records
// instead of throwing, so the error of each is read where the batch processor records it. A record is handled
// when it gave an outcome or asked to be retried later (RetryLaterError); rejected when its error names a field
// and a rule; anything else is a crash.
import { SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Message } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { SimulatedBroker } from '../../adapters/broker/simulated-broker';
import { createOrderHandler } from '../../functions/order/handler';
import { toSqsEvent } from '../../local/sqs-event-source';
import type { BrokerUpdate } from '../../shared/broker/broker-order';
import { InvalidInputError, RetryLaterError } from '../../shared/errors/errors';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { buildMeta } from '../../shared/events/envelope';
import type { OrderIntent } from '../../shared/events/order-events';
import { ORDER_QUEUE_MESSAGE_TYPES, type OrderQueueMessage } from '../../shared/events/order-queue-messages';
import { brokerUpdateMessage } from '../../shared/feed/broker-update-relay';
import { routingOf } from '../../shared/ports/order-queue';
import { recordApproval } from '../../test/support/approvals';
import { ACCOUNT, STRATEGY } from '../../test/support/fixtures';
import { garbageJson, garbageText, oneFieldWrong, type Json } from './mutate';
import { intentArbitrary } from './risk-event';
import { clearIssues, crashOf, mixOf, type FuzzTarget, type Verdict } from './runner';
import { TableWatch } from './table-watch';
import { quietLogger, seededEpoch, START, type Epoch } from './world';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders.fifo';

/** An SQS event whose record bodies may still be objects (so one field inside can be made wrong), and the approval it needs. */
export interface OrderInput {
  event: Json;
  /** The intent whose approval must be in the table first, as risk would have recorded it. */
  approval?: OrderIntent;
}

// The batch processor keeps each failed record's error to itself: it is read where the processor records it.
const recordErrors = new Map<string, unknown>();
const originalFailureHandler = SqsFifoPartialProcessorAsync.prototype.failureHandler;
SqsFifoPartialProcessorAsync.prototype.failureHandler = function (record, exception) {
  recordErrors.set((record as { messageId?: string }).messageId ?? '', exception);
  return originalFailureHandler.call(this, record, exception);
};

let messageNo = 0;
const sqsEvent = (messages: readonly { body: unknown; groupId?: string }[]): Json => {
  const records = messages.map(({ body, groupId }): Message => ({
    MessageId: `m-${++messageNo}`,
    ReceiptHandle: `rh-${messageNo}`,
    Body: body as string,
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1795446000000', ...(groupId ? { MessageGroupId: groupId } : {}) },
  }));
  return toSqsEvent(records, QUEUE_ARN) as unknown as Json;
};

const approved = (intent: OrderIntent): OrderQueueMessage => {
  // The message recordApproval returns (test/support/approvals.ts), built without the table.
  const meta = buildMeta({ detailType: DETAIL_TYPES.OrderApproved, occurredAt: START, correlationId: intent.intentId, causationId: 'test', account: ACCOUNT, strategy: STRATEGY, producer: 'risk' });
  return { type: ORDER_QUEUE_MESSAGE_TYPES.OrderApproved, detail: { meta, data: { intent, approvedAt: START, approvedQuantity: intent.quantity, notional: '0' } } };
};

const BROKER_EVENTS = ['new', 'fill', 'partial_fill', 'canceled', 'rejected', 'expired', 'pending_cancel'] as const;

const brokerUpdate = (intent: OrderIntent, event: (typeof BROKER_EVENTS)[number]): OrderQueueMessage => {
  const filled = event === 'fill' ? intent.quantity : event === 'partial_fill' ? '1' : '0';
  const status = ({ new: 'accepted', fill: 'filled', partial_fill: 'partially_filled', canceled: 'canceled', rejected: 'rejected', expired: 'expired', pending_cancel: 'pending_cancel' } as const)[event];
  const at = '2026-11-23T15:00:00.100Z';
  const order = {
    clientOrderId: intent.intentId,
    symbol: intent.symbol,
    side: intent.side,
    quantity: intent.quantity,
    orderType: intent.orderType,
    ...(intent.limitPrice !== undefined ? { limitPrice: intent.limitPrice } : {}),
    timeInForce: intent.timeInForce,
    brokerOrderId: `b-${intent.intentId}`,
    status,
    filledQuantity: filled,
    ...(filled !== '0' ? { filledAvgPrice: '100' } : {}),
    submittedAt: START,
    updatedAt: at,
  };
  const fill = filled === '0' ? undefined : { executionId: `x-${intent.intentId}-${filled}`, brokerOrderId: order.brokerOrderId, symbol: intent.symbol, side: intent.side, quantity: filled, price: '100', cumulativeQuantity: filled, at };
  const update: BrokerUpdate = { event, order, ...(fill ? { fill } : {}), at };
  return brokerUpdateMessage(ACCOUNT, update, Date.parse(at));
};

const command = (type: 'OrderCancelRequested.v1' | 'AllOrdersCancelRequested.v1', intent: OrderIntent): OrderQueueMessage => {
  const meta = buildMeta({ detailType: type, occurredAt: START, correlationId: intent.intentId, causationId: 'fuzz', account: ACCOUNT, strategy: STRATEGY, producer: 'operator' });
  return type === ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested
    ? { type, detail: { meta, data: { intentId: intent.intentId, symbol: intent.symbol, requestedBy: 'fuzz-operator', reason: 'fuzz' } } }
    : { type: ORDER_QUEUE_MESSAGE_TYPES.AllOrdersCancelRequested, detail: { meta, data: { requestedBy: 'fuzz-operator', reason: 'fuzz' } } };
};

/** One message of each kind the queue carries, about an intent whose approval is recorded first. */
export const validOrderInput: fc.Arbitrary<OrderInput> = fc
  .tuple(intentArbitrary, fc.nat({ max: 99 }), fc.constantFrom(...BROKER_EVENTS))
  .map(([intent, pick, event]) => {
    const message =
      pick < 50 ? approved(intent) : pick < 75 ? brokerUpdate(intent, event) : command(pick < 90 ? 'OrderCancelRequested.v1' : 'AllOrdersCancelRequested.v1', intent);
    return { event: sqsEvent([{ body: message, groupId: routingOf(message).groupId }]), approval: intent };
  });

const garbageOrderInput: fc.Arbitrary<OrderInput> = fc.oneof(
  garbageJson.map((event) => ({ event: event as Json })),
  fc.array(fc.oneof(garbageText, garbageJson), { minLength: 1, maxLength: 3 }).map((bodies) => ({ event: sqsEvent(bodies.map((body) => ({ body }))) })),
);

const oneWrongOrderInput = validOrderInput.chain((valid) =>
  oneFieldWrong(fc.constant(valid.event)).map(({ input, mutation }) => ({ input: { event: input, ...(valid.approval ? { approval: valid.approval } : {}) }, mutation })),
);

/** The event as SQS delivers it: every body as text. */
const encoded = (event: Json): unknown => {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return event;
  return { ...(event as object), Records: records.map((r: unknown) => (r !== null && typeof r === 'object' && 'body' in r && typeof r.body !== 'string' ? { ...r, body: JSON.stringify(r.body) } : r)) };
};

/** One record's fate: handled, rejected with a clear error, or a crash. */
const recordVerdict = (error: unknown): Verdict => {
  if (error === undefined) return { kind: 'accepted', outcome: 'processed' };
  if (error instanceof RetryLaterError) return { kind: 'accepted', outcome: 'retry-later' };
  if (error instanceof Error && error.name.startsWith('SqsFifo')) return { kind: 'accepted', outcome: 'group-skipped' };
  if (error instanceof InvalidInputError) {
    const clear = clearIssues(error.issues);
    if (clear !== undefined) return { kind: 'rejected', error: clear };
  }
  return crashOf(error);
};

export const orderTarget = async (dynamoEndpoint: string): Promise<FuzzTarget<OrderInput>> => {
  const watch = new TableWatch(dynamoEndpoint);
  let epoch: Epoch | undefined;
  let broker: SimulatedBroker | undefined;
  let recorded = new Set<string>();
  const handler = createOrderHandler(() => {
    if (!epoch || !broker) throw new Error('no epoch started');
    return { ...epoch.stores, broker, bus: epoch.bus, clock: epoch.clock, telemetry: epoch.telemetry, leaseMs: 30_000, logger: quietLogger };
  });
  let requestNo = 0;
  return {
    name: 'order',
    arbitrary: mixOf(garbageOrderInput, validOrderInput, oneWrongOrderInput),
    epochSize: 200,
    startEpoch: async (n) => {
      epoch = await seededEpoch(watch, 'order', n);
      broker = new SimulatedBroker({ priceOf: (symbol) => (symbol === 'MSFT' ? '400' : '100'), clock: epoch.clock, seed: 11 });
      recorded = new Set();
    },
    prepare: async ({ approval }) => {
      if (!approval || !epoch || recorded.has(approval.intentId)) return;
      recorded.add(approval.intentId);
      const { intentId, ...over } = approval;
      await recordApproval(epoch.stores.riskStore, intentId, over);
    },
    send: async ({ event }): Promise<Verdict> => {
      epoch?.clock.advance(20);
      recordErrors.clear();
      let response;
      try {
        response = await handler(encoded(event), { awsRequestId: `req-${++requestNo}` });
      } catch (error) {
        // Thrown out of the handler, only a rejection of the whole event is an answer.
        const verdict = recordVerdict(error);
        return verdict.kind === 'rejected' ? verdict : crashOf(error);
      }
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const records = (event as { Records?: unknown }).Records;
      const ids = (Array.isArray(records) ? records : []).map((r: { messageId: string }) => r.messageId);
      const verdicts = ids.map((id) => (failed.has(id) ? recordVerdict(recordErrors.get(id) ?? new Error(`record ${id} failed without an error`)) : recordVerdict(undefined)));
      const crash = verdicts.find((v) => v.kind === 'crash');
      if (crash) return crash;
      // A record skipped because an earlier one of its group failed says nothing of its own.
      const accepted = verdicts.flatMap((v) => (v.kind === 'accepted' && v.outcome !== 'group-skipped' ? [v.outcome] : []));
      if (accepted.length > 0) return { kind: 'accepted', outcome: accepted.join('+') };
      return verdicts.find((v) => v.kind === 'rejected') ?? { kind: 'accepted', outcome: 'empty-batch' };
    },
    watch,
    close: () => watch.close(),
  };
};
