// The strategy switches' storage port: each strategy's ENABLED / DISABLED switch, changed only with its audit
// entry in the same write and only from the other status, so a repeated or racing change writes nothing.
import type { AuditEntry } from '../audit/audit-entry';
import type { StrategySwitch } from '../strategy-switch/switch-state';

export interface StrategySwitchStore {
  /**
   * Writes `next` with `audit` in one conditional write: 'changed' when the stored status was the other one (a
   * strategy never switched counts as ENABLED), 'unchanged' (nothing written) when it already was `next.status`.
   */
  changeStrategySwitch(account: string, strategy: string, next: StrategySwitch, audit: AuditEntry): Promise<'changed' | 'unchanged'>;
  /** Strongly consistent: every switch of the account, by strategy (a never-switched strategy is absent; see readStrategySwitch). */
  getStrategySwitches(account: string): Promise<Record<string, StrategySwitch>>;
}
