import { describe, expect, it } from 'vitest';
import { diffPositions } from '../../../shared/reconciliation/diff';

describe('position diff', () => {
  it('finds no break when broker and table agree exactly (trailing zeros aside)', () => {
    expect(diffPositions([{ symbol: 'AAPL', quantity: '10.50' }], [{ symbol: 'AAPL', quantity: '10.5' }])).toEqual([]);
  });

  it('treats a flat local row and a missing broker row as agreeing', () => {
    expect(diffPositions([], [{ symbol: 'AAPL', quantity: '0' }])).toEqual([]);
  });

  it('reports a position the broker holds and the table does not', () => {
    expect(diffPositions([{ symbol: 'MSFT', quantity: '-3' }], [])).toEqual([
      expect.objectContaining({ kind: 'QUANTITY_MISMATCH', symbol: 'MSFT', brokerQuantity: '-3', localQuantity: '0' }),
    ]);
  });

  it('tolerates a difference equal to the tolerance and breaks just past it', () => {
    expect(diffPositions([{ symbol: 'X', quantity: '1.001' }], [{ symbol: 'X', quantity: '1' }], '0.001')).toEqual([]);
    expect(diffPositions([{ symbol: 'X', quantity: '1.0011' }], [{ symbol: 'X', quantity: '1' }], '0.001')).toHaveLength(1);
  });
});
