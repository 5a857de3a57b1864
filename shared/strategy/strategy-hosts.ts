// Several strategies on the same ticks, each behind its own runner and host: they run side by side, each
// bounded by its budget, so one that fails, hangs or is disabled costs the others nothing. Names must be
// distinct (they are the telemetry dimension and the report's key); with more than one strategy each host's
// run id gets the strategy's position as a suffix, so intent ids stay unique and deterministic.
import type { Log } from '../ports/log';
import type { Pager } from '../ports/pager';
import type { MarketTick, StrategyRunner } from '../ports/strategy-runner';
import type { StrategyLimits } from './strategy-failures';
import { StrategyHost, type StrategyHostDuties, type StrategyStats } from './strategy-host';
import { isStrategyDisabled, type StrategySwitch } from '../strategy-switch/switch-state';

export type { StrategyStats } from './strategy-host';

export interface StrategyHostsOptions extends Omit<StrategyHostDuties, 'limits' | 'log' | 'pager'> {
  /** One runner per strategy, in a fixed order (it numbers the run ids). */
  runners: readonly StrategyRunner[];
  limits: StrategyLimits;
  log: Log;
  pager: Pager;
}

export class StrategyHosts {
  readonly hosts: readonly StrategyHost[];

  constructor(options: StrategyHostsOptions) {
    const { runners, runId, ...duties } = options;
    if (runners.length === 0) throw new RangeError('at least one strategy runner is needed');
    this.hosts = runners.map((runner, i) => new StrategyHost({ ...duties, runner, runId: runners.length === 1 ? runId : `${runId}-${i + 1}` }));
  }

  /**
   * Starts every strategy; resolves with their names. When one cannot start (or two share a name) every
   * runner is stopped and the first reason is thrown: a run does not begin with part of its strategies.
   */
  async start(): Promise<string[]> {
    const started = await Promise.allSettled(this.hosts.map((host) => host.start()));
    const failed = started.find((result) => result.status === 'rejected');
    const names = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const clash = names.find((name, i) => names.indexOf(name) !== i);
    if (failed || clash !== undefined) {
      await this.stop();
      throw failed ? failed.reason : new RangeError(`two strategies are named ${clash}: names must be distinct`);
    }
    return names;
  }

  /**
   * Runs the ticks through every host at once; resolves with the intents published. A bus failure in one host
   * is rethrown once all have finished, so no strategy misses the batch because of another's.
   */
  async onTicks(ticks: readonly MarketTick[]): Promise<number> {
    const results = await Promise.allSettled(this.hosts.map((host) => host.onTicks(ticks)));
    let intents = 0;
    for (const result of results) {
      if (result.status === 'rejected') throw result.reason;
      intents += result.value;
    }
    return intents;
  }

  /**
   * Applies the account's strategy switches (by strategy name, as stored): a DISABLED strategy is called no more,
   * one enabled again resumes with the next ticks. Returns the names whose state changed.
   */
  applySwitches(switches: Readonly<Record<string, StrategySwitch>>): { off: string[]; on: string[] } {
    const changed = { off: [] as string[], on: [] as string[] };
    for (const host of this.hosts) {
      let name: string;
      try {
        name = host.name;
      } catch {
        continue; // not started: its switch applies once the next read finds it named
      }
      const off = isStrategyDisabled(switches[name]);
      if (off === host.switchedOff) continue;
      host.switchedOff = off;
      (off ? changed.off : changed.on).push(name);
    }
    return changed;
  }

  /** Each strategy's tally, by name (after start). */
  stats(): Record<string, StrategyStats> {
    return Object.fromEntries(this.hosts.map((host) => [host.name, host.stats()]));
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.stop()));
  }
}
