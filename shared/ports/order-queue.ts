// The order queue port: a FIFO queue of approved orders, broker updates and cancel commands. A message's
// group keeps one symbol's traffic of an account in order; its deduplication id makes a re-send within
// the queue's window a no-op (the intent id for an approval, the deterministic event id for anything else).
import type { DetailOf } from '../events/catalog';
import { ORDER_QUEUE_MESSAGE_TYPES, type OrderQueueMessage } from '../events/order-queue-messages';

export type ApprovedOrderMessage = DetailOf<'OrderApproved.v1'>;

export interface OrderQueue {
  enqueue(messages: readonly OrderQueueMessage[]): Promise<void>;
}

export const messageGroupId = (account: string, symbol: string): string => `${account}#${symbol}`;
/** Cancel-all concerns every symbol of the account, so it has a group of its own. */
export const ACCOUNT_WIDE_GROUP = '*';

export const approvedOrderMessage = (detail: ApprovedOrderMessage): OrderQueueMessage => ({ type: ORDER_QUEUE_MESSAGE_TYPES.OrderApproved, detail });

/** Where a message goes in the FIFO queue: its group and its deduplication id (at most 128 characters). */
export const routingOf = (message: OrderQueueMessage): { groupId: string; deduplicationId: string } => {
  const { account } = message.detail.meta;
  switch (message.type) {
    case 'OrderApproved.v1':
      return { groupId: messageGroupId(account, message.detail.data.intent.symbol), deduplicationId: message.detail.data.intent.intentId };
    case 'BrokerUpdateReceived.v1':
      // The relay derives the event id from the update itself, so a replayed update is the same SQS message.
      return { groupId: messageGroupId(account, message.detail.data.update.order.symbol), deduplicationId: message.detail.meta.eventId };
    case 'OrderCancelRequested.v1':
      return { groupId: messageGroupId(account, message.detail.data.symbol), deduplicationId: message.detail.meta.eventId };
    case 'AllOrdersCancelRequested.v1':
      return { groupId: messageGroupId(account, ACCOUNT_WIDE_GROUP), deduplicationId: message.detail.meta.eventId };
  }
};
