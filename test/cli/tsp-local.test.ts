// The operator CLI end to end against the local API of a running session: a person reads the status, another
// kills the account, the status shows it KILLED, a third releases once reconciliation is clean again.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { runCli, type CliIo } from '../../cli/commands';
import { runSession } from '../../local/session';

const tsp = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: {} };
  const code = await runCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('operator CLI against the local API', () => {
  it('prints the status, kills as one person and releases as another once reconciliation is clean', { timeout: 180_000 }, async () => {
    const seen: Record<string, { code: number; out: string; err: string }> = {};
    let driving: Promise<void> | undefined;
    const controller = new AbortController();
    await runSession({ dynamoEndpoint: inject('dynamoEndpoint'), 
      durationMs: 60_000,
      seed: 4,
      reconcileEveryMs: 1000,
      apiPort: 0,
      signal: controller.signal,
      onApiReady: (url) => {
        const local = ['--local', url, '--account', 'paper-1'];
        driving = (async () => {
          await sleep(1500);
          seen.before = await tsp(['status', ...local, '--as', 'bob']);
          seen.kill = await tsp(['kill', ...local, '--as', 'alice', '--reason', 'cli drill']);
          seen.killed = await tsp(['status', ...local, '--as', 'bob']);
          seen.selfRelease = await tsp(['release', ...local, '--as', 'alice', '--reason', 'my own kill']);
          for (let tries = 0; tries < 20; tries++) {
            seen.release = await tsp(['release', ...local, '--as', 'bob', '--reason', 'reconciled clean']);
            if (seen.release.code !== 1) break;
            await sleep(1000);
          }
          seen.unknown = await tsp(['status', '--local', url, '--account', 'paper1', '--as', 'bob']);
          const now = Date.now();
          seen.timeline = await tsp(['timeline', ...local, '--as', 'carol', '--from', new Date(now - 120_000).toISOString(), '--to', new Date(now + 1000).toISOString()]);
        })().finally(() => controller.abort());
      },
    });
    await driving;
    expect(seen.before).toMatchObject({ code: 0 });
    expect(seen.before?.out).toMatch(/trading state\s+ACTIVE/);
    expect(seen.kill?.code === 0 || seen.kill?.code === 3).toBe(true);
    expect(seen.kill?.out).toMatch(/^kill: done.*\(paper-1 KILLED\)\n {2}state done: ACTIVE -> KILLED/);
    expect(seen.killed?.out).toMatch(/trading state\s+KILLED/);
    expect(seen.killed?.out).toMatch(/kill switch\s+pressed by alice/);
    expect(seen.selfRelease?.code).toBe(1);
    expect(seen.selfRelease?.err).toMatch(/^release refused \(SAME_PRINCIPAL\): alice activated the kill switch; a different person must release it/);
    expect(seen.release?.code === 0 || seen.release?.code === 3).toBe(true);
    // The incident's timeline: the kill and the release, by their people, among the run's decisions.
    expect(seen.timeline?.code).toBe(0);
    expect(seen.timeline?.out).toMatch(/^# Timeline of paper-1: /);
    expect(seen.timeline?.out).toMatch(/\| TRADING_STATE_CHANGED \| alice \|/);
    expect(seen.timeline?.out).toMatch(/\| TRADING_STATE_CHANGED \| bob \|/);
    expect(seen.unknown).toMatchObject({ code: 1, err: expect.stringMatching(/^status: unknown account: paper1 is not an account of this environment/) });
  });

  it('switches one strategy off: the status shows who and why, and no decision of it follows once the feed has read the switch', { timeout: 180_000 }, async () => {
    const seen: Record<string, { code: number; out: string; err: string }> = {};
    let disabledAt = 0;
    let driving: Promise<void> | undefined;
    const controller = new AbortController();
    await runSession({
      dynamoEndpoint: inject('dynamoEndpoint'),
      durationMs: 60_000,
      seed: 5,
      strategyPath: 'strategies/steady-flow.ts',
      apiPort: 0,
      signal: controller.signal,
      onApiReady: (url) => {
        const local = ['--local', url, '--account', 'paper-1'];
        driving = (async () => {
          await sleep(2000);
          disabledAt = Date.now();
          seen.disable = await tsp(['strategy', 'disable', 'steady-flow', ...local, '--as', 'alice', '--reason', 'quoting wide']);
          // The feed reads the switches every second; what it published before is decided and denied.
          await sleep(3500);
          seen.status = await tsp(['status', ...local, '--as', 'bob']);
          seen.timeline = await tsp(['timeline', ...local, '--as', 'carol', '--json', '--from', new Date(disabledAt - 60_000).toISOString(), '--to', new Date(Date.now() + 1000).toISOString()]);
          seen.enable = await tsp(['strategy', 'enable', 'steady-flow', ...local, '--as', 'bob', '--reason', 'spreads fixed']);
          seen.enableAgain = await tsp(['strategy', 'enable', 'steady-flow', ...local, '--as', 'bob', '--reason', 'twice']);
        })().finally(() => controller.abort());
      },
    });
    await driving;
    expect(seen.disable?.code === 0 || seen.disable?.code === 3, seen.disable?.err).toBe(true);
    expect(seen.disable?.out).toMatch(/^strategy disable: steady-flow of paper-1 DISABLED by alice at /);
    expect(seen.status?.out).toMatch(/strategies\n {2}steady-flow\s+DISABLED by alice at \S+ \(quoting wide\)/);
    const entries = (JSON.parse(seen.timeline?.out ?? '{}') as { entries: { kind: string; occurredAt: string; actor: string; correlationId: string; detail: Record<string, unknown> }[] }).entries;
    const decisions = entries.filter((e) => e.kind === 'RISK_DECISION');
    const switched = entries.find((e) => e.kind === 'STRATEGY_DISABLED');
    expect(switched).toMatchObject({ actor: 'alice', detail: { strategy: 'steady-flow', reason: 'quoting wide' } });
    const cutoff = Date.parse(switched?.occurredAt ?? '') + 1500;
    expect(decisions.filter((e) => Date.parse(e.occurredAt) < Date.parse(switched?.occurredAt ?? '')).length).toBeGreaterThan(10);
    expect(decisions.filter((e) => Date.parse(e.occurredAt) > cutoff)).toEqual([]);
    // A decision timed after the switch's entry but made on a snapshot read just before the switch committed is
    // judged on the old switch (any outcome); the order function's gate, which checks the switch in its claim,
    // keeps every such approval from the broker.
    const after = decisions.filter((e) => Date.parse(e.occurredAt) > Date.parse(switched?.occurredAt ?? ''));
    const submitted = new Set(entries.filter((e) => e.kind === 'ORDER_SUBMITTED').map((e) => e.correlationId));
    expect(after.filter((e) => e.detail.outcome === 'approved' && submitted.has(e.correlationId))).toEqual([]);
    expect(seen.enable?.out).toMatch(/^strategy enable: steady-flow of paper-1 ENABLED by bob/);
    expect(seen.enableAgain).toMatchObject({ code: 1, err: expect.stringMatching(/^strategy enable refused \(NOT_DISABLED\)/) });
  });
});
