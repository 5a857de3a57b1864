// How long a break has persisted: each break of a run is counted against the account's previous run (same
// kind and symbol/order), so the breaker can act only on breaks two consecutive runs saw. Pure. Invariant: a
// rerun of the same run (same run id) never counts itself as the run before.
import type { ReconciliationRecord } from '../ports/reconciliation-store';
import type { ReconciliationBreak } from '../events/reconciliation-events';
import { dec, toDecimalString } from '../money/decimal';

/**
 * What makes two runs' breaks "the same break": the kind and whatever it is about (symbol, order). The
 * message is left out: it carries figures and failure texts that change from run to run (a broker that
 * stays unreachable fails with other errors; a position mismatch may change size) while the break persists.
 * Cash is the exception: its difference is part of the key. While orders trade, the gap between the two
 * figures is mostly fills on their way to the table, and it changes from run to run; two runs seeing the
 * same gap is a cash break that stays. (A fill that is never booked also shows as a position break, keyed
 * by symbol; and once the account is quiescent, the table takes the broker's figure.)
 */
export const breakKey = (b: ReconciliationBreak): string =>
  [
    b.kind,
    b.symbol ?? '',
    b.intentId ?? '',
    b.brokerOrderId ?? '',
    b.kind === 'CASH_MISMATCH' && b.brokerCash !== undefined && b.localCash !== undefined ? toDecimalString(dec(b.brokerCash).minus(dec(b.localCash))) : '',
  ].join('|');

/**
 * Stamps every break with `consecutiveRuns`: 1 + the count the previous run stored for the same break, or 1
 * when the previous run did not report it (or there is none). When `previous` is an earlier attempt of this
 * very run (reruns reuse the run id), its counts already include this run, so one less is carried over.
 */
export const countConsecutiveRuns = (
  breaks: readonly ReconciliationBreak[],
  previous: Pick<ReconciliationRecord, 'runId' | 'breaks'> | undefined,
  runId: string,
): ReconciliationBreak[] => {
  const before = new Map<string, number>();
  for (const b of previous?.breaks ?? []) {
    // Stored counts come back from the table as numbers or numeric text; anything else counts as 1.
    const stored = Number(b.consecutiveRuns ?? 1);
    const runs = Number.isSafeInteger(stored) && stored > 0 ? stored : 1;
    before.set(breakKey(b), previous?.runId === runId ? runs - 1 : runs);
  }
  return breaks.map((b) => ({ ...b, consecutiveRuns: (before.get(breakKey(b)) ?? 0) + 1 }));
};
