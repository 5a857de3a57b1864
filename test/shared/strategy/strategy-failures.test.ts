// A strategy's failures in the host: every error and timeout counted and logged, the strategy disabled (and
// on-call paged) at exactly maxConsecutiveFailures in a row, the count reset by a tick that runs. In process
// with a manual clock; a timeout is an answer that never comes, abandoned by a real (tiny) budget.
import { describe, expect, it } from 'vitest';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { RecordingPager } from '../../../local/recording-pager';
import { DETAIL_TYPES, type DomainEvent } from '../../../shared/events/catalog';
import type { Page } from '../../../shared/ports/pager';
import type { StrategyRunner } from '../../../shared/ports/strategy-runner';
import { StrategyHost, type StrategyHostDuties } from '../../../shared/strategy/strategy-host';
import { STRATEGY_METRICS } from '../../../shared/strategy/strategy-metrics';
import { ManualClock, RecordingBus } from '../../support/fixtures';
import { BreachRefusingBus, RecordingLog, scripted, type Step } from '../../support/strategy-doubles';

const LIMITS = { tickBudgetMs: 20, maxConsecutiveFailures: 3 };

const hostWith = (duties: Partial<StrategyHostDuties> = {}) => {
  const { strategy, state } = scripted();
  const bus = new RecordingBus();
  const telemetry = new InMemoryTelemetry();
  const log = new RecordingLog();
  const pager = new RecordingPager();
  const clock = new ManualClock();
  const host = new StrategyHost({ strategy, account: 'acct-1', runId: 'run-1', bus, clock, telemetry, limits: LIMITS, log, pager, ...duties });
  const tick = async (step: Step) => {
    state.next = step;
    clock.advance(100);
    return host.onTicks([{ symbol: 'AAPL', price: '100.00', at: new Date(clock.now()).toISOString() }]);
  };
  const ticks = async (...steps: Step[]) => {
    for (const step of steps) await tick(step);
  };
  return { host, state, bus, telemetry, log, pager, tick, ticks };
};

const intents = (events: readonly DomainEvent[]) => events.filter((e) => e.detailType === DETAIL_TYPES.OrderIntended);

