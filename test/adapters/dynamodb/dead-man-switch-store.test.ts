// The store methods the dead-man switch and the persistence of reconciliation breaks rely on, against
// DynamoDB Local: the feed heartbeat only moves forward, and a break's consecutive-run count reads back as
// the integer it was written as.
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoTradingStore } from '../../../adapters/dynamodb/dynamo-trading-store';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { freshTable } from '../../support/dynamo';
import { ACCOUNT } from '../../support/fixtures';

let store: DynamoTradingStore;

beforeEach(async () => {
  const { client, tableName } = await freshTable();
  store = new DynamoTradingStore(client, tableName);
});

describe('the feed heartbeat', () => {
  it('reads as undefined before any feed wrote one', async () => {
    await expect(store.getFeedHeartbeat()).resolves.toBeUndefined();
  });

  it('reads back the latest heartbeat with the feed that wrote it', async () => {
    await store.putFeedHeartbeat('feed-a', '2026-11-23T15:00:00.000Z');
    await store.putFeedHeartbeat('feed-b', '2026-11-23T15:00:01.000Z');
    await expect(store.getFeedHeartbeat()).resolves.toEqual({ feedId: 'feed-b', at: '2026-11-23T15:00:01.000Z' });
  });

  it('never moves back: an older heartbeat (a second feed task lagging) changes nothing and is no error', async () => {
    await store.putFeedHeartbeat('feed-a', '2026-11-23T15:00:05.000Z');
    await expect(store.putFeedHeartbeat('feed-b', '2026-11-23T15:00:04.999Z')).resolves.toBeUndefined();
    await store.putFeedHeartbeat('feed-b', '2026-11-23T15:00:05.000Z');
    await expect(store.getFeedHeartbeat()).resolves.toEqual({ feedId: 'feed-a', at: '2026-11-23T15:00:05.000Z' });
  });
});

describe('the latest reconciliation run', () => {
  it("reads each break's consecutive-run count back as an integer", async () => {
    const at = '2026-11-23T15:00:00.000Z';
    await store.recordReconciliation(
      {
        account: ACCOUNT,
        runId: 'run-2',
        status: 'failed',
        completedAt: at,
        breaks: [
          { kind: 'BROKER_UNREACHABLE', message: 'broker unavailable', consecutiveRuns: 2 },
          { kind: 'CASH_MISMATCH', message: 'cash differs' },
        ],
      },
      auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: 'run-2', causationId: 'run-2', detail: {} }),
    );
    const latest = await store.getReconciliation(ACCOUNT);
    expect(latest?.breaks).toEqual([
      { kind: 'BROKER_UNREACHABLE', message: 'broker unavailable', consecutiveRuns: 2 },
      { kind: 'CASH_MISMATCH', message: 'cash differs' },
    ]);
  });
});
