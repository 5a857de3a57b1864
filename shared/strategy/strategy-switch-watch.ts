// The feed's view of the per-strategy switches: read on a cadence from the store and applied to the strategy
// hosts, so a strategy a person switched off is no longer called (the risk function denies its intents whatever
// the host does). Invariants: never throws; a failed read keeps the switches last read, counted and logged.
import type { Log } from '../ports/log';
import type { StrategySwitchStore } from '../ports/strategy-switch-store';
import type { Telemetry } from '../ports/telemetry';
import { STRATEGY_METRICS } from './strategy-metrics';
import type { StrategyHosts } from './strategy-hosts';

/** How often the feed reads the switches: a switched-off strategy stops being called within about this long. */
export const STRATEGY_SWITCH_READ_MS = 1_000;

export interface StrategySwitchWatchOptions {
  account: string;
  store: Pick<StrategySwitchStore, 'getStrategySwitches'>;
  hosts: Pick<StrategyHosts, 'applySwitches'>;
  telemetry: Telemetry;
  log: Log;
}

export class StrategySwitchWatch {
  constructor(private readonly options: StrategySwitchWatchOptions) {}

  /** Reads the switches once and applies them. */
  async refresh(): Promise<void> {
    const { account, store, hosts, telemetry, log } = this.options;
    let switches;
    try {
      switches = await store.getStrategySwitches(account);
    } catch (error) {
      telemetry.count(STRATEGY_METRICS.switchesUnread);
      log.error('strategy switches not read: keeping the last ones read', { account, error: error instanceof Error ? error.message : String(error) });
      return;
    }
    const changed = hosts.applySwitches(switches);
    for (const strategy of changed.off) {
      telemetry.count(STRATEGY_METRICS.switchedOff, { strategy });
      log.info('strategy switched off: no longer called', { account, strategy, by: switches[strategy]?.changedBy, reason: switches[strategy]?.reason });
    }
    for (const strategy of changed.on) {
      telemetry.count(STRATEGY_METRICS.switchedOn, { strategy });
      log.info('strategy switched on: called again', { account, strategy, by: switches[strategy]?.changedBy });
    }
  }
}
