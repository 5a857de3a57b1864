// The order queue's dispatcher: one message (an approved order, a broker update, a cancel or cancel-all
// command) to the part of the order service that handles it. Work that must wait throws RetryLaterError so
// the queue redelivers it and only its FIFO group waits. A broker update is only a claim until the broker
// confirms it (broker-view.ts); its last delivery makes an unconfirmed claim final.
import { RetryLaterError } from '../errors/errors';
import type { OrderQueueMessage } from '../events/order-queue-messages';
import { METRICS } from '../telemetry/metrics';
import { processBrokerUpdate } from './broker-view';
import { cancelAllOrders, cancelOrder, type CancelAllResult, type CancelOutcome } from './cancellation';
import type { OrderServiceDeps } from './context';
import { processApprovedOrder, type SubmissionOutcome } from './submission';

export type OrderQueueOutcome = SubmissionOutcome | 'applied' | 'unchanged' | 'unknown' | 'rejected' | 'handed-over' | CancelOutcome | CancelAllResult;

/**
 * After this many deliveries, an approved order still in flight or a broker update that could not be
 * applied stops holding its FIFO group: reconciliation owns it from then on (it settles in-flight orders
 * and applies the broker's view of every live order). Waiting longer would push the messages queued behind
 * it in the group towards the dead-letter queue, since each skipped delivery counts as a receive.
 */
export const HAND_OVER_AFTER_RECEIVES = 2;

/**
 * One message of the order queue. Work that must wait (an order still being submitted, a broker that did
 * not answer) throws RetryLaterError, so the queue redelivers it and its group waits meanwhile; cancel
 * commands wait until they are done (nothing else would carry them out), the rest is handed over to
 * reconciliation after HAND_OVER_AFTER_RECEIVES deliveries.
 */
export const handleOrderQueueMessage = async (
  deps: OrderServiceDeps,
  message: OrderQueueMessage,
  delivery: { messageId: string; receiveCount: number },
): Promise<OrderQueueOutcome> => {
  const handOver = async (work: () => Promise<OrderQueueOutcome>): Promise<OrderQueueOutcome> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof RetryLaterError) || delivery.receiveCount < HAND_OVER_AFTER_RECEIVES) throw error;
      deps.telemetry.count(METRICS.handedToReconciliation, { type: message.type });
      return 'handed-over';
    }
  };
  switch (message.type) {
    case 'OrderApproved.v1':
      return handOver(() => processApprovedOrder(deps, message.detail));
    case 'BrokerUpdateReceived.v1':
      return handOver(() =>
        processBrokerUpdate(deps, message.detail.meta.account, message.detail.data.update, message.detail.meta.eventId, {
          finalDelivery: delivery.receiveCount >= HAND_OVER_AFTER_RECEIVES,
        }),
      );
    case 'OrderCancelRequested.v1': {
      const { meta, data } = message.detail;
      const outcome = await cancelOrder(deps, { account: meta.account, intentId: data.intentId, requestedBy: data.requestedBy, requestId: meta.eventId, reason: data.reason });
      if (outcome === 'retry') throw new RetryLaterError(`order ${data.intentId} is still being submitted; its cancel waits (message ${delivery.messageId})`);
      return outcome;
    }
    case 'AllOrdersCancelRequested.v1': {
      const { meta, data } = message.detail;
      const result = await cancelAllOrders(deps, { account: meta.account, requestedBy: data.requestedBy, requestId: meta.eventId, reason: data.reason });
      if (result.waiting > 0) throw new RetryLaterError(`${result.waiting} order(s) still being submitted; cancel-all runs again (message ${delivery.messageId})`);
      return result;
    }
  }
};
