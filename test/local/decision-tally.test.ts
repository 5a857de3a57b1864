// The risk decisions a local run tallies: approvals, denials by reason, and the latency of first decisions.
import { describe, expect, it } from 'vitest';
import { DecisionTally } from '../../local/decision-tally';

describe('the decision tally', () => {
  it('counts approvals and denials by reason', () => {
    const tally = new DecisionTally();
    tally.record({ outcome: 'approved', intentId: 'i-1', replayed: false }, 5);
    tally.record({ outcome: 'denied', intentId: 'i-2', reason: 'TRADING_HALTED', replayed: false }, 6);
    tally.record({ outcome: 'denied', intentId: 'i-3', reason: 'TRADING_HALTED', replayed: false }, 7);
    tally.record({ outcome: 'denied', intentId: 'i-4', reason: 'DUPLICATIVE_ORDER', replayed: false }, 8);
    expect(tally.approved).toBe(1);
    expect(tally.denied).toEqual({ TRADING_HALTED: 2, DUPLICATIVE_ORDER: 1 });
    expect(tally.deniedCount).toBe(3);
    expect(tally.latenciesMs).toEqual([5, 6, 7, 8]);
  });

  it('neither counts nor times a replayed decision: the intent was decided once', () => {
    const tally = new DecisionTally();
    tally.record({ outcome: 'approved', intentId: 'i-1', replayed: false }, 5);
    tally.record({ outcome: 'approved', intentId: 'i-1', replayed: true }, 1);
    expect(tally.approved).toBe(1);
    expect(tally.latenciesMs).toEqual([5]);
  });
});
