import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../../shared/events/order-events';
import { dec } from '../../../shared/money/decimal';
import { evaluateIntent, type RiskInputs } from '../../../shared/risk/evaluate';
import type { RiskLimits } from '../../../shared/risk/limits';
import { intentFor, testLimits } from '../../support/fixtures';
import type { BookEntry } from '../../../shared/ledger/account-book';
import type { ApprovalEntry } from '../../../shared/ports/risk-store';
import type { Mark } from '../../../shared/market/marks';

const NOW = Date.parse('2026-11-23T15:00:00.000Z');
const defaults: RiskLimits = testLimits({
  maxOrderNotional: '10000',
  minOrderNotional: '100',
  quantity: { min: '1', max: '500', lotSize: '1' },
  priceCollar: { maxDeviationBps: 100, markMaxAgeMs: 5000 },
  position: { maxLongQuantity: '300', maxShortQuantity: '200', maxLongNotional: '25000', maxShortNotional: '20000' },
  maxOpenOrders: 5,
  orderRate: { maxOrders: 3, windowMs: 1000, perSymbol: { maxOrders: 2, windowMs: 1000 } },
  duplicative: { windowMs: 500 },
});

/** An approval `ms` before NOW, by default of another symbol so only the account window sees it. */
const ago = (ms: number, over: Partial<ApprovalEntry> = {}): ApprovalEntry => ({
  at: NOW - ms,
  kind: 'order',
  symbol: 'MSFT',
  side: 'buy',
  quantity: '1',
  strategy: 'test-strategy',
  price: '100',
  ...over,
});

const intent = (over: Partial<OrderIntent> = {}) => intentFor('i-1', over);
const position = (quantity: string, inFlightBuy = '0', inFlightSell = '0'): BookEntry => ({ quantity, inFlightBuy, inFlightSell });

/** RiskInputs with shorthands for the AAPL mark and position, the symbol nearly every test orders. */
type TestInputs = Partial<RiskInputs> & { mark?: Mark | undefined; position?: BookEntry | undefined };

const inputs = (over: TestInputs = {}): RiskInputs => {
  const { mark, position: held, ...rest } = over;
  const aaplMark = 'mark' in over ? mark : { price: '100', at: '2026-11-23T14:59:59.000Z' };
  return {
    intent: intent(),
    account: 'acct-1',
    strategy: 'test-strategy',
    tradingState: 'ACTIVE',
    intentCount: { ok: true, bucketStartMs: NOW, account: 1, strategy: 1 },
    defaults,
    limitsOverride: undefined,
    marks: { ...(aaplMark ? { AAPL: aaplMark } : {}), MSFT: { price: '300', at: '2026-11-23T14:59:59.000Z' } },
    book: { cash: '1000000', positions: held ? { AAPL: held } : {} },
    reference: { AAPL: { adv: '50000000', sector: 'TECH' }, MSFT: { adv: '20000000', sector: 'TECH' } },
    session: undefined,
    throttle: { strategy: { fills: [] }, account: { fills: [] } },
    recentApprovals: [],
    openOrders: 0,
    nowMs: NOW,
    ...rest,
  };
};

const limit = (limitPrice: string, over: Partial<OrderIntent> = {}) => intent({ orderType: 'limit', limitPrice, ...over });

