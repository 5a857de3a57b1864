// Events in the shapes Lambda delivers them, for the invocation keys' and the tracer wrapper's specifications:
// queue batches (the intake and order queues) and each kind of order queue message, valid by their schemas.
import type { SQSEvent } from 'aws-lambda';
import { toSqsEvent } from '../../local/sqs-event-source';
import { buildMeta } from '../../shared/events/envelope';
import { ORDER_QUEUE_MESSAGE_TYPES, OrderQueueMessageSchema, type OrderQueueMessage } from '../../shared/events/order-queue-messages';
import { brokerUpdateMessage } from '../../shared/feed/broker-update-relay';
import { ACCOUNT, intentFor, STRATEGY } from './fixtures';

/** An SQS batch whose records carry `bodies` as JSON (a string body is sent as it is), message ids m-0, m-1, … */
export const queueBatch = (bodies: readonly unknown[], queueArn = 'arn:aws:sqs:us-east-1:000000000000:queue'): SQSEvent =>
  toSqsEvent(
    bodies.map((body, i) => ({ MessageId: `m-${i}`, ReceiptHandle: `r-${i}`, Body: typeof body === 'string' ? body : JSON.stringify(body) })),
    queueArn,
  );

const meta = (detailType: string, correlationId: string, account = ACCOUNT) =>
  buildMeta({ detailType, occurredAt: '2026-11-23T15:00:01.000Z', correlationId, causationId: 'cause-1', account, strategy: STRATEGY, producer: 'risk' });

const valid = (message: OrderQueueMessage): OrderQueueMessage => OrderQueueMessageSchema.parse(message);

export const approvedMessage = (intentId: string, symbol = 'AAPL', account = ACCOUNT): OrderQueueMessage =>
  valid({
    type: ORDER_QUEUE_MESSAGE_TYPES.OrderApproved,
    detail: {
      meta: meta(ORDER_QUEUE_MESSAGE_TYPES.OrderApproved, intentId, account),
      data: { intent: intentFor(intentId, { symbol }), approvedAt: '2026-11-23T15:00:01.000Z', approvedQuantity: '10', notional: '1000' },
    },
  });

export const cancelMessage = (intentId: string, symbol = 'AAPL'): OrderQueueMessage =>
  valid({
    type: ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested,
    detail: { meta: meta(ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested, intentId), data: { intentId, symbol, requestedBy: 'alice', reason: 'stale' } },
  });

export const cancelAllMessage = (requestId: string): OrderQueueMessage =>
  valid({
    type: ORDER_QUEUE_MESSAGE_TYPES.AllOrdersCancelRequested,
    detail: { meta: meta(ORDER_QUEUE_MESSAGE_TYPES.AllOrdersCancelRequested, requestId), data: { requestedBy: 'kill-switch', reason: 'kill' } },
  });

/** The broker's update of the order whose client order id is `intentId`, as the feed's relay queues it. */
export const brokerUpdate = (intentId: string, symbol = 'MSFT'): OrderQueueMessage =>
  valid(
    brokerUpdateMessage(
      ACCOUNT,
      {
        event: 'fill',
        order: {
          clientOrderId: intentId, brokerOrderId: 'B1', symbol, side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day',
          status: 'filled', filledQuantity: '10', submittedAt: '2026-11-23T15:00:00.000Z', updatedAt: '2026-11-23T15:00:02.000Z',
        },
        at: '2026-11-23T15:00:02.000Z',
      },
      Date.parse('2026-11-23T15:00:02.000Z'),
    ),
  );
