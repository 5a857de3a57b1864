// The approved-order queue port: a FIFO queue grouped by account#symbol, deduplicated by intent id.
import type { DetailOf } from '../events/catalog';

export type ApprovedOrderMessage = DetailOf<'OrderApproved.v1'>;

export interface OrderQueue {
  enqueue(messages: readonly ApprovedOrderMessage[]): Promise<void>;
}

export const messageGroupId = (account: string, symbol: string): string => `${account}#${symbol}`;
