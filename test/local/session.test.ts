// End to end on one machine: the sample strategy's intents pass the risk function, are queued, submitted,
// filled and booked, and reconciliation agrees with the simulated broker's own book.
import { describe, expect, inject, it } from 'vitest';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';
import { dec } from '../../shared/money/decimal';

describe('local session', () => {
  it('runs the sample strategy end to end with fills and zero reconciliation breaks', { timeout: 120_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 4000, seed: 7, tickMs: 50 });
    expect(LocalReportSchema.parse(report)).toBeTruthy();
    expect(report.intents).toBeGreaterThan(0);
    expect(report.fills).toBeGreaterThan(0);
    expect(report.brokerOrders.submitted).toBe(report.approved - Object.values(report.blockedBeforeSubmit).reduce((a, b) => a + b, 0));
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
    expect(report.deadLetterCauses).toEqual([]);
    expect(report.deadLetters).toBe(0);
    expect(report.approved + Object.values(report.denied).reduce((a, b) => a + b, 0)).toBe(report.intents);
    // The feed: every intent published through batched PutEvents calls, marks and a heartbeat from accepted data.
    expect(report.feed).toMatchObject({ source: 'alpaca-iex', failovers: 0, markWriteFailures: 0, heartbeatFailures: 0, intentsPublished: report.intents });
    expect(report.feed.putEventsCalls).toBeLessThan(report.feed.intentsPublished);
    expect(report.feed.marksWritten).toBeGreaterThan(0);
    expect(report.feed.heartbeatsWritten).toBeGreaterThan(0);
    expect(report.feed.ticks.accepted).toBeGreaterThan(0);
    expect(report.strategies['sample-momentum']).toMatchObject({ errors: 0, timeouts: 0, disabled: false, intents: report.intents });
  });

  it('keeps one broker order per intent and ends reconciled when a fifth of broker calls fail and updates are lost', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 3000, seed: 11, tickMs: 50, scenario: 'broker-faults' });
    expect(report.brokerOrders.faultsInjected).toBeGreaterThan(0);
    expect(report.brokerOrders.duplicates).toBe(0);
    expect(report.fills).toBe(report.brokerFills);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
    expect(Object.keys(report.orderStatuses).filter((s) => !['FILLED', 'DENIED', 'BLOCKED', 'REJECTED', 'CANCELED'].includes(s))).toEqual([]);
  });

  it('halts a runaway strategy firing 1,500 intents a second: nothing reaches the broker after HALTED and exposure stays under its cap', { timeout: 180_000 }, async () => {
    // The runaway with a 3 s warm-up (the scenario's is 10 s): the guard's halt does not depend on a warm pipeline.
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 5000, seed: 5, scenario: 'runaway', strategyPath: 'test/support/strategies/quick-runaway.ts' });
    expect(LocalReportSchema.parse(report)).toBeTruthy();
    // The strategy fired at Knight's rate; the host's guard published at most its limit.
    expect(report.intentsProposed).toBeGreaterThan(1500);
    expect(report.intentsRefusedBySource).toBe(report.intentsProposed - report.intents);
    expect(report.breakerExecutions.map((e) => e.name)).toEqual([expect.stringMatching(/^INTENT_RATE\.paper-1\./)]);
    // The latency itself is a figure of the `npm start -- --scenario runaway` run, not asserted here (timing).
    expect(report.haltLatencyMs).not.toBeNull();
    expect(report.ordersAfterHalt).toBe(0);
    expect(dec(report.peakGrossExposure).lte(dec(report.grossExposureCap))).toBe(true);
    expect(report.denied.TRADING_HALTED).toBeGreaterThan(0);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  });

  it('halts through the dead-man switch when the feed hangs: a FEED_STALE breach, nothing sent while stopped', { timeout: 180_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 10_000, seed: 3, tickMs: 50, scenario: 'feed-stall' });
    expect(report.deadManStaleChecks).toBeGreaterThan(0);
    expect(report.breakerExecutions.map((e) => e.name)).toEqual([expect.stringMatching(/^FEED_STALE\.paper-1\.HB/)]);
    expect(report.haltLatencyMs).not.toBeNull();
    expect(report.ordersAfterHalt).toBe(0);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  });

  it('serves the kill-switch API on localhost: a kill stops every order reaching the broker, and its activator cannot release it', { timeout: 180_000 }, async () => {
    type Answer = { status: number; body: Record<string, unknown> };
    const call = async (url: string, init: RequestInit): Promise<Answer> => {
      const response = await fetch(url, init);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    // The calls run one after another while the market runs, and the run ends once they are answered: the status
    // is read after the kill has answered (its steps done) and before the drain restarts the consumer.
    const controller = new AbortController();
    let answers: Promise<Answer[]> | undefined;
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'), 
      durationMs: 60_000,
      seed: 9,
      tickMs: 50,
      apiPort: 0,
      signal: controller.signal,
      onApiReady: (url) => {
        const post = (path: string, principal: string, body: unknown) =>
          call(`${url}${path}`, { method: 'POST', headers: { 'x-principal': principal, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        answers = (async () => {
          await new Promise((resolve) => setTimeout(resolve, 2500));
          const kill = await post('/kill-switch', 'alice', { account: 'paper-1', reason: 'test kill' });
          const ownRelease = await post('/kill-switch/release', 'alice', { account: 'paper-1', reason: 'me again' });
          const status = await call(`${url}/status?account=paper-1`, { headers: { 'x-principal': 'bob' } });
          const anonymous = await post('/kill-switch', '', { account: 'paper-1', reason: 'anonymous' });
          return [kill, ownRelease, status, anonymous];
        })().finally(() => controller.abort());
      },
    });
    const [kill, ownRelease, status, anonymous] = (await answers) ?? [];
    expect(kill).toMatchObject({ status: 200, body: { state: 'KILLED' } });
    expect(ownRelease).toMatchObject({ status: 409, body: { reason: 'SAME_PRINCIPAL' } });
    expect(status).toMatchObject({ status: 200, body: { tradingState: 'KILLED', intake: 'stopped', killSwitch: { activatedBy: 'alice' } } });
    expect(anonymous?.status).toBe(403);
    expect(report.haltLatencyMs).toBeNull(); // no breach: a person stopped it
    expect(report.ordersAfterHalt).toBe(0);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  });

  it('stops early on a signal and still drains, reconciles and reports', { timeout: 120_000 }, async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'),  durationMs: 60_000, seed: 8, tickMs: 50, signal: controller.signal });
    expect(report.stoppedBy).toBe('signal');
    expect(report.durationMs).toBeLessThan(60_000);
    expect(report.reconciliation.breaks).toBe(0);
  });
});
