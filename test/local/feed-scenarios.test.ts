// End to end on one machine, the feed under faults: bad ticks in a flash crash are refused by reason while the
// controls act on the real move; a dead primary source fails over without a halt, and with both dead the
// dead-man switch halts; a recorded run replays through the same validator. (Strategies that fail inside the
// feed: strategy-faults.test.ts.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';

const cleanEnd = (report: Awaited<ReturnType<typeof runSession>>) => {
  expect(LocalReportSchema.parse(report)).toBeTruthy();
  expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  expect(report.brokerOrders.duplicates).toBe(0);
};

const recording = join(mkdtempSync(join(tmpdir(), 'feed-e2e-')), 'flash-crash.jsonl');

describe('the feed, end to end', () => {
  it('refuses a flash crash’s bad ticks by reason and writes marks only from accepted data, while the period collar acts on the real fall', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 9000, seed: 3, scenario: 'flash-crash', record: recording });
    cleanEnd(report);
    const { ticks } = report.feed;
    expect(ticks.rejected).toMatchObject({ PRICE_INVALID: expect.any(Number), TIMESTAMP_TOO_OLD: expect.any(Number), PRICE_JUMP: expect.any(Number) });
    expect((ticks.rejected.QUOTE_CROSSED ?? 0) + (ticks.rejected.QUOTE_LOCKED ?? 0)).toBeGreaterThan(0);
    expect(ticks.quarantined).toBeGreaterThan(0);
    expect(ticks.received).toBe(ticks.accepted + Object.values(ticks.rejected).reduce((a, b) => a + b, 0) + ticks.held);
    expect(report.ordersAfterHalt ?? 0).toBe(0);
    expect(readFileSync(recording, 'utf8').trimEnd().split('\n')).toHaveLength(ticks.received);
  });

  // Plays the recording the flash-crash run above made (tests in a file run in order).
  it('replays a recorded run through the same validator: its bad ticks are refused for the same reasons', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 9000, seed: 3, market: { kind: 'replay', path: recording } });
    cleanEnd(report);
    expect(report.feed.sources).toEqual(['replay']);
    expect(report.feed.ticks.accepted).toBeGreaterThan(0);
    expect(report.feed.ticks.rejected).toMatchObject({ PRICE_INVALID: expect.any(Number), TIMESTAMP_TOO_OLD: expect.any(Number), PRICE_JUMP: expect.any(Number) });
    expect(report.feed.marksWritten).toBeGreaterThan(0);
    expect(report.intents).toBeGreaterThan(0);
  });

  it('fails over to the backup when the primary source dies, and trading goes on without a halt', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 10_000, seed: 4, scenario: 'feed-failover' });
    cleanEnd(report);
    expect(report.feed.sources).toEqual(['alpaca-crypto', 'coinbase']);
    expect(report.feed.failovers).toBeGreaterThanOrEqual(1);
    expect(report.feed.source).toBe('coinbase');
    expect(report.haltLatencyMs).toBeNull();
    expect(report.breakerExecutions).toEqual([]);
    expect(report.deadManStaleChecks).toBe(0);
  });

  it('halts through FEED_STALE when both sources die, with no order reaching the broker while halted', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 14_000, seed: 4, scenario: 'feed-outage' });
    cleanEnd(report);
    expect(report.feed.source).toBeNull();
    expect(report.breakerExecutions.map((e) => e.name)).toEqual([expect.stringMatching(/^FEED_STALE\.paper-1\./)]);
    expect(report.haltLatencyMs).not.toBeNull();
    expect(report.ordersAfterHalt).toBe(0);
  });
});
