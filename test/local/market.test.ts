import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SYMBOLS, SimulatedMarket } from '../../local/market';
import { dec } from '../../shared/money/decimal';

describe('simulated market', () => {
  it('replays the same path from the same seed and a different one from another seed', () => {
    const path = (seed: number) => {
      const m = new SimulatedMarket({ seed, symbols: DEFAULT_SYMBOLS });
      return Array.from({ length: 50 }, (_, i) => m.step(i).map((t) => t.price).join(','));
    };
    expect(path(1)).toEqual(path(1));
    expect(path(1)).not.toEqual(path(2));
  });

  it('keeps every price positive and on the tick grid (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 300 }), (seed, steps) => {
        const m = new SimulatedMarket({ seed, symbols: [{ symbol: 'P', start: '0.05', tick: '0.01' }], volatilityTicks: 4 });
        for (let i = 0; i < steps; i++) {
          const [tick] = m.step(i);
          const price = dec(tick?.price ?? '0');
          expect(price.gte('0.01')).toBe(true);
          expect(price.mod('0.01').isZero()).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('stamps ticks with a UTC millisecond timestamp', () => {
    const [tick] = new SimulatedMarket({ seed: 1, symbols: DEFAULT_SYMBOLS }).step(Date.parse('2026-11-23T15:00:00.123Z'));
    expect(tick?.at).toBe('2026-11-23T15:00:00.123Z');
  });
});