describe('strategy failures in the host', () => {
  it('counts and logs every error, the first with its stack in full and later ones by name and message only', async () => {
    const { host, telemetry, log, ticks } = hostWith({ limits: { tickBudgetMs: 20, maxConsecutiveFailures: 10 } });
    await ticks('throw', 'throw');
    expect(telemetry.countOf(STRATEGY_METRICS.failed, { strategy: 'scripted' })).toBe(2);
    expect(log.errors.map((e) => e.message)).toEqual(['strategy scripted failed: Error: failure 1', 'strategy scripted failed: Error: failure 2']);
    expect(log.errors[0]?.attributes).toMatchObject({ strategy: 'scripted', error: 'Error', consecutive: 1, stack: expect.stringMatching(/^Error: failure 1\n\s+at /) });
    expect(log.errors[1]?.attributes).not.toHaveProperty('stack');
    expect(host.stats()).toEqual({ ticks: 2, intents: 0, errors: 2, timeouts: 0, disabled: false });
  });

  it('abandons a batch not answered within the budget, counting and logging it as a timeout', async () => {
    const { host, telemetry, log, tick } = hostWith();
    expect(await tick('hang')).toBe(0);
    expect(telemetry.countOf(STRATEGY_METRICS.timedOut, { strategy: 'scripted' })).toBe(1);
    expect(log.errors).toEqual([{ message: 'strategy scripted timed out: no answer within 20 ms', attributes: { strategy: 'scripted', budgetMs: 20, consecutive: 1 } }]);
    expect(host.stats()).toEqual({ ticks: 1, intents: 0, errors: 0, timeouts: 1, disabled: false });
  });

  it('counts an answer that is not a list as an error, and junk entries as invalid proposals of a tick that ran', async () => {
    const { host, bus, telemetry, tick } = hostWith();
    expect(await tick('not-a-list')).toBe(0);
    expect(await tick('junk')).toBe(1);
    expect(telemetry.countOf(STRATEGY_METRICS.proposalInvalid, { strategy: 'scripted' })).toBe(2);
    expect(intents(bus.events)).toHaveLength(1);
    expect(host.stats()).toEqual({ ticks: 2, intents: 1, errors: 1, timeouts: 0, disabled: false });
  });

  it('disables the strategy at exactly maxConsecutiveFailures errors or timeouts in a row, not one before, and pages on-call once', async () => {
    const { host, pager, telemetry, log, ticks } = hostWith();
    await ticks('throw', 'hang');
    expect(host.disabled).toBe(false);
    expect(pager.pages).toEqual([]);
    await ticks('throw');
    expect(host.disabled).toBe(true);
    expect(telemetry.countOf(STRATEGY_METRICS.disabled, { strategy: 'scripted' })).toBe(1);
    expect(log.errors.at(-1)?.message).toBe('strategy scripted disabled on acct-1: 3 consecutive failures');
    expect(pager.pages).toEqual<Page[]>([
      {
        severity: 'warning',
        account: 'acct-1',
        subject: 'strategy scripted disabled on acct-1: 3 consecutive failures',
        message: expect.stringContaining('after 3 consecutive errors or timeouts (2 errors and 1 timeouts in all; the last: Error: failure 3)') as string,
        correlationId: 'strategy-disabled:run-1:scripted',
      },
    ]);
    await ticks('throw', 'throw');
    expect(pager.pages).toHaveLength(1);
  });

  it('resets the count on a tick that runs: failures that never reach the limit in a row never disable', async () => {
    const { host, ticks } = hostWith();
    await ticks('throw', 'hang', 'ok', 'throw', 'throw', 'ok', 'hang', 'hang');
    expect(host.stats()).toEqual({ ticks: 8, intents: 2, errors: 3, timeouts: 3, disabled: false });
    await ticks('throw');
    expect(host.disabled).toBe(true);
  });

  it('runs a disabled strategy no more: it is not called, publishes nothing and its tally stays', async () => {
    const { host, state, bus, ticks } = hostWith();
    await ticks('ok', 'throw', 'throw', 'throw');
    const calls = state.calls;
    await ticks('ok', 'ok');
    expect(state.calls).toBe(calls);
    expect(intents(bus.events)).toHaveLength(1);
    expect(host.stats()).toEqual({ ticks: 4, intents: 1, errors: 3, timeouts: 0, disabled: true });
  });

  it('sends the page again on later ticks while the pager fails, until it goes out, and only then', async () => {
    let refusals = 2;
    const pager = new (class extends RecordingPager {
      override async page(page: Page): Promise<void> {
        if (refusals-- > 0) throw new Error('SNS down');
        await super.page(page);
      }
    })();
    const { telemetry, ticks } = hostWith({ pager });
    await ticks('throw', 'throw', 'throw');
    expect(pager.pages).toHaveLength(0);
    await ticks('ok');
    expect(pager.pages).toHaveLength(0);
    expect(telemetry.countOf(STRATEGY_METRICS.disabledPageFailed, { strategy: 'scripted' })).toBe(2);
    await ticks('ok', 'ok');
    expect(pager.pages).toHaveLength(1);
  });

  it('sends a runaway breach the bus refused on the next tick even when the strategy fails on it', async () => {
    const bus = new BreachRefusingBus();
    const { host, ticks } = hostWith({ bus, intentRate: { maxIntents: 1, windowMs: 60_000 } });
    await ticks('ok', 'ok');
    expect(host.runaway?.published).toBe(false);
    bus.refusing = false;
    await ticks('throw');
    expect(host.runaway?.published).toBe(true);
    expect(bus.ofType(DETAIL_TYPES.RiskBreach)).toHaveLength(1);
  });

  it('learns the name of a strategy behind a runner at start, and rejects start and onTicks when it cannot start', async () => {
    const refusing: StrategyRunner = {
      start: () => Promise.reject(new Error('cannot load strategy x.ts: not found')),
      runTicks: () => Promise.resolve({ kind: 'proposals', proposals: [] }),
      stop: () => Promise.resolve(),
    };
    const duties = { account: 'acct-1', runId: 'run-1', bus: new RecordingBus(), clock: new ManualClock(), telemetry: new InMemoryTelemetry() };
    const host = new StrategyHost({ ...duties, runner: refusing });
    expect(() => host.name).toThrow('the strategy has not started');
    await expect(host.start()).rejects.toThrow('cannot load strategy x.ts: not found');
    await expect(host.onTicks([])).rejects.toThrow('cannot load strategy x.ts: not found');

    const { strategy } = scripted('named-later');
    const started = new StrategyHost({ ...duties, runner: { start: async () => strategy.name, runTicks: async () => ({ kind: 'timeout' }), stop: async () => {} } });
    await expect(started.start()).resolves.toBe('named-later');
    expect(started.name).toBe('named-later');
  });

  it('refuses limits without a positive budget or a positive integer failure count', () => {
    expect(() => hostWith({ limits: { tickBudgetMs: 0, maxConsecutiveFailures: 3 } })).toThrow(RangeError);
    expect(() => hostWith({ limits: { tickBudgetMs: 20, maxConsecutiveFailures: 0 } })).toThrow(RangeError);
    expect(() => hostWith({ limits: { tickBudgetMs: 20, maxConsecutiveFailures: 2.5 } })).toThrow(RangeError);
  });
});
