import { describe, expect, it } from 'vitest';
import { evaluateIntent } from '../../../shared/risk/evaluate';
import { approval, entry, NOW, order, riskInputs, XNYS_OPEN_TODAY } from '../../support/risk-inputs';

const buy = (quantity: string, symbol = 'AAPL') => order({ quantity, symbol, side: 'buy' });
const sell = (quantity: string, symbol = 'AAPL') => order({ quantity, symbol, side: 'sell' });
const exposure = (over: Record<string, string>) => ({
  exposure: { maxGrossNotional: '100000000', maxNetNotional: '100000000', maxLeverage: '100', maxSymbolConcentration: '1', maxSectorConcentration: '1', ...over },
});
/** 100 MSFT at 300: 30,000 of technology exposure. */
const msftLong = (inFlightBuy = '0') => ({ cash: '970000', positions: { MSFT: entry('100', inFlightBuy) } });

describe('account controls', () => {
  describe('gross and net exposure', () => {
    it('allows gross exposure up to the limit and denies one share more', () => {
      const at = (q: string) => evaluateIntent(riskInputs({ intent: buy(q), book: msftLong() }, exposure({ maxGrossNotional: '40000' })));
      expect(at('100')).toMatchObject({ outcome: 'approved' });
      expect(at('101')).toMatchObject({ reason: 'GROSS_EXPOSURE_EXCEEDED' });
    });

    it('counts in-flight orders in the gross exposure the moment they are approved', () => {
      const at = (q: string) => evaluateIntent(riskInputs({ intent: buy(q), book: msftLong('10') }, exposure({ maxGrossNotional: '40000' })));
      expect(at('70')).toMatchObject({ outcome: 'approved' });
      expect(at('71')).toMatchObject({ reason: 'GROSS_EXPOSURE_EXCEEDED' });
    });

    it('allows net exposure up to the limit and lets an offsetting short through', () => {
      const at = (intent: ReturnType<typeof buy>) => evaluateIntent(riskInputs({ intent, book: msftLong() }, exposure({ maxNetNotional: '40000' })));
      expect(at(buy('100'))).toMatchObject({ outcome: 'approved' });
      expect(at(buy('101'))).toMatchObject({ reason: 'NET_EXPOSURE_EXCEEDED' });
      expect(at(sell('300'))).toMatchObject({ outcome: 'approved' });
    });

    it('lets an order that lowers gross exposure through even when the account is already over the limit', () => {
      const over = riskInputs({ intent: sell('50', 'MSFT'), book: msftLong() }, exposure({ maxGrossNotional: '10000' }));
      expect(evaluateIntent(over)).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent({ ...over, intent: buy('1', 'MSFT') })).toMatchObject({ reason: 'GROSS_EXPOSURE_EXCEEDED' });
    });
  });

  describe('leverage', () => {
    it('allows gross exposure up to leverage x equity and denies one share more', () => {
      // Equity 20,000: cash -10,000 plus 100 MSFT at 300.
      const book = { cash: '-10000', positions: { MSFT: entry('100') } };
      // SPY is outside technology, so only leverage binds: 30,000 + 20 x 500 = 2 x 20,000.
      const at = (q: string) => evaluateIntent(riskInputs({ intent: buy(q, 'SPY'), book }, exposure({ maxLeverage: '2' })));
      expect(at('20')).toMatchObject({ outcome: 'approved' });
      expect(at('21')).toMatchObject({ reason: 'LEVERAGE_EXCEEDED' });
    });

    it('denies any increase once equity is not positive, but lets a reducing order through', () => {
      const book = { cash: '-30000', positions: { MSFT: entry('100') } };
      expect(evaluateIntent(riskInputs({ intent: buy('1'), book }, exposure({ maxLeverage: '2' })))).toMatchObject({ reason: 'LEVERAGE_EXCEEDED' });
      expect(evaluateIntent(riskInputs({ intent: sell('10', 'MSFT'), book }, exposure({ maxLeverage: '2' })))).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('concentration', () => {
    it('allows one symbol up to its share of equity and denies one share more', () => {
      const at = (q: string) => evaluateIntent(riskInputs({ intent: buy(q) }, exposure({ maxSymbolConcentration: '0.01' })));
      expect(at('100')).toMatchObject({ outcome: 'approved' });
      expect(at('101')).toMatchObject({ reason: 'SYMBOL_CONCENTRATION_EXCEEDED' });
    });

    it('allows a sector up to its share of equity, across its symbols, and denies one share more', () => {
      const at = (intent: ReturnType<typeof buy>) => evaluateIntent(riskInputs({ intent, book: msftLong() }, exposure({ maxSectorConcentration: '0.04' })));
      expect(at(buy('100'))).toMatchObject({ outcome: 'approved' });
      expect(at(buy('101'))).toMatchObject({ reason: 'SECTOR_CONCENTRATION_EXCEEDED' });
      // SPY is in another sector: 101 x 500 is far from technology's limit.
      expect(at(buy('20', 'SPY'))).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('valuation', () => {
    it('denies when a held symbol has no mark, since equity and exposure are then unknown', () => {
      const book = { cash: '1000000', positions: { NVDA: entry('5') } };
      expect(evaluateIntent(riskInputs({ book }))).toMatchObject({ reason: 'PORTFOLIO_UNMARKED' });
    });

    it('needs no mark for a symbol the account no longer holds', () => {
      const book = { cash: '1000000', positions: { NVDA: entry('0') } };
      expect(evaluateIntent(riskInputs({ book }))).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('loss and drawdown', () => {
    const session = (startEquity: string, peakEquity = startEquity, sessionStartMs = XNYS_OPEN_TODAY) => ({ sessionStartMs, startEquity, peakEquity });
    const withCash = (cash: string) => ({ cash, positions: {} });
    /** Daily-loss tests keep the drawdown thresholds out of reach (a loss from the start is also a drawdown). */
    const dailyOnly = { loss: { sessionMarket: 'XNYS' as const, dailyLossWarning: '25000', dailyLossBreaker: '50000', drawdownWarningBps: 9000, drawdownBreakerBps: 9999 } };

    it('starts a session at the calendar open with equity as both its start and its peak', () => {
      const decision = evaluateIntent(riskInputs());
      expect(decision.effects.session).toEqual({ sessionStartMs: XNYS_OPEN_TODAY, startEquity: '1000000', peakEquity: '1000000' });
    });

    it('resets the peak when a new session starts', () => {
      const decision = evaluateIntent(riskInputs({ session: session('2000000', '2500000', XNYS_OPEN_TODAY - 86_400_000) }));
      expect(decision).toMatchObject({ outcome: 'approved', effects: { session: { startEquity: '1000000', peakEquity: '1000000' }, breaches: [] } });
    });

    it('raises the peak when equity passes it and writes nothing when it does not', () => {
      expect(evaluateIntent(riskInputs({ session: session('990000') })).effects.session).toMatchObject({ peakEquity: '1000000' });
      expect(evaluateIntent(riskInputs({ session: session('1000000', '1000001') })).effects.session).toBeUndefined();
    });

    it('trades an ACTIVE account as WARNING once the daily loss reaches the warning threshold, and scales the order', () => {
      const below = evaluateIntent(riskInputs({ intent: buy('10'), session: session('1024999.99') }));
      expect(below).toMatchObject({ outcome: 'approved', approvedQuantity: '10' });
      expect(below.effects.warning).toBeUndefined();
      const at = evaluateIntent(riskInputs({ intent: buy('10'), session: session('1025000') }));
      expect(at).toMatchObject({ outcome: 'approved', approvedQuantity: '5', effects: { warning: { reason: expect.stringContaining('DAILY_LOSS') }, breaches: [] } });
      expect(at.effects.session?.warning).toMatchObject({ reason: expect.stringContaining('DAILY_LOSS') });
    });

    it('keeps the warning for the rest of the session once reached, and drops it when a new session starts', () => {
      const warned = { ...session('1000000'), warning: { at: '2026-11-23T15:00:00.000Z', reason: 'DAILY_LOSS 25000 >= 25000' } };
      const later = evaluateIntent(riskInputs({ intent: buy('10'), session: warned }));
      expect(later).toMatchObject({ outcome: 'approved', approvedQuantity: '5' });
      expect(later.effects.warning).toBeUndefined();
      const nextSession = evaluateIntent(riskInputs({ intent: buy('10'), session: { ...warned, sessionStartMs: XNYS_OPEN_TODAY - 86_400_000 } }));
      expect(nextSession).toMatchObject({ outcome: 'approved', approvedQuantity: '10' });
      expect(nextSession.effects.session?.warning).toBeUndefined();
    });

    it('denies exposure-increasing orders and reports a breach when the daily loss reaches the breaker', () => {
      const justBelow = evaluateIntent(riskInputs({ intent: buy('10'), book: withCash('950000.01'), session: session('1000000') }, dailyOnly));
      expect(justBelow).toMatchObject({ outcome: 'approved', effects: { breaches: [] } });
      const at = evaluateIntent(riskInputs({ intent: buy('10'), book: withCash('950000'), session: session('1000000') }, dailyOnly));
      expect(at).toMatchObject({ reason: 'DAILY_LOSS_LIMIT_BREACHED', effects: { breaches: [{ kind: 'DAILY_LOSS', observed: '50000', threshold: '50000' }] } });
    });

    it('still lets an order that reduces exposure through past the breaker', () => {
      const book = { cash: '920000', positions: { MSFT: entry('100') } }; // equity 950,000
      const decision = evaluateIntent(riskInputs({ intent: sell('50', 'MSFT'), book, session: session('1000000') }, dailyOnly));
      expect(decision).toMatchObject({ outcome: 'approved', effects: { breaches: [{ kind: 'DAILY_LOSS' }] } });
    });

    it('moves to WARNING at the drawdown warning in bps of the peak and denies at the breaker', () => {
      // Start 990,000 keeps the daily loss under its thresholds; the peak of 1,000,000 sets the drawdown.
      const at = (cash: string) => evaluateIntent(riskInputs({ book: withCash(cash), session: session('990000', '1000000') }));
      expect(at('970000.01').effects.warning).toBeUndefined();
      expect(at('970000')).toMatchObject({ outcome: 'approved', effects: { warning: { reason: expect.stringContaining('DRAWDOWN') } } });
      expect(at('950000.01')).toMatchObject({ outcome: 'approved' });
      expect(at('950000')).toMatchObject({ reason: 'DRAWDOWN_LIMIT_BREACHED', effects: { breaches: [{ kind: 'DRAWDOWN', observed: '500', threshold: '500' }] } });
    });
  });

  describe('repeated automated execution throttle', () => {
    const throttle = { executionThrottle: { maxFills: 5, windowMs: 10_000, scope: 'strategy' as const } };
    const fills = (...buckets: [msAgo: number, count: number][]) => ({ fills: buckets.map(([msAgo, count]) => ({ bucketStartMs: NOW - msAgo, count })) });

    it('allows one fill fewer than the throttle within the window and trips at the throttle', () => {
      const at = (count: number) => evaluateIntent(riskInputs({ throttle: { strategy: fills([10_000, 1], [2_000, count - 1]), account: fills() } }, throttle));
      expect(at(4)).toMatchObject({ outcome: 'approved' });
      expect(at(5)).toMatchObject({ reason: 'EXECUTION_THROTTLE_TRIPPED', effects: { throttleTrip: { strategy: 'test-strategy', fills: 5 } } });
    });

    it('does not count fills that left the window', () => {
      const decision = evaluateIntent(riskInputs({ throttle: { strategy: fills([11_000, 4], [1_000, 4]), account: fills() } }, throttle));
      expect(decision).toMatchObject({ outcome: 'approved' });
    });

    it('stays disabled after a trip, however old the fills, until a person re-enables it', () => {
      const disabled = { ...fills(), disabledAt: NOW - 3_600_000 };
      expect(evaluateIntent(riskInputs({ throttle: { strategy: disabled, account: fills() } }, throttle))).toMatchObject({ reason: 'EXECUTION_THROTTLE_DISABLED' });
      const reenabled = { ...fills([5_000, 9], [1_000, 4]), disabledAt: NOW - 6_000, enabledAt: NOW - 4_000, enabledBy: 'jane.doe' };
      // The 9 fills before the re-enable no longer count; the 4 after it are under the throttle.
      expect(evaluateIntent(riskInputs({ throttle: { strategy: reenabled, account: fills() } }, throttle))).toMatchObject({ outcome: 'approved' });
    });

    it('throttles the whole account when configured for the account scope', () => {
      const state = { strategy: fills(), account: fills([1_000, 5]) };
      expect(evaluateIntent(riskInputs({ throttle: state }, throttle))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(riskInputs({ throttle: state }, { executionThrottle: { ...throttle.executionThrottle, scope: 'account' } }))).toMatchObject({
        reason: 'EXECUTION_THROTTLE_TRIPPED',
        effects: { throttleTrip: { strategy: '*' } },
      });
    });
  });

  describe('market session', () => {
    const at = (nowMs: number, symbol = 'AAPL') =>
      evaluateIntent(
        riskInputs({
          nowMs,
          intent: order({ symbol, quantity: symbol === 'AAPL' ? '10' : '0.1' }),
          marks: { AAPL: { price: '100', at: new Date(nowMs - 1000).toISOString() }, 'BTC/USD': { price: '90000', at: new Date(nowMs - 1000).toISOString() } },
        }, symbol === 'AAPL' ? {} : { quantity: { min: '0.001', max: '1000', lotSize: '0.001' } }),
      );

    it('denies before the open and allows from the open of the symbol\'s market', () => {
      expect(at(XNYS_OPEN_TODAY - 1)).toMatchObject({ reason: 'MARKET_CLOSED' });
      expect(at(XNYS_OPEN_TODAY)).toMatchObject({ outcome: 'approved' });
    });

    it('denies on an exchange holiday and names it', () => {
      const thanksgiving = Date.parse('2026-11-26T16:00:00.000Z');
      expect(at(thanksgiving)).toMatchObject({ reason: 'MARKET_CLOSED', message: expect.stringContaining('holiday') });
    });

    it('allows on the last trading day its calendar covers and denies on the next weekday, past the coverage, saying so', () => {
      expect(at(Date.parse('2027-12-31T15:00:00.000Z'))).toMatchObject({ outcome: 'approved' });
      expect(at(Date.parse('2028-01-03T15:00:00.000Z'))).toMatchObject({ reason: 'MARKET_CLOSED', message: expect.stringContaining('past the calendar, which covers through 2027-12-31') });
    });

    it('allows a symbol of a 24/7 market on a Saturday', () => {
      const saturday = Date.parse('2026-11-28T03:00:00.000Z');
      expect(at(saturday)).toMatchObject({ reason: 'MARKET_CLOSED' });
      expect(at(saturday, 'BTC/USD')).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('order size against average daily volume', () => {
    const adv = (quantity: string, advValue: string | undefined) =>
      evaluateIntent(riskInputs({ intent: buy(quantity), reference: { AAPL: { ...(advValue ? { adv: advValue } : {}), sector: 'TECHNOLOGY' } } }, { maxFractionOfAdv: '0.05' }));

    it('allows an order of exactly the fraction of ADV and denies one share more', () => {
      expect(adv('500', '10000')).toMatchObject({ outcome: 'approved' });
      expect(adv('501', '10000')).toMatchObject({ reason: 'ORDER_SIZE_EXCEEDS_ADV' });
    });

    it('denies when the symbol has no average daily volume (fail closed)', () => {
      expect(adv('1', undefined)).toMatchObject({ reason: 'ADV_UNAVAILABLE' });
    });
  });

  describe('collar over a period', () => {
    const drift = { periodCollar: { windowMs: 60_000, maxDriftBps: 100 }, priceCollar: { maxDeviationBps: 500, markMaxAgeMs: 5000 } };
    const limitAt = (price: string) => order({ orderType: 'limit', limitPrice: price });

    it("allows the strategy's prices to drift up to the limit within the window and denies a cent more", () => {
      const history = [approval(30_000, { price: '100' })];
      expect(evaluateIntent(riskInputs({ intent: limitAt('101'), recentApprovals: history }, drift))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(riskInputs({ intent: limitAt('101.01'), recentApprovals: history }, drift))).toMatchObject({ reason: 'PRICE_DRIFT_EXCEEDED' });
    });

    it("ignores other strategies' orders and orders that left the window", () => {
      const history = [approval(30_000, { price: '90', strategy: 'other' }), approval(61_000, { price: '90' })];
      expect(evaluateIntent(riskInputs({ intent: limitAt('101'), recentApprovals: history }, drift))).toMatchObject({ outcome: 'approved' });
    });
  });

  describe('message rate', () => {
    it('counts cancels with orders in the account window but never as duplicative orders', () => {
      const rate = { orderRate: { maxOrders: 3, windowMs: 1000, perSymbol: { maxOrders: 1000, windowMs: 1000 } } };
      const cancels = [approval(100, { kind: 'cancel', quantity: '10' }), approval(200, { kind: 'cancel', quantity: '10' })];
      expect(evaluateIntent(riskInputs({ intent: buy('10'), recentApprovals: cancels }, rate))).toMatchObject({ outcome: 'approved' });
      expect(evaluateIntent(riskInputs({ intent: buy('10'), recentApprovals: [...cancels, approval(300, { kind: 'cancel' })] }, rate))).toMatchObject({
        reason: 'RATE_LIMIT_EXCEEDED',
      });
    });
  });
});
