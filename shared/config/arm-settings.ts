// What arming a brought-up account needs from the environment's configuration: its accounts, the symbols its
// feed subscribes to with their markets' hours, and the limits the feed's heartbeat and marks are judged by
// (the dead-man switch's heartbeat limit, the risk function's mark age), so POST /arm and the controls agree.
import type { ArmDeps } from '../bring-up/account-bring-up';
import { resolveDeadManSwitchConfig } from '../dead-man-switch/dead-man-switch-config';
import { marketHours } from '../feed/market-hours';
import type { EnvironmentConfig } from './environments';

export type ArmSettings = Pick<ArmDeps, 'accounts' | 'symbols' | 'isOpen' | 'maxHeartbeatAgeMs' | 'maxMarkAgeMs'>;

/** `symbols` overrides the configured market's (the local session trades the simulated market's). */
export const armSettingsFor = (config: EnvironmentConfig, symbols: readonly string[] = config.market?.symbols ?? []): ArmSettings => ({
  accounts: config.accounts,
  symbols,
  isOpen: marketHours(config.riskLimits.sessions),
  maxHeartbeatAgeMs: resolveDeadManSwitchConfig(config.deadManSwitch).maxHeartbeatAgeSeconds * 1000,
  maxMarkAgeMs: config.riskLimits.priceCollar.markMaxAgeMs,
});
