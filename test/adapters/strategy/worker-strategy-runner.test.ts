// The worker runner against real worker threads: whatever a strategy does on a tick batch (throw, loop for
// ever, answer garbage, take its time, end its thread), the caller gets an outcome and keeps running. Budgets
// are small where a timeout is the expected outcome and generous where an answer is; no test measures time.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StrategyLoadError } from '../../../adapters/strategy/strategy-module';
import { WorkerStrategyRunner } from '../../../adapters/strategy/worker-strategy-runner';
import type { MarketTick, TickOutcome } from '../../../shared/ports/strategy-runner';
import { VALID_ORDER } from '../../support/strategies/garbage';

const STRATEGIES = 'test/support/strategies';
/** Long enough that a batch which should be answered never times out on a loaded machine (or while a replacement loads). */
const GENEROUS_MS = 20_000;
const SHORT_MS = 100;

const runners: WorkerStrategyRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
});

const runnerFor = (module: string, stuckGraceMs?: number) => {
  const runner = new WorkerStrategyRunner({
    modulePath: `${STRATEGIES}/${module}.ts`,
    strategyOptions: { seed: 1, symbols: ['AAPL'] },
    ...(stuckGraceMs === undefined ? {} : { stuckGraceMs }),
  });
  runners.push(runner);
  return runner;
};

const ticksOf = (symbol: string): MarketTick[] => [{ symbol, price: '100.00', at: '2026-11-23T15:00:00.000Z' }];
const context = { account: 'acct-1', nowMs: Date.parse('2026-11-23T15:00:00.000Z') };
const run = (runner: WorkerStrategyRunner, symbol: string, budgetMs: number) => runner.runTicks(ticksOf(symbol), context, budgetMs);

const quantities = (outcome: TickOutcome) => (outcome.kind === 'proposals' ? outcome.proposals.map((p) => (p as { quantity: string }).quantity) : outcome.kind);

describe('the worker strategy runner', () => {
  it('loads the module in its own thread, names the strategy and answers batches with the same instance', async () => {
    const runner = runnerFor('counting');
    await expect(runner.start()).resolves.toBe('counting');
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['1']);
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['2']);
    expect(runner.restarts).toBe(0);
  });

  it('returns an error outcome with the message and the full stack for a strategy that throws on every batch, and keeps its worker', async () => {
    const runner = runnerFor('throwing');
    await runner.start();
    for (let i = 0; i < 3; i++) {
      const outcome = await run(runner, 'AAPL', GENEROUS_MS);
      expect(outcome).toMatchObject({ kind: 'error', fault: { name: 'Error', message: 'boom: this strategy always throws' } });
      expect(outcome.kind === 'error' && outcome.fault.stack).toMatch(/throwing\.ts/);
    }
    expect(runner.restarts).toBe(0);
  });

  it('abandons a batch that never returns as a timeout while the caller keeps running, then terminates and replaces the stuck worker', async () => {
    const runner = runnerFor('looping');
    await runner.start();
    let callerRan = false;
    setTimeout(() => (callerRan = true), 1);
    expect(await run(runner, 'AAPL', SHORT_MS)).toEqual({ kind: 'timeout' });
    // The caller's 1 ms timer fired while the strategy spun: the strategy is not on the caller's thread.
    expect(callerRan).toBe(true);
    await vi.waitFor(() => expect(runner.restarts).toBe(1), { timeout: GENEROUS_MS });
    // The replacement loops too: every batch is a timeout, none ever an answer.
    expect(await run(runner, 'AAPL', SHORT_MS)).toEqual({ kind: 'timeout' });
  });

  it('loses the strategy state with a stuck worker: the replacement starts counting afresh', async () => {
    const runner = runnerFor('counting');
    await runner.start();
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['1']);
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['2']);
    expect(await run(runner, 'HANG', SHORT_MS)).toEqual({ kind: 'timeout' });
    await vi.waitFor(() => expect(runner.restarts).toBe(1), { timeout: GENEROUS_MS });
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['1']);
  });

  it('drops a late answer: a batch answered after its budget stays a timeout and the next batch gets its own answer', async () => {
    const runner = runnerFor('slow', GENEROUS_MS);
    await runner.start();
    // 1 ms is less than the 50 ms the strategy always takes: abandoned, though the worker finishes it.
    expect(await run(runner, 'AAPL', 1)).toEqual({ kind: 'timeout' });
    const next = quantities(await run(runner, 'AAPL', GENEROUS_MS));
    expect(runner.restarts).toBe(0);
    // The worker kept its state: the abandoned batch counted as the first.
    expect(next).toEqual(['2']);
  });

  it('answers a slow strategy that finishes within its budget, batch after batch, with the same worker', async () => {
    const runner = runnerFor('slow');
    await runner.start();
    expect(quantities(await run(runner, 'AAPL', 2_000))).toEqual(['1']);
    expect(quantities(await run(runner, 'AAPL', 2_000))).toEqual(['2']);
    expect(runner.restarts).toBe(0);
  });

  it('hands garbage back for the host to reject, and turns an answer that is no list or cannot leave the worker into an error', async () => {
    const runner = runnerFor('garbage');
    await runner.start();
    const junk = await run(runner, 'AAPL', GENEROUS_MS);
    expect(junk.kind === 'proposals' && junk.proposals).toEqual([null, 42, 'sell', { symbol: 'AAPL', side: 'hold', quantity: '1' }, { ...VALID_ORDER, quantity: '-5' }, VALID_ORDER]);
    expect(await run(runner, 'NOT-A-LIST', GENEROUS_MS)).toMatchObject({ kind: 'error', fault: { name: 'StrategyAnswerInvalid', message: 'onTicks returned a string, not a list of orders' } });
    expect(await run(runner, 'UNCLONEABLE', GENEROUS_MS)).toMatchObject({ kind: 'error', fault: { name: 'StrategyAnswerInvalid', message: expect.stringMatching(/^its answer cannot leave the worker/) } });
    expect(runner.restarts).toBe(0);
  });

  it('reports a worker that ends itself as an error and replaces it with a fresh instance', async () => {
    const runner = runnerFor('counting');
    await runner.start();
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['1']);
    expect(await run(runner, 'EXIT', GENEROUS_MS)).toMatchObject({ kind: 'error', fault: { name: 'StrategyWorkerExited', message: "the strategy's worker exited (exit code 3)" } });
    expect(runner.restarts).toBe(1);
    expect(quantities(await run(runner, 'AAPL', GENEROUS_MS))).toEqual(['1']);
  });

  it('rejects start with a StrategyLoadError naming the path and why, from inside the worker', async () => {
    await expect(runnerFor('no-default').start()).rejects.toThrow(new StrategyLoadError(`${STRATEGIES}/no-default.ts`, 'the module has no default export'));
    const missing = runnerFor('does-not-exist').start();
    await expect(missing).rejects.toBeInstanceOf(StrategyLoadError);
    await expect(missing).rejects.toThrow(/^cannot load strategy test\/support\/strategies\/does-not-exist\.ts: not found/);
  });

  it('runs nothing once stopped: batches come back as errors and stopping again does nothing', async () => {
    const runner = runnerFor('counting');
    await runner.start();
    await runner.stop();
    await runner.stop();
    expect(await run(runner, 'AAPL', GENEROUS_MS)).toMatchObject({ kind: 'error', fault: { name: 'StrategyStopped' } });
    expect(runner.restarts).toBe(0);
  });
});
