// End to end on one machine: the sample strategy's intents pass the risk function, are queued, submitted,
// filled and booked, and reconciliation agrees with the simulated broker's own book.
import { describe, expect, it } from 'vitest';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';

describe('local session', () => {
  it('runs the sample strategy end to end with fills and zero reconciliation breaks', { timeout: 120_000 }, async () => {
    const report = await runSession({ durationMs: 4000, seed: 7, tickMs: 50 });
    expect(LocalReportSchema.parse(report)).toBeTruthy();
    expect(report.intents).toBeGreaterThan(0);
    expect(report.fills).toBeGreaterThan(0);
    expect(report.brokerOrders.submitted).toBe(report.approved - Object.values(report.blockedBeforeSubmit).reduce((a, b) => a + b, 0));
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
    expect(report.deadLetterCauses).toEqual([]);
    expect(report.deadLetters).toBe(0);
    expect(report.approved + Object.values(report.denied).reduce((a, b) => a + b, 0)).toBe(report.intents);
  });

  it('keeps one broker order per intent and ends reconciled when a fifth of broker calls fail and updates are lost', { timeout: 180_000 }, async () => {
    const report = await runSession({ durationMs: 3000, seed: 11, tickMs: 50, scenario: 'broker-faults' });
    expect(report.brokerOrders.faultsInjected).toBeGreaterThan(0);
    expect(report.brokerOrders.duplicates).toBe(0);
    expect(report.fills).toBe(report.brokerFills);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
    expect(Object.keys(report.orderStatuses).filter((s) => !['FILLED', 'DENIED', 'BLOCKED', 'REJECTED', 'CANCELED'].includes(s))).toEqual([]);
  });

  it('stops early on a signal and still drains, reconciles and reports', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const report = await runSession({ durationMs: 60_000, seed: 8, tickMs: 50, signal: controller.signal });
    expect(report.stoppedBy).toBe('signal');
    expect(report.durationMs).toBeLessThan(60_000);
    expect(report.reconciliation.breaks).toBe(0);
  });
});
