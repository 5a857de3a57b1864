// The reconciliation run's record against DynamoDB Local: a break's consecutive-run count, which the
// persistence of breaks relies on, reads back as the integer it was written as.
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { auditEntry } from '../../../shared/audit/audit-entry';
import type { ReconciliationStore } from '../../../shared/ports/reconciliation-store';
import { freshTable } from '../../support/dynamo';
import { ACCOUNT } from '../../support/fixtures';

let store: ReconciliationStore;

beforeEach(async () => {
  const { client, tableName } = await freshTable();
  store = dynamoStores(client, tableName).reconciliationStore;
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
