import { describe, expect, it } from 'vitest';
import { SequenceGaps } from '../../../shared/market/sequence-gaps';
import { trade } from './market-fixtures';

const observeAll = (gaps: SequenceGaps, steps: readonly [string, string, number | undefined][]): number[] =>
  steps.map(([source, symbol, sequence]) => gaps.observe(trade('100', { source, symbol, sequence })));

describe('sequence gaps', () => {
  it('finds no gap in consecutive sequences and none at the first message', () => {
    const gaps = new SequenceGaps();
    expect(observeAll(gaps, [['a', 'AAPL', 41], ['a', 'AAPL', 42], ['a', 'AAPL', 43]])).toEqual([0, 0, 0]);
    expect(gaps.counts()).toEqual({ gaps: 0, missing: 0 });
  });

  it('reports a skip by the number of messages missing: one skipped is a gap of one', () => {
    const gaps = new SequenceGaps();
    expect(observeAll(gaps, [['a', 'AAPL', 1], ['a', 'AAPL', 3], ['a', 'AAPL', 10]])).toEqual([0, 1, 6]);
    expect(gaps.counts()).toEqual({ gaps: 2, missing: 7 });
  });

  it('keeps each source and each symbol apart', () => {
    const gaps = new SequenceGaps();
    expect(observeAll(gaps, [['a', 'AAPL', 1], ['b', 'AAPL', 5], ['a', 'MSFT', 9], ['a', 'AAPL', 2], ['b', 'AAPL', 6], ['a', 'MSFT', 10]])).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts no gap for a late or repeated message and does not count a loss twice', () => {
    const gaps = new SequenceGaps();
    expect(observeAll(gaps, [['a', 'AAPL', 5], ['a', 'AAPL', 7], ['a', 'AAPL', 6], ['a', 'AAPL', 7], ['a', 'AAPL', 8]])).toEqual([0, 1, 0, 0, 0]);
    expect(gaps.counts()).toEqual({ gaps: 1, missing: 1 });
  });

  it('ignores messages without a usable sequence', () => {
    const gaps = new SequenceGaps();
    expect(observeAll(gaps, [['a', 'AAPL', 1], ['a', 'AAPL', undefined], ['a', 'AAPL', 1.5], ['a', 'AAPL', 2]])).toEqual([0, 0, 0, 0]);
  });
});
