import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RiskLimits } from '../../../shared/config/environments';
import type { OrderIntent } from '../../../shared/events/order-events';
import { evaluateIntent, type RiskInputs } from '../../../shared/risk/evaluate';
import { intentFor } from '../../support/fixtures';

const NOW = Date.parse('2026-11-23T15:00:00.000Z');
const defaults: RiskLimits = { maxOrderNotional: '10000', orderRate: { maxOrders: 3, windowMs: 1000 } };

const intent = (over: Partial<OrderIntent> = {}) => intentFor('i-1', over);

const inputs = (over: Partial<RiskInputs> = {}): RiskInputs => ({
  intent: intent(),
  tradingState: 'ACTIVE',
  defaults,
  limitsOverride: undefined,
  mark: { price: '100', at: '2026-11-23T14:59:59.000Z' },
  recentApprovals: [],
  nowMs: NOW,
  ...over,
});

describe('pre-trade evaluation', () => {
  it('approves an order inside every limit and reports its notional', () => {
    expect(evaluateIntent(inputs())).toMatchObject({ outcome: 'approved', notional: '1000' });
  });

  it('denies an order when trading is halted', () => {
    expect(evaluateIntent(inputs({ tradingState: 'HALTED' }))).toMatchObject({ outcome: 'denied', reason: 'TRADING_HALTED' });
  });

  it('denies an order when trading is killed', () => {
    expect(evaluateIntent(inputs({ tradingState: 'KILLED' }))).toMatchObject({ outcome: 'denied', reason: 'TRADING_KILLED' });
  });

  it('denies an order when the trading state is missing (fail closed)', () => {
    expect(evaluateIntent(inputs({ tradingState: undefined }))).toMatchObject({ reason: 'TRADING_STATE_MISSING' });
  });

  it('allows an order whose notional equals the maximum', () => {
    expect(evaluateIntent(inputs({ intent: intent({ quantity: '100' }) }))).toMatchObject({ outcome: 'approved', notional: '10000' });
  });

  it('denies an order whose notional exceeds the maximum by one cent', () => {
    const decision = evaluateIntent(inputs({ intent: intent({ quantity: '100' }), mark: { price: '100.0001', at: 'x' } }));
    expect(decision).toMatchObject({ outcome: 'denied', reason: 'ORDER_NOTIONAL_EXCEEDED' });
  });

  it('values a limit order at its limit price, not the mark', () => {
    const limit = intent({ orderType: 'limit', limitPrice: '1000.01', quantity: '10' });
    expect(evaluateIntent(inputs({ intent: limit }))).toMatchObject({ reason: 'ORDER_NOTIONAL_EXCEEDED' });
    expect(evaluateIntent(inputs({ intent: { ...limit, limitPrice: '1000' } }))).toMatchObject({ outcome: 'approved' });
  });

  it('denies a market order when there is no mark to value it', () => {
    expect(evaluateIntent(inputs({ mark: undefined }))).toMatchObject({ reason: 'MARK_UNAVAILABLE' });
  });

  it('allows the last order the rate window has room for and denies the next', () => {
    const twoRecent = [NOW - 999, NOW - 10];
    expect(evaluateIntent(inputs({ recentApprovals: twoRecent }))).toMatchObject({ outcome: 'approved' });
    expect(evaluateIntent(inputs({ recentApprovals: [...twoRecent, NOW] }))).toMatchObject({ reason: 'RATE_LIMIT_EXCEEDED' });
  });

  it('forgets approvals that slid out of the window', () => {
    expect(evaluateIntent(inputs({ recentApprovals: [NOW - 1000, NOW - 1000, NOW - 1000] }))).toMatchObject({ outcome: 'approved' });
  });

  it('applies a per-account override over the environment defaults', () => {
    const decision = evaluateIntent(inputs({ limitsOverride: { maxOrderNotional: '999.99' } }));
    expect(decision).toMatchObject({ reason: 'ORDER_NOTIONAL_EXCEEDED' });
  });

  it('denies when the per-account override is malformed (fail closed)', () => {
    expect(evaluateIntent(inputs({ limitsOverride: { maxOrderNotional: 12 } }))).toMatchObject({ reason: 'LIMITS_INVALID' });
  });

  it('reports every failed check in evaluation order while the first one decides', () => {
    const decision = evaluateIntent(inputs({ tradingState: 'HALTED', intent: intent({ quantity: '1000' }), recentApprovals: [NOW, NOW, NOW] }));
    expect(decision).toMatchObject({
      outcome: 'denied',
      reason: 'TRADING_HALTED',
      failedChecks: ['TRADING_HALTED', 'ORDER_NOTIONAL_EXCEEDED', 'RATE_LIMIT_EXCEEDED'],
    });
  });

  it('denies with EVALUATION_FAILED when evaluation throws', () => {
    const broken = inputs({ mark: { price: 'not-a-number', at: 'x' } });
    expect(evaluateIntent(broken)).toMatchObject({ outcome: 'denied', reason: 'EVALUATION_FAILED' });
  });

  it('never approves outside the limits, whatever the state, size, price and history (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('ACTIVE', 'HALTED', 'KILLED', undefined),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 6 }),
        (state, qty, cents, ages) => {
          const price = (cents / 100).toFixed(2);
          const decision = evaluateIntent(
            inputs({
              tradingState: state as RiskInputs['tradingState'],
              intent: intent({ quantity: String(qty) }),
              mark: { price, at: 'x' },
              recentApprovals: ages.map((a) => NOW - a),
            }),
          );
          if (decision.outcome === 'approved') {
            expect(state).toBe('ACTIVE');
            expect(qty * cents).toBeLessThanOrEqual(10000 * 100);
            expect(ages.filter((a) => a < 1000).length).toBeLessThan(3);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
