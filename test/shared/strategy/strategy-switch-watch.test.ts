// The feed honours the per-strategy switches: read from DynamoDB Local and applied to the strategy hosts, a
// strategy switched off is no longer called while the account's other strategies go on, and it is called again
// once switched on; a failed read keeps the switches last read.
import { beforeEach, describe, expect, it } from 'vitest';
import type { TradingStores } from '../../../adapters/dynamodb/dynamo-stores';
import { InMemoryTelemetry } from '../../../adapters/memory/in-memory-telemetry';
import { RecordingPager } from '../../../local/recording-pager';
import { auditEntry } from '../../../shared/audit/audit-entry';
import { InProcessStrategyRunner } from '../../../shared/strategy/in-process-strategy-runner';
import { STRATEGY_METRICS } from '../../../shared/strategy/strategy-metrics';
import { StrategyHosts } from '../../../shared/strategy/strategy-hosts';
import { StrategySwitchWatch } from '../../../shared/strategy/strategy-switch-watch';
import { freshStores } from '../../support/dynamo';
import { ACCOUNT, ManualClock, RecordingBus } from '../../support/fixtures';
import { RecordingLog, scripted } from '../../support/strategy-doubles';

let stores: TradingStores;
beforeEach(async () => {
  ({ stores } = await freshStores());
});

const world = () => {
  const clock = new ManualClock();
  const telemetry = new InMemoryTelemetry();
  const log = new RecordingLog();
  const runaway = scripted('runaway');
  const steady = scripted('steady');
  const hosts = new StrategyHosts({
    runners: [new InProcessStrategyRunner(runaway.strategy), new InProcessStrategyRunner(steady.strategy)],
    account: ACCOUNT,
    runId: 'run-1',
    bus: new RecordingBus(),
    clock,
    telemetry,
    limits: { tickBudgetMs: 50, maxConsecutiveFailures: 3 },
    log,
    pager: new RecordingPager(),
  });
  const tick = async () => {
    clock.advance(100);
    await hosts.onTicks([{ symbol: 'AAPL', price: '100.00', at: new Date(clock.now()).toISOString() }]);
  };
  return { hosts, runaway, steady, tick, telemetry, log };
};

const flip = (strategy: string, status: 'ENABLED' | 'DISABLED', n: number) =>
  stores.strategySwitchStore.changeStrategySwitch(
    ACCOUNT,
    strategy,
    { status, changedBy: 'alice.ops', reason: 'drill', changedAt: '2026-11-23T15:00:00.000Z' },
    auditEntry({ account: ACCOUNT, occurredAt: '2026-11-23T15:00:00.000Z', kind: status === 'DISABLED' ? 'STRATEGY_DISABLED' : 'STRATEGY_ENABLED', actor: 'alice.ops', correlationId: `req-${n}`, causationId: 'test', detail: {} }),
  );

describe('the strategy switch watch', () => {
  it('stops calling a strategy switched off while the other goes on, and calls it again once switched on', async () => {
    const w = world();
    await w.hosts.start();
    const watch = new StrategySwitchWatch({ account: ACCOUNT, store: stores.strategySwitchStore, hosts: w.hosts, telemetry: w.telemetry, log: w.log });
    await w.tick();
    await flip('runaway', 'DISABLED', 1);
    await watch.refresh();
    await w.tick();
    await w.tick();
    expect({ runaway: w.runaway.state.calls, steady: w.steady.state.calls }).toEqual({ runaway: 1, steady: 3 });
    expect(w.telemetry.countOf(STRATEGY_METRICS.switchedOff, { strategy: 'runaway' })).toBe(1);
    await flip('runaway', 'ENABLED', 2);
    await watch.refresh();
    await w.tick();
    expect({ runaway: w.runaway.state.calls, steady: w.steady.state.calls }).toEqual({ runaway: 2, steady: 4 });
    expect(w.telemetry.countOf(STRATEGY_METRICS.switchedOn, { strategy: 'runaway' })).toBe(1);
  });

  it('keeps the switches last read when a read fails, and counts the failure', async () => {
    const w = world();
    await w.hosts.start();
    await flip('runaway', 'DISABLED', 1);
    let failing = false;
    const store = { getStrategySwitches: (account: string) => (failing ? Promise.reject(new Error('throttled')) : stores.strategySwitchStore.getStrategySwitches(account)) };
    const watch = new StrategySwitchWatch({ account: ACCOUNT, store, hosts: w.hosts, telemetry: w.telemetry, log: w.log });
    await watch.refresh();
    failing = true;
    await expect(watch.refresh()).resolves.toBeUndefined();
    await w.tick();
    expect(w.runaway.state.calls).toBe(0);
    expect(w.telemetry.countOf(STRATEGY_METRICS.switchesUnread)).toBe(1);
  });
});
