// The trading state's storage port: the account's state and the kill switch's activation record. Every
// change of the state is conditional on the states it may start from and written with its audit entry in
// one write, so two racing changes cannot both win and none goes unrecorded. The kill switch's record moves
// in the same write as the state it explains: an activation that sets KILLED replaces the record, a release
// marks it released while moving KILLED → HALTED, so neither can be stored without the other.
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
  /** ISO-8601: when on-call was paged about this activation; absent until a page was sent. */
  pagedAt?: string;
}

/**
 * The kill switch's record, written in the state change's transaction:
 * - `activate`: the record is put (replacing any older one, released or not) when the change moves the
 *   state to KILLED; nothing is written when the account is already KILLED (the first activator is kept).
 * - `release`: the change (KILLED → HALTED) applies only while the state is still the KILLED written at
 *   `killedAt`, and, when `activationRequestId` is given, marks that unreleased activation released in the
 *   same transaction; either condition failing refuses the whole change.
 */
export type KillSwitchWrite =
  | { kind: 'activate'; activation: KillSwitchActivation }
  | { kind: 'release'; release: KillSwitchRelease; killedAt: string; activationRequestId?: string };

export interface TradingStateStore {
  /** Strongly consistent: read immediately before talking to the broker. */
  getTradingState(account: string): Promise<TradingState | undefined>;
  /** Strongly consistent. */
  getTradingStateRecord(account: string): Promise<TradingStateRecord>;
  /**
   * Moves the account's trading state if it is in one of `change.from` (any, when empty), with its audit
   * entry, in one conditional write: 'unchanged' when already there, 'refused' when in another state.
   */
  changeTradingState(change: TradingStateChange, killSwitch?: KillSwitchWrite): Promise<StateChangeOutcome>;
  /** Strongly consistent. */
  getKillSwitch(account: string): Promise<KillSwitchRecord | undefined>;
  /**
   * Stores that on-call was paged about the activation `requestId`; 'not-current' when the stored record is
   * another activation's (a newer one replaced it) or there is none.
   */
  markKillSwitchPaged(account: string, requestId: string, pagedAt: string): Promise<'marked' | 'not-current'>;
}
