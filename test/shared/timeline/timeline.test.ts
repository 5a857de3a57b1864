// The incident timeline read through the audit trail on DynamoDB Local: a period across UTC days, its cap,
// and a pipe in a detail that must not break the Markdown table.
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../../adapters/dynamodb/dynamo-audit-log';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { readTimeline, timelineMarkdown } from '../../../shared/timeline/timeline';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT } from '../../support/fixtures';

let stores: TradingStores;
let log: DynamoAuditLog;

const run = (runId: string, at: string, detail: Record<string, unknown> = {}) =>
  stores.reconciliationStore.recordReconciliation(
    { account: ACCOUNT, runId, status: 'clean', completedAt: at, breaks: [] },
    auditEntry({ account: ACCOUNT, occurredAt: at, kind: 'RECONCILIATION_RUN', actor: 'reconciliation', correlationId: runId, causationId: 'test', detail }),
  );

beforeEach(async () => {
  const fresh = await freshStores();
  stores = fresh.stores;
  log = new DynamoAuditLog(fresh.client, fresh.tableName);
  await run('d1', '2026-11-20T23:00:00.000Z');
  await run('d2', '2026-11-21T01:00:00.000Z');
  await run('d3', '2026-11-22T01:00:00.000Z', { note: 'a | b' });
});

describe('incident timeline', () => {
  it('reads a period across three UTC days, oldest first, bounded at both ends', async () => {
    const timeline = await readTimeline(log, { account: ACCOUNT, from: '2026-11-20T22:00:00.000Z', to: '2026-11-22T01:00:00.000Z' });
    expect(timeline.entries.map((e) => e.correlationId)).toEqual(['d1', 'd2']);
    expect(timeline.truncated).toBe(false);
  });

  it('stops at its cap and says it was truncated', async () => {
    const timeline = await readTimeline(log, { account: ACCOUNT, from: '2026-11-20T00:00:00.000Z', to: '2026-11-23T00:00:00.000Z' }, 2);
    expect(timeline.entries.map((e) => e.correlationId)).toEqual(['d1', 'd2']);
    expect(timeline.truncated).toBe(true);
    expect(timelineMarkdown(timeline)).toContain('2 audit entries (truncated: more matched; narrow the period)');
  });

  it('escapes a pipe in a detail so the row keeps its columns', async () => {
    const markdown = timelineMarkdown(await readTimeline(log, { account: ACCOUNT, order: 'd3' }));
    expect(markdown).toContain('| 2026-11-22T01:00:00.000Z | RECONCILIATION_RUN | reconciliation | d3 | note=a \\| b |');
  });
});
