// Which layer stops a flood of intents, end to end on the local runtime: with the strategy host's runaway
// guard on, the guard (INTENT_RATE); with it off (--no-source-guard, tests and drills only), the risk
// function's own INTENT_FLOOD breach, once, with nothing reaching the broker after the halt. A burst of 300
// intents keeps the runs short; the latency is a figure of the `npm start` runs, not asserted (timing).
import { describe, expect, inject, it } from 'vitest';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';
import { dec } from '../../shared/money/decimal';

const BURST = 'test/support/strategies/flood-burst.ts';

describe('the layer that stops a runaway', () => {
  it('is the risk function’s INTENT_FLOOD breach when the host’s guard is off: one execution, nothing sent after the halt, exposure within its cap', { timeout: 300_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 4000, seed: 3, scenario: 'runaway', strategyPath: BURST, sourceGuard: false });
    expect(LocalReportSchema.parse(report)).toBeTruthy();
    expect(report.intentsRefusedBySource).toBe(0);
    expect(report.runaway).toMatchObject({ sourceGuard: false, stoppedBy: 'risk-intent-flood', firstBreachId: expect.stringMatching(/^INTENT_FLOOD\.paper-1\.S/) });
    expect(report.runaway?.floodStartedAt).not.toBeNull();
    expect(report.runaway?.haltedAfterMs).not.toBeNull();
    expect(report.breakerExecutions.map((e) => e.name)).toEqual([expect.stringMatching(/^INTENT_FLOOD\.paper-1\.S/)]);
    expect(report.ordersAfterHalt).toBe(0);
    expect(dec(report.peakGrossExposure).lte(dec(report.grossExposureCap))).toBe(true);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  });

  it('is the host’s guard when it is on: the report names the source guard, and the risk function raised no flood breach', { timeout: 300_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 4000, seed: 3, scenario: 'runaway', strategyPath: BURST });
    expect(report.intentsRefusedBySource).toBeGreaterThan(0);
    expect(report.runaway).toMatchObject({ sourceGuard: true, stoppedBy: 'source-guard', firstBreachId: expect.stringMatching(/^INTENT_RATE\.paper-1\./) });
    expect(report.breakerExecutions.map((e) => e.name)).toEqual([expect.stringMatching(/^INTENT_RATE\.paper-1\./)]);
    expect(report.ordersAfterHalt).toBe(0);
  });
});
