// End to end on one machine, strategies that fail inside the feed: one that throws on every tick and one that
// never returns are disabled, while the heartbeat and the marks stay fresh and nothing halts.
import { describe, expect, inject, it } from 'vitest';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';

const cleanEnd = (report: Awaited<ReturnType<typeof runSession>>) => {
  expect(LocalReportSchema.parse(report)).toBeTruthy();
  expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  expect(report.brokerOrders.duplicates).toBe(0);
};

describe('a failing strategy in the feed, end to end', () => {
  it('disables a strategy that throws on every tick, keeping the heartbeat and the marks fresh', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 6000, seed: 2, strategyPath: 'test/support/strategies/throwing.ts' });
    cleanEnd(report);
    expect(report.strategies.throwing).toMatchObject({ intents: 0, disabled: true });
    expect(report.strategies.throwing?.errors).toBeGreaterThanOrEqual(5);
    expect(report.feed.heartbeatsWritten).toBeGreaterThanOrEqual(5);
    expect(report.feed.marksWritten).toBeGreaterThan(0);
    expect(report.deadManStaleChecks).toBe(0);
    expect(report.breakerExecutions).toEqual([]);
  });

  it('abandons and disables a strategy that never returns, keeping the heartbeat and the marks fresh', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 6000, seed: 2, strategyPath: 'test/support/strategies/looping.ts' });
    cleanEnd(report);
    expect(report.strategies.looping).toMatchObject({ intents: 0, disabled: true });
    expect(report.strategies.looping?.timeouts).toBeGreaterThanOrEqual(5);
    expect(report.feed.heartbeatsWritten).toBeGreaterThanOrEqual(5);
    expect(report.feed.marksWritten).toBeGreaterThan(0);
    expect(report.deadManStaleChecks).toBe(0);
    expect(report.breakerExecutions).toEqual([]);
  });
});
