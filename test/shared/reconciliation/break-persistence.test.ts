// Specification of how long a break has persisted: counted against the account's previous run, by kind and
// what the break is about (symbol, order), never by its message; a rerun never counts itself.
import { describe, expect, it } from 'vitest';
import type { ReconciliationBreak } from '../../../shared/events/reconciliation-events';
import { breakKey, countConsecutiveRuns } from '../../../shared/reconciliation/break-persistence';

const unreachable = (message = 'broker unavailable: positions: 503'): ReconciliationBreak => ({ kind: 'BROKER_UNREACHABLE', message });
const mismatch = (symbol: string, brokerQuantity = '10'): ReconciliationBreak => ({ kind: 'QUANTITY_MISMATCH', symbol, brokerQuantity, localQuantity: '5', message: `${symbol} differs` });

describe('consecutive runs of a break', () => {
  it('counts a break the previous run did not report (or with no previous run) as its first run', () => {
    expect(countConsecutiveRuns([unreachable()], undefined, 'run-1')[0]?.consecutiveRuns).toBe(1);
    expect(countConsecutiveRuns([unreachable()], { runId: 'run-1', breaks: [mismatch('AAPL')] }, 'run-2')[0]?.consecutiveRuns).toBe(1);
  });

  it('counts one more than the previous run for the same kind, even when the message changed', () => {
    const previous = { runId: 'run-1', breaks: [{ ...unreachable('broker unavailable: account: timeout'), consecutiveRuns: 1 }] };
    expect(countConsecutiveRuns([unreachable()], previous, 'run-2')).toEqual([{ ...unreachable(), consecutiveRuns: 2 }]);
    const third = { runId: 'run-2', breaks: [{ ...unreachable(), consecutiveRuns: 2 }] };
    expect(countConsecutiveRuns([unreachable()], third, 'run-3')[0]?.consecutiveRuns).toBe(3);
  });

  it('counts a cash break as persisting only while the difference stays the same, since fills in transit change it', () => {
    const cash = (brokerCash: string, localCash: string): ReconciliationBreak => ({ kind: 'CASH_MISMATCH', brokerCash, localCash, message: 'cash differs' });
    const previous = { runId: 'run-1', breaks: [{ ...cash('1000', '990'), consecutiveRuns: 1 }] };
    expect(countConsecutiveRuns([cash('1500.00', '1490')], previous, 'run-2')[0]?.consecutiveRuns).toBe(2);
    expect(countConsecutiveRuns([cash('1000', '985')], previous, 'run-2')[0]?.consecutiveRuns).toBe(1);
  });

  it('tells breaks of one kind apart by symbol', () => {
    const previous = { runId: 'run-1', breaks: [{ ...mismatch('AAPL'), consecutiveRuns: 1 }] };
    const counted = countConsecutiveRuns([mismatch('AAPL', '11'), mismatch('MSFT')], previous, 'run-2');
    expect(counted.map((b) => [b.symbol, b.consecutiveRuns])).toEqual([
      ['AAPL', 2],
      ['MSFT', 1],
    ]);
  });

  it('tells order breaks apart by intent and broker order id', () => {
    const missing = (intentId: string): ReconciliationBreak => ({ kind: 'ORDER_MISSING_AT_BROKER', symbol: 'AAPL', intentId, brokerOrderId: `b-${intentId}`, message: 'missing' });
    expect(breakKey(missing('o-1'))).not.toBe(breakKey(missing('o-2')));
    const previous = { runId: 'run-1', breaks: [{ ...missing('o-1'), consecutiveRuns: 1 }] };
    expect(countConsecutiveRuns([missing('o-1'), missing('o-2')], previous, 'run-2').map((b) => b.consecutiveRuns)).toEqual([2, 1]);
  });

  it('starts again at 1 after a run that did not report the break (a clean run in between)', () => {
    const clean = { runId: 'run-2', breaks: [] };
    expect(countConsecutiveRuns([unreachable()], clean, 'run-3')[0]?.consecutiveRuns).toBe(1);
  });

  it('does not count a rerun of the same run (same run id) as the run before', () => {
    const firstAttempt = { runId: 'run-2', breaks: [{ ...unreachable(), consecutiveRuns: 2 }, { ...mismatch('AAPL'), consecutiveRuns: 1 }] };
    expect(countConsecutiveRuns([unreachable(), mismatch('AAPL')], firstAttempt, 'run-2').map((b) => b.consecutiveRuns)).toEqual([2, 1]);
  });

  it('counts a previous break stored without a count (an older run) as one run', () => {
    expect(countConsecutiveRuns([unreachable()], { runId: 'run-1', breaks: [unreachable()] }, 'run-2')[0]?.consecutiveRuns).toBe(2);
  });
});
