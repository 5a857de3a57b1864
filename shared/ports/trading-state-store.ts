// The trading state's storage port: the account's state and the kill switch's activation record. Every
// change of the state is conditional on the states it may start from and written with its audit entry in
// one write, so two racing changes cannot both win and none goes unrecorded.
import type { StateChangeOutcome, TradingStateChange } from '../trading-state/state-change';
import type { TradingState } from '../trading-state/trading-state';

/** The trading state with who last wrote it and when (the activator of a KILLED set by the breaker). */
export interface TradingStateRecord {
  state: TradingState | undefined;
  updatedBy?: string;
  updatedAt?: string;
}

export interface KillSwitchActivation {
  activatedBy: string;
  reason: string;
  /** ISO-8601. */
  at: string;
  requestId: string;
}

export interface KillSwitchRelease {
  releasedBy: string;
  reason: string;
  at: string;
  requestId: string;
}

export interface KillSwitchRecord extends KillSwitchActivation {
  account: string;
  release?: KillSwitchRelease;
}

export interface TradingStateStore {
  /** Strongly consistent: read immediately before talking to the broker. */
  getTradingState(account: string): Promise<TradingState | undefined>;
  /** Strongly consistent. */
  getTradingStateRecord(account: string): Promise<TradingStateRecord>;
  /**
   * Moves the account's trading state if it is in one of `change.from` (any, when empty), with its audit
   * entry, in one conditional write: 'unchanged' when already there, 'refused' when in another state.
   */
  changeTradingState(change: TradingStateChange): Promise<StateChangeOutcome>;
  /**
   * Stores who activated the kill switch, unless an activation not yet released is stored: 'exists' then,
   * and the first activator is kept (release is judged against the person who pulled the switch).
   */
  recordKillSwitch(account: string, record: KillSwitchActivation): Promise<'recorded' | 'exists'>;
  /** Strongly consistent. */
  getKillSwitch(account: string): Promise<KillSwitchRecord | undefined>;
  /** Marks the stored activation released; 'not-active' when there is none to release. */
  releaseKillSwitch(account: string, release: KillSwitchRelease): Promise<'released' | 'not-active'>;
}
