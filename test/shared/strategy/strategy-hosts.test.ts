// Several strategies on the same ticks: each in its own host and runner, so one that fails, hangs or is
// disabled costs the others nothing; each reported on its own; their intent ids never collide.
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { WorkerStrategyRunner } from '../../../adapters/strategy/worker-strategy-runner';
import { RecordingPager } from '../../../local/recording-pager';
import { DETAIL_TYPES, DETAIL_SCHEMAS, type DomainEvent } from '../../../shared/events/catalog';
import type { StrategyRunner } from '../../../shared/ports/strategy-runner';
import { InProcessStrategyRunner } from '../../../shared/strategy/in-process-strategy-runner';
import { StrategyHosts } from '../../../shared/strategy/strategy-hosts';
import { ManualClock, RecordingBus } from '../../support/fixtures';
import { RecordingLog, scripted } from '../../support/strategy-doubles';

const tick = (clock: ManualClock) => [{ symbol: 'AAPL', price: '100.00', at: new Date(clock.now()).toISOString() }];

const hostsOver = (runners: StrategyRunner[], limits = { tickBudgetMs: 20, maxConsecutiveFailures: 3 }) => {
  const bus = new RecordingBus();
  const clock = new ManualClock();
  const pager = new RecordingPager();
  const hosts = new StrategyHosts({ runners, account: 'acct-1', runId: 'run-1', bus, clock, telemetry: new InMemoryTelemetry(), limits, log: new RecordingLog(), pager });
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) {
      clock.advance(100);
      await hosts.onTicks(tick(clock));
    }
  };
  return { hosts, bus, pager, ticks };
};

const intentsBy = (events: readonly DomainEvent[], strategy: string) =>
  events
    .filter((e) => e.detailType === DETAIL_TYPES.OrderIntended)
    .map((e) => DETAIL_SCHEMAS[DETAIL_TYPES.OrderIntended].parse(e.detail))
    .filter((d) => d.meta.strategy === strategy)
    .map((d) => d.data.intentId);

const spy = (runner: StrategyRunner) => {
  const seen = { stopped: false };
  const wrapped: StrategyRunner = {
    start: () => runner.start(),
    runTicks: (...args) => runner.runTicks(...args),
    stop: async () => {
      seen.stopped = true;
      await runner.stop();
    },
  };
  return { wrapped, seen };
};

describe('strategy hosts', () => {
  it('runs every strategy on the same ticks: a failing one is disabled and paged while the other goes on publishing', async () => {
    const failing = scripted('failing');
    failing.state.next = 'throw';
    const steady = scripted('steady');
    const { hosts, bus, pager, ticks } = hostsOver([new InProcessStrategyRunner(failing.strategy), new InProcessStrategyRunner(steady.strategy)]);
    await expect(hosts.start()).resolves.toEqual(['failing', 'steady']);
    await ticks(5);
    expect(hosts.stats()).toEqual({
      failing: { ticks: 3, intents: 0, errors: 3, timeouts: 0, disabled: true },
      steady: { ticks: 5, intents: 5, errors: 0, timeouts: 0, disabled: false },
    });
    expect(pager.pages.map((p) => p.subject)).toEqual(['strategy failing disabled on acct-1: 3 consecutive failures']);
    expect(intentsBy(bus.events, 'steady')).toHaveLength(5);
  });

  it("gives each strategy's host its own run id when several run, so intent ids never collide; one strategy keeps the run id", async () => {
    const { hosts, bus, ticks } = hostsOver([new InProcessStrategyRunner(scripted('a').strategy), new InProcessStrategyRunner(scripted('b').strategy)]);
    await hosts.start();
    await ticks(2);
    expect(intentsBy(bus.events, 'a')).toEqual(['run-1-1-1', 'run-1-1-2']);
    expect(intentsBy(bus.events, 'b')).toEqual(['run-1-2-1', 'run-1-2-2']);

    const single = hostsOver([new InProcessStrategyRunner(scripted('only').strategy)]);
    await single.hosts.start();
    await single.ticks(1);
    expect(intentsBy(single.bus.events, 'only')).toEqual(['run-1-1']);
  });

  it('refuses two strategies of one name at start, stopping every runner', async () => {
    const first = spy(new InProcessStrategyRunner(scripted('twin').strategy));
    const second = spy(new InProcessStrategyRunner(scripted('twin').strategy));
    await expect(hostsOver([first.wrapped, second.wrapped]).hosts.start()).rejects.toThrow('two strategies are named twin: names must be distinct');
    expect([first.seen.stopped, second.seen.stopped]).toEqual([true, true]);
  });

  it('rethrows the reason a strategy cannot start after stopping the others: a run never begins with part of them', async () => {
    const fine = spy(new InProcessStrategyRunner(scripted('fine').strategy));
    const broken: StrategyRunner = { start: () => Promise.reject(new Error('cannot load strategy x.ts: not found')), runTicks: async () => ({ kind: 'timeout' }), stop: async () => {} };
    await expect(hostsOver([fine.wrapped, broken]).hosts.start()).rejects.toThrow('cannot load strategy x.ts: not found');
    expect(fine.seen.stopped).toBe(true);
  });

  it('lets every host run the batch before a bus failure in one of them is rethrown', async () => {
    const a = scripted('a');
    const b = scripted('b');
    const bus = new (class extends RecordingBus {
      override async publish(batch: readonly DomainEvent[]): Promise<void> {
        if (batch.some((e) => (e.detail as { meta: { strategy: string } }).meta.strategy === 'a')) throw new Error('bus down');
        await super.publish(batch);
      }
    })();
    const hosts = new StrategyHosts({
      runners: [new InProcessStrategyRunner(a.strategy), new InProcessStrategyRunner(b.strategy)],
      account: 'acct-1',
      runId: 'run-1',
      bus,
      clock: new ManualClock(),
      telemetry: new InMemoryTelemetry(),
      limits: { tickBudgetMs: 20, maxConsecutiveFailures: 3 },
      log: new RecordingLog(),
      pager: new RecordingPager(),
    });
    await hosts.start();
    await expect(hosts.onTicks(tick(new ManualClock()))).rejects.toThrow('bus down');
    expect([a.state.calls, b.state.calls]).toEqual([1, 1]);
    expect(intentsBy(bus.events, 'b')).toHaveLength(1);
  });

  describe('with worker threads', () => {
    const runners: WorkerStrategyRunner[] = [];
    afterEach(async () => {
      await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    });
    const worker = (module: string) => {
      const runner = new WorkerStrategyRunner({ modulePath: `test/support/strategies/${module}.ts`, strategyOptions: { seed: 1, symbols: ['AAPL'] } });
      runners.push(runner);
      return runner;
    };

    it('disables a strategy stuck in a loop after its timeouts, pages on-call, and the other strategy answers every batch', async () => {
      // The budget is generous for the strategy that answers (a loaded machine must not time it out), and
      // the stuck one times out whatever it is.
      const { hosts, pager, ticks } = hostsOver([worker('looping'), worker('counting')], { tickBudgetMs: 1_000, maxConsecutiveFailures: 2 });
      await hosts.start();
      await ticks(4);
      expect(hosts.stats()).toEqual({
        looping: { ticks: 2, intents: 0, errors: 0, timeouts: 2, disabled: true },
        counting: { ticks: 4, intents: 4, errors: 0, timeouts: 0, disabled: false },
      });
      expect(pager.pages.map((p) => p.subject)).toEqual(['strategy looping disabled on acct-1: 2 consecutive failures']);
    });
  });
});
