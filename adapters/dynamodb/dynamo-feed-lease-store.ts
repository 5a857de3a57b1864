// DynamoDB adapter for the FeedLeaseStore port: the lease is one item (MARKET / FEED#LEASE) changed only by
// conditional writes, so two feed tasks racing for it cannot both win.
import type { FeedLeaseRecord, FeedLeaseStore } from '../../shared/ports/feed-lease-store';
import { keys } from '../../shared/storage/table-definition';
import type { DynamoTable } from './dynamo-table';

export class DynamoFeedLeaseStore implements FeedLeaseStore {
  constructor(private readonly table: DynamoTable) {}

  acquire(holder: string, nowMs: number, expiresAtMs: number, acquiredAt: string): Promise<boolean> {
    return this.table.putIf('PutItem (feed lease)', {
      Item: { ...keys.feedLease(), type: 'FEED_LEASE', holder, expiresAtMs, acquiredAt },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR holder = :holder',
      ExpressionAttributeValues: { ':now': nowMs, ':holder': holder },
    });
  }

  renew(holder: string, expiresAtMs: number): Promise<boolean> {
    return this.table.updateIf('UpdateItem (feed lease)', {
      Key: keys.feedLease(),
      UpdateExpression: 'SET expiresAtMs = :expires',
      ConditionExpression: 'holder = :holder',
      ExpressionAttributeValues: { ':expires': expiresAtMs, ':holder': holder },
    });
  }

  async release(holder: string): Promise<void> {
    // Not applied when someone else holds it: theirs is not ours to give up.
    await this.table.deleteIf('DeleteItem (feed lease)', {
      Key: keys.feedLease(),
      ConditionExpression: 'holder = :holder',
      ExpressionAttributeValues: { ':holder': holder },
    });
  }

  async current(): Promise<FeedLeaseRecord | undefined> {
    const item = await this.table.get('GetItem (feed lease)', keys.feedLease());
    return item ? { holder: String(item.holder), expiresAtMs: Number(item.expiresAtMs), acquiredAt: String(item.acquiredAt) } : undefined;
  }
}
