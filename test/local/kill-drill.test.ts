// The kill-drill scenario end to end, shortened to three drills: orders flow, the kill switch is pressed
// through the local API, released by a second person after a clean reconciliation, the recovery approved by
// a third, and nothing starts towards the broker after a stop.
import { describe, expect, inject, it } from 'vitest';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';

describe('the kill-drill scenario', () => {
  it('runs three drills round (kill, clean reconciliation, release, approval, ACTIVE) with no order started after a stop', { timeout: 240_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  scenario: 'kill-drill', killDrills: 3, durationMs: 180_000, seed: 4 });
    expect(LocalReportSchema.parse(report)).toBeTruthy();
    expect(report.stoppedBy).toBe('done');
    expect(report.killDrills).toMatchObject({ planned: 3, count: 3, ordersStartedAfterStop: 0 });
    expect(report.killDrills?.drills.map((d) => [d.drill, d.failure])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, undefined],
    ]);
    for (const drill of report.killDrills?.drills ?? []) {
      expect([200, 207]).toContain(drill.killStatus);
      expect(drill.stopMs).not.toBeNull();
      expect(drill.startedAfterStop).toBe(0);
    }
    expect(report.strategy).toBe('steady-flow');
    expect(report.approved).toBeGreaterThan(0);
    expect(report.ordersAfterHalt).toBe(0);
    expect(report.breakerExecutions.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  });
});