describe('pre-trade evaluation', () => {
  it('approves an order inside every limit and reports its notional and size', () => {
    expect(evaluateIntent(inputs())).toMatchObject({ outcome: 'approved', notional: '1000', approvedQuantity: '10' });
  });

  describe('trading states', () => {
    it('denies an order when trading is halted', () => {
      expect(evaluateIntent(inputs({ tradingState: 'HALTED' }))).toMatchObject({ outcome: 'denied', reason: 'TRADING_HALTED' });
    });

    it('denies an order when trading is killed', () => {
      expect(evaluateIntent(inputs({ tradingState: 'KILLED' }))).toMatchObject({ outcome: 'denied', reason: 'TRADING_KILLED' });
    });

    it('denies an order when the trading state is missing (fail closed)', () => {
      expect(evaluateIntent(inputs({ tradingState: undefined }))).toMatchObject({ reason: 'TRADING_STATE_MISSING' });
    });

    it('denies an order of a strategy a person switched off, and approves it while the switch is ENABLED or was never set', () => {
      const sw = (status: 'ENABLED' | 'DISABLED') => ({ status, changedBy: 'alice.ops', reason: 'misbehaving', changedAt: '2026-11-23T14:59:00.000Z' });
      expect(evaluateIntent(inputs({ strategySwitch: sw('DISABLED') }))).toMatchObject({ outcome: 'denied', reason: 'STRATEGY_DISABLED', failedChecks: ['STRATEGY_DISABLED'] });
      expect(evaluateIntent(inputs({ strategySwitch: sw('ENABLED') }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ strategySwitch: undefined }))).toMatchObject({ outcome: 'approved' });
    });

    it('halves the size in WARNING, rounded down to the lot size', () => {
      expect(evaluateIntent(inputs({ tradingState: 'WARNING', intent: intent({ quantity: '7' }) }))).toMatchObject({
        outcome: 'approved',
        approvedQuantity: '3',
        notional: '300',
      });
    });

    it('denies in WARNING when scaling leaves less than one lot', () => {
      expect(evaluateIntent(inputs({ tradingState: 'WARNING', intent: intent({ quantity: '1' }) }))).toMatchObject({ reason: 'WARNING_SCALED_TO_ZERO' });
    });

    it('allows in REDUCING a sell of exactly the long position and denies one share more', () => {
      const long = position('5');
      expect(evaluateIntent(inputs({ tradingState: 'REDUCING', position: long, intent: intent({ side: 'sell', quantity: '5' }) }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ tradingState: 'REDUCING', position: long, intent: intent({ side: 'sell', quantity: '6' }) }))).toMatchObject({ reason: 'TRADING_REDUCING' });
    });

    it('denies in REDUCING any order that adds to the position or opens one', () => {
      expect(evaluateIntent(inputs({ tradingState: 'REDUCING', position: position('5'), intent: intent({ side: 'buy', quantity: '1' }) }))).toMatchObject({ reason: 'TRADING_REDUCING' });
      expect(evaluateIntent(inputs({ tradingState: 'REDUCING', position: undefined, intent: intent({ side: 'sell', quantity: '1' }) }))).toMatchObject({ reason: 'TRADING_REDUCING' });
      expect(evaluateIntent(inputs({ tradingState: 'REDUCING', position: position('-3'), intent: intent({ side: 'buy', quantity: '3' }) }))).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('instrument and order validity', () => {
    it('denies a symbol outside the allow-list and allows one on it', () => {
      const only = { instruments: { allowed: ['MSFT'], restricted: [] } };
      expect(evaluateIntent(inputs({ limitsOverride: only }))).toMatchObject({ reason: 'INSTRUMENT_NOT_ALLOWED' });
      expect(evaluateIntent(inputs({ limitsOverride: only, intent: intent({ symbol: 'MSFT' }) }))).toMatchObject({ outcome: 'approved' });
    });

    it('denies a restricted symbol even when it is allowed', () => {
      expect(evaluateIntent(inputs({ limitsOverride: { instruments: { allowed: ['AAPL'], restricted: ['AAPL'] } } }))).toMatchObject({ reason: 'INSTRUMENT_RESTRICTED' });
    });

    it('denies an order type or time in force the limits do not allow', () => {
      expect(evaluateIntent(inputs({ limitsOverride: { orderTypes: ['limit'] } }))).toMatchObject({ reason: 'ORDER_TYPE_NOT_ALLOWED' });
      expect(evaluateIntent(inputs({ limitsOverride: { timeInForce: ['ioc'] } }))).toMatchObject({ reason: 'TIME_IN_FORCE_NOT_ALLOWED' });
    });
  });

  describe('quantity', () => {
    it('allows the minimum and denies just below it', () => {
      const override = { quantity: { min: '2', max: '500', lotSize: '0.5' }, minOrderNotional: '0' };
      expect(evaluateIntent(inputs({ limitsOverride: override, intent: intent({ quantity: '2' }) }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ limitsOverride: override, intent: intent({ quantity: '1.5' }) }))).toMatchObject({ reason: 'QUANTITY_BELOW_MINIMUM' });
    });

    it('allows the maximum and denies one lot more', () => {
      expect(evaluateIntent(inputs({ intent: intent({ quantity: '100' }) }))).toMatchObject({ outcome: 'approved' });
      const big = evaluateIntent(inputs({ intent: intent({ quantity: '501' }), mark: { price: '1', at: '2026-11-23T14:59:59.000Z' } }));
      expect(big).toMatchObject({ reason: 'QUANTITY_ABOVE_MAXIMUM' });
    });

    it('denies a size that is not a whole number of lots', () => {
      expect(evaluateIntent(inputs({ intent: intent({ quantity: '10.5' }) }))).toMatchObject({ reason: 'QUANTITY_NOT_LOT_MULTIPLE' });
    });
  });

  describe('reference price and collar', () => {
    it('denies when there is no mark to judge the order against', () => {
      expect(evaluateIntent(inputs({ mark: undefined }))).toMatchObject({ reason: 'MARK_UNAVAILABLE' });
      expect(evaluateIntent(inputs({ mark: undefined, intent: limit('100') }))).toMatchObject({ reason: 'MARK_UNAVAILABLE' });
    });

    it('accepts a mark exactly at its maximum age and denies one a millisecond older', () => {
      expect(evaluateIntent(inputs({ mark: { price: '100', at: '2026-11-23T14:59:55.000Z' } }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ mark: { price: '100', at: '2026-11-23T14:59:54.999Z' } }))).toMatchObject({ reason: 'MARK_STALE' });
    });

    it('denies a mark whose time cannot be read', () => {
      expect(evaluateIntent(inputs({ mark: { price: '100', at: 'yesterday' } }))).toMatchObject({ reason: 'MARK_STALE' });
    });

    it('allows a limit price exactly at the collar edge and denies one a cent beyond, on both sides', () => {
      expect(evaluateIntent(inputs({ intent: limit('101') }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ intent: limit('101.01') }))).toMatchObject({ reason: 'PRICE_OUTSIDE_COLLAR' });
      expect(evaluateIntent(inputs({ intent: limit('99', { side: 'sell' }) }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ intent: limit('98.99', { side: 'sell' }) }))).toMatchObject({ reason: 'PRICE_OUTSIDE_COLLAR' });
    });
  });

  describe('notional', () => {
    it('allows an order whose notional equals the maximum and denies one a fraction above', () => {
      expect(evaluateIntent(inputs({ intent: intent({ quantity: '100' }) }))).toMatchObject({ outcome: 'approved', notional: '10000' });
      const above = evaluateIntent(inputs({ intent: intent({ quantity: '100' }), mark: { price: '100.0001', at: '2026-11-23T14:59:59.000Z' } }));
      expect(above).toMatchObject({ reason: 'ORDER_NOTIONAL_EXCEEDED' });
    });

    it('allows the minimum notional and denies just below it', () => {
      expect(evaluateIntent(inputs({ intent: intent({ quantity: '1' }) }))).toMatchObject({ outcome: 'approved', notional: '100' });
      const below = evaluateIntent(inputs({ intent: intent({ quantity: '1' }), mark: { price: '99.99', at: '2026-11-23T14:59:59.000Z' } }));
      expect(below).toMatchObject({ reason: 'ORDER_NOTIONAL_BELOW_MINIMUM' });
    });

    it('values a limit order at its limit price, not the mark', () => {
      expect(evaluateIntent(inputs({ intent: limit('100.5', { quantity: '100' }) }))).toMatchObject({ reason: 'ORDER_NOTIONAL_EXCEEDED' });
      expect(evaluateIntent(inputs({ intent: limit('100', { quantity: '100' }) }))).toMatchObject({ outcome: 'approved' });
    });

    it('judges the scaled size in WARNING, so halving can bring an order under the maximum', () => {
      expect(evaluateIntent(inputs({ tradingState: 'WARNING', intent: intent({ quantity: '200' }) }))).toMatchObject({ outcome: 'approved', notional: '10000' });
    });
  });

  describe('position limits per symbol (in-flight orders count)', () => {
    const buy = (quantity: string) => intent({ quantity, side: 'buy' });
    const sell = (quantity: string) => intent({ quantity, side: 'sell' });
    const cheap = { price: '10', at: '2026-11-23T14:59:59.000Z' };

    it('allows a buy that brings the worst-case long exactly to the limit and denies one more', () => {
      const held = position('150', '100');
      expect(evaluateIntent(inputs({ mark: cheap, position: held, intent: buy('50') }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ mark: cheap, position: held, intent: buy('51') }))).toMatchObject({ reason: 'POSITION_LIMIT_EXCEEDED' });
    });

    it('counts in-flight sells against the short limit the moment they are approved', () => {
      const held = position('0', '0', '150');
      expect(evaluateIntent(inputs({ mark: cheap, position: held, intent: sell('50') }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ mark: cheap, position: held, intent: sell('51') }))).toMatchObject({ reason: 'POSITION_LIMIT_EXCEEDED' });
    });

    it('allows a sell that reduces a long over its limit', () => {
      expect(evaluateIntent(inputs({ position: position('400'), intent: sell('10') }))).toMatchObject({ outcome: 'approved' });
    });

    it('limits the worst-case long value: exactly the maximum passes, a cent more is denied', () => {
      const held = position('200', '40');
      expect(evaluateIntent(inputs({ position: held, intent: buy('10') }))).toMatchObject({ outcome: 'approved' });
      const pricier = { price: '100.0001', at: '2026-11-23T14:59:59.000Z' };
      expect(evaluateIntent(inputs({ position: held, mark: pricier, intent: buy('10') }))).toMatchObject({ reason: 'POSITION_NOTIONAL_EXCEEDED' });
    });

    it('limits the worst-case short value', () => {
      const at101 = { price: '101', at: '2026-11-23T14:59:59.000Z' };
      // 198 x 101 = 19998 is inside 20000; 199 x 101 = 20099 is not (while 199 shares is inside 200).
      expect(evaluateIntent(inputs({ mark: at101, position: position('-100', '0', '88'), intent: sell('10') }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ mark: at101, position: position('-100', '0', '89'), intent: sell('10') }))).toMatchObject({ reason: 'POSITION_NOTIONAL_EXCEEDED' });
    });
  });

  describe('order rate', () => {
    it('allows the last order the account window has room for and denies the next', () => {
      const twoRecent = [ago(999), ago(10)];
      expect(evaluateIntent(inputs({ recentApprovals: twoRecent }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ recentApprovals: [...twoRecent, ago(0)] }))).toMatchObject({ reason: 'RATE_LIMIT_EXCEEDED' });
    });

    it('forgets approvals that slid out of the window', () => {
      expect(evaluateIntent(inputs({ recentApprovals: [ago(1000), ago(1000), ago(1000)] }))).toMatchObject({ outcome: 'approved' });
    });

    it('allows the last order a symbol window has room for and denies the next, leaving other symbols alone', () => {
      const oneAapl = [ago(900, { symbol: 'AAPL', quantity: '3' })];
      expect(evaluateIntent(inputs({ recentApprovals: oneAapl }))).toMatchObject({ outcome: 'approved' });
      const twoAapl = [...oneAapl, ago(800, { symbol: 'AAPL', quantity: '4' })];
      expect(evaluateIntent(inputs({ recentApprovals: twoAapl }))).toMatchObject({ reason: 'SYMBOL_RATE_LIMIT_EXCEEDED' });
      expect(evaluateIntent(inputs({ recentApprovals: twoAapl, intent: intent({ symbol: 'MSFT' }) }))).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('runaway message rate (ORDER_RATE breach)', () => {
    // testLimits: 3 messages per 1000 ms; the breach needs the default 3 saturated windows.
    const full = (windowIndex: number, count = 3) => Array.from({ length: count }, (_, i) => ago(windowIndex * 1000 + 100 + i, { symbol: i % 2 ? 'MSFT' : 'AAPL', quantity: String(i + 1) }));
    const breachesOf = (approvals: ApprovalEntry[], over: TestInputs = {}) => evaluateIntent(inputs({ recentApprovals: approvals, ...over })).effects.breaches;

    it('reports an ORDER_RATE breach when the account was at its maximum in each of the last three windows', () => {
      const decision = evaluateIntent(inputs({ recentApprovals: [...full(0), ...full(1), ...full(2)] }));
      expect(decision).toMatchObject({ outcome: 'denied', reason: 'RATE_LIMIT_EXCEEDED' });
      expect(decision.effects.breaches).toEqual([{ kind: 'ORDER_RATE', observed: '9', threshold: '9', idSuffix: '20261123T1500Z' }]);
    });

    it('reports no breach when one of the three windows had room left', () => {
      expect(breachesOf([...full(0), ...full(1), ...full(2, 2)])).toEqual([]);
      expect(breachesOf([...full(0), ...full(1)])).toEqual([]);
    });

    it('counts the window edges as the rate limit does: an approval exactly one window old belongs to the older window', () => {
      const edge = [ago(1000), ago(1001), ago(1999)];
      expect(breachesOf([...full(0), ...edge, ...full(2)])).toHaveLength(1);
      expect(breachesOf([...full(0), ago(1000), ago(1001), ago(2000), ...full(2)])).toEqual([]);
    });

    it('reports no breach for a message the account rate allows', () => {
      expect(breachesOf([...full(0, 2), ...full(1), ...full(2)])).toEqual([]);
    });

    it('breaches exactly when the message is rate-denied and every one of the three windows is full (property)', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 3_500 }), { maxLength: 14 }), (ages) => {
          const approvals = ages.map((ms, i) => ago(ms, { quantity: String(i + 1) }));
          const perWindow = [0, 1, 2].map((k) => ages.filter((a) => a >= k * 1000 && a < (k + 1) * 1000).length);
          const expected = perWindow.every((c) => c >= 3);
          const breaches = breachesOf(approvals);
          expect(breaches.some((b) => b.kind === 'ORDER_RATE')).toBe(expected);
        }),
        { numRuns: 300 },
      );
    });

    it('can be turned off with zero windows', () => {
      const off = testLimits({ orderRate: { ...defaults.orderRate, breakerAfterSaturatedWindows: 0 } });
      expect(breachesOf([...full(0), ...full(1), ...full(2)], { defaults: off })).toEqual([]);
    });
  });

  describe('duplicative orders', () => {
    const twin = (ms: number, over: Partial<ApprovalEntry> = {}) => ago(ms, { symbol: 'AAPL', side: 'buy', quantity: '10', ...over });

    it('denies the same symbol, side and size approved inside the window and allows it once the window passed', () => {
      expect(evaluateIntent(inputs({ recentApprovals: [twin(499)] }))).toMatchObject({ reason: 'DUPLICATIVE_ORDER' });
      expect(evaluateIntent(inputs({ recentApprovals: [twin(500)] }))).toMatchObject({ outcome: 'approved' });
    });

    it('does not treat another side or size as a repeat, and compares sizes as decimals', () => {
      expect(evaluateIntent(inputs({ recentApprovals: [twin(10, { side: 'sell' })] }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ recentApprovals: [twin(10, { quantity: '11' })] }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ recentApprovals: [twin(10, { quantity: '10.00' })] }))).toMatchObject({ reason: 'DUPLICATIVE_ORDER' });
    });
  });

  describe('open orders', () => {
    it('allows the order that fills the last open slot and denies the next', () => {
      expect(evaluateIntent(inputs({ openOrders: 4 }))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(inputs({ openOrders: 5 }))).toMatchObject({ reason: 'OPEN_ORDERS_EXCEEDED' });
    });
  });

  describe('limits and failures', () => {
    it('applies a per-account override over the environment defaults', () => {
      expect(evaluateIntent(inputs({ limitsOverride: { maxOrderNotional: '999.99' } }))).toMatchObject({ reason: 'ORDER_NOTIONAL_EXCEEDED' });
    });

    it('denies when the per-account override is malformed (fail closed)', () => {
      expect(evaluateIntent(inputs({ limitsOverride: { maxOrderNotional: 12 } }))).toMatchObject({ reason: 'LIMITS_INVALID' });
      expect(evaluateIntent(inputs({ limitsOverride: { leverage: '10' } }))).toMatchObject({ reason: 'LIMITS_INVALID' });
    });

    it('reports every failed check in evaluation order while the first one decides', () => {
      const decision = evaluateIntent(inputs({ tradingState: 'HALTED', intent: intent({ quantity: '200' }), recentApprovals: [ago(0), ago(0), ago(0)] }));
      expect(decision).toMatchObject({
        outcome: 'denied',
        reason: 'TRADING_HALTED',
        failedChecks: ['TRADING_HALTED', 'ORDER_NOTIONAL_EXCEEDED', 'RATE_LIMIT_EXCEEDED'],
      });
    });

    it('denies with EVALUATION_FAILED when evaluation throws', () => {
      expect(evaluateIntent(inputs({ mark: { price: 'not-a-number', at: '2026-11-23T14:59:59.000Z' } }))).toMatchObject({ reason: 'EVALUATION_FAILED' });
    });
  });

  describe('properties', () => {
    const stateArb = fc.constantFrom('ACTIVE', 'WARNING', 'REDUCING', 'HALTED', 'KILLED', undefined) as fc.Arbitrary<RiskInputs['tradingState']>;

    it('never approves outside the limits, whatever the state, size, price and history', () => {
      fc.assert(
        fc.property(
          stateArb,
          fc.integer({ min: 1, max: 1000 }),
          fc.integer({ min: 1, max: 100_000 }),
          fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 6 }),
          fc.integer({ min: -50, max: 50 }),
          (state, qty, cents, ages, held) => {
            const price = (cents / 100).toFixed(2);
            const decision = evaluateIntent(
              inputs({
                tradingState: state,
                intent: intent({ quantity: String(qty), side: qty % 2 ? 'buy' : 'sell' }),
                mark: { price, at: '2026-11-23T14:59:59.000Z' },
                position: position(String(held)),
                recentApprovals: ages.map((a) => ago(a)),
              }),
            );
            if (decision.outcome !== 'approved') return;
            expect(['ACTIVE', 'WARNING', 'REDUCING']).toContain(state);
            expect(qty).toBeLessThanOrEqual(500);
            const sent = Number(decision.approvedQuantity);
            expect(sent).toBeLessThanOrEqual(qty);
            expect(sent * cents).toBeLessThanOrEqual(10000 * 100);
            expect(sent * cents).toBeGreaterThanOrEqual(100 * 100);
            expect(ages.filter((a) => a < 1000).length).toBeLessThan(3);
          },
        ),
        { numRuns: 1000 },
      );
    });

    it('in REDUCING never approves an order that increases the absolute position', () => {
      fc.assert(
        fc.property(fc.integer({ min: -100, max: 100 }), fc.integer({ min: 1, max: 200 }), fc.boolean(), (held, qty, buy) => {
          const decision = evaluateIntent(
            inputs({ tradingState: 'REDUCING', position: position(String(held)), intent: intent({ quantity: String(qty), side: buy ? 'buy' : 'sell' }) }),
          );
          if (decision.outcome === 'approved') {
            const after = held + (buy ? qty : -qty);
            expect(Math.abs(after)).toBeLessThan(Math.abs(held));
            expect(Math.sign(after) === Math.sign(held) || after === 0).toBe(true);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('no sequence of approvals, fills and releases takes a position past its limits', () => {
      type Step = { kind: 'intent'; side: 'buy' | 'sell'; qty: number } | { kind: 'fill'; index: number } | { kind: 'release'; index: number };
      const stepArb: fc.Arbitrary<Step> = fc.oneof(
        fc.record({ kind: fc.constant('intent' as const), side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 120 }) }),
        fc.record({ kind: fc.constant('fill' as const), index: fc.nat() }),
        fc.record({ kind: fc.constant('release' as const), index: fc.nat() }),
      );
      fc.assert(
        fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
          let held = dec(0);
          let inFlightBuy = dec(0);
          let inFlightSell = dec(0);
          const open: { side: 'buy' | 'sell'; qty: number }[] = [];
          for (const step of steps) {
            if (step.kind === 'intent') {
              const decision = evaluateIntent(
                inputs({
                  intent: intent({ side: step.side, quantity: String(step.qty) }),
                  mark: { price: '10', at: '2026-11-23T14:59:59.000Z' },
                  position: position(held.toFixed(), inFlightBuy.toFixed(), inFlightSell.toFixed()),
                }),
              );
              if (decision.outcome === 'approved') {
                open.push({ side: step.side, qty: step.qty });
                if (step.side === 'buy') inFlightBuy = inFlightBuy.plus(step.qty);
                else inFlightSell = inFlightSell.plus(step.qty);
              }
            } else if (open.length > 0) {
              const [order] = open.splice(step.index % open.length, 1);
              if (!order) continue;
              if (order.side === 'buy') inFlightBuy = inFlightBuy.minus(order.qty);
              else inFlightSell = inFlightSell.minus(order.qty);
              if (step.kind === 'fill') held = held.plus(order.side === 'buy' ? order.qty : -order.qty);
            }
            // Even if every open order filled, no side would pass its limit.
            expect(held.plus(inFlightBuy).lte(300)).toBe(true);
            expect(held.neg().plus(inFlightSell).lte(200)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    });

    it('in KILLED approves nothing', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 500 }), fc.boolean(), (qty, buy) => {
          const decision = evaluateIntent(inputs({ tradingState: 'KILLED', intent: intent({ quantity: String(qty), side: buy ? 'buy' : 'sell' }) }));
          expect(decision.outcome).toBe('denied');
        }),
      );
    });
  });
});
