// Cash reconciliation rules, pure: when a difference is a break and when the table's cash is set to the
// broker's. The broker is the source of truth; exact decimals throughout (a difference equal to the
// tolerance is allowed, anything beyond it is a break).
import type { ReconciliationBreak } from '../events/reconciliation-events';
import { dec, toDecimalString } from '../money/decimal';

export const DEFAULT_CASH_TOLERANCE = '0.01';

/** A CASH_MISMATCH break when the two figures differ by more than `tolerance`, else undefined. */
export const diffCash = (brokerCash: string, localCash: string, tolerance = DEFAULT_CASH_TOLERANCE): ReconciliationBreak | undefined => {
  const broker = dec(brokerCash);
  const local = dec(localCash);
  if (!broker.minus(local).abs().gt(dec(tolerance))) return undefined;
  return {
    kind: 'CASH_MISMATCH',
    brokerCash: toDecimalString(broker),
    localCash: toDecimalString(local),
    message: `broker holds ${toDecimalString(broker)} cash, the table ${toDecimalString(local)} (difference ${toDecimalString(broker.minus(local))})`,
  };
};

export interface CashSituation {
  brokerCash: string;
  localCash: string;
  /** The account's cash was never set from the broker (no cashSyncedAt). */
  firstSync: boolean;
  /**
   * Every fill the broker made is booked: no local order can still fill, nothing is in flight on the book,
   * and this run read every order and position without a failure or a break. Only then is a cash difference
   * the broker's own movement (fees, interest, deposits) rather than a fill the table has yet to book.
   */
  quiescent: boolean;
}

export interface CashPlan {
  /** The break to report, if any: never on the first sync, which adopts the broker's figure. */
  mismatch: ReconciliationBreak | undefined;
  /**
   * Set the table's cash to the broker's, only when quiescent: on the first sync (which also stamps
   * cashSyncedAt, even when the figures agree) and whenever they differ. Adopting the broker's cash while a
   * fill is unbooked would count that fill twice once it is booked.
   */
  sync: boolean;
}

export const planCash = (situation: CashSituation, tolerance = DEFAULT_CASH_TOLERANCE): CashPlan => {
  const differs = !dec(situation.brokerCash).eq(dec(situation.localCash));
  return {
    mismatch: situation.firstSync ? undefined : diffCash(situation.brokerCash, situation.localCash, tolerance),
    sync: situation.quiescent && (situation.firstSync || differs),
  };
};
