// Who stopped an account's trading, as the four-eyes rules (release, flatten) judge it: the writer of the
// stored state and when it wrote it; the kill switch's record counts only when it is the activation that wrote
// that state (same person, same moment, not released). Pure. Invariant: a record that does not explain the
// current state (left by an older kill) is never trusted, so it cannot name someone else as the activator or
// date the kill earlier than it happened.
import type { KillSwitchRecord, TradingStateRecord } from '../ports/trading-state-store';

export interface Stopper {
  /** The person or component that wrote the current state (the activator of a KILLED). */
  by: string;
  /** ISO-8601: when it was written (a reconciliation must complete after it). */
  at: string;
  /** The kill switch's activation that wrote it, if a person's kill did. */
  activation?: KillSwitchRecord;
}

/** Undefined when the state's writer or time is not recorded (the rules refuse then: fail closed). */
export const stoppedBy = (state: TradingStateRecord, record: KillSwitchRecord | undefined): Stopper | undefined => {
  if (!state.updatedBy || !state.updatedAt) return undefined;
  const explains = record !== undefined && !record.release && record.at === state.updatedAt && record.activatedBy === state.updatedBy;
  return { by: state.updatedBy, at: state.updatedAt, ...(explains ? { activation: record } : {}) };
};
