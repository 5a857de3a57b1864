// Builders for pure risk-evaluation inputs: an account in a known state at 2026-11-23T15:00Z (a Monday,
// 10:00 in New York), with generous limits except where a test tightens one control.
import type { OrderIntent } from '../../shared/events/order-events';
import type { RiskInputs } from '../../shared/risk/evaluate';
import type { BookEntry } from '../../shared/ledger/account-book';
import type { ApprovalEntry } from '../../shared/ports/risk-store';
import type { RiskLimits } from '../../shared/risk/limits';
import { intentFor, STRATEGY, testLimits } from './fixtures';

export const NOW = Date.parse('2026-11-23T15:00:00.000Z');
export const XNYS_OPEN_TODAY = Date.parse('2026-11-23T14:30:00.000Z');
export const FRESH = '2026-11-23T14:59:59.000Z';

/** Limits that let every order below through, so each test tightens exactly the control it is about. */
export const generousLimits: RiskLimits = testLimits({
  quantity: { min: '1', max: '1000000', lotSize: '1' },
  maxOrderNotional: '100000000',
  position: { maxLongQuantity: '1000000', maxShortQuantity: '1000000', maxLongNotional: '100000000', maxShortNotional: '100000000' },
  maxOpenOrders: 1000,
  orderRate: { maxOrders: 1000, windowMs: 1000, perSymbol: { maxOrders: 1000, windowMs: 1000 } },
  sessions: { defaultMarket: 'XNYS', bySymbol: { 'BTC/USD': 'CRYPTO' } },
  periodCollar: { windowMs: 60_000, maxDriftBps: 10_000 },
  maxFractionOfAdv: '1',
  exposure: { maxGrossNotional: '100000000', maxNetNotional: '100000000', maxLeverage: '100', maxSymbolConcentration: '1', maxSectorConcentration: '1' },
  loss: { sessionMarket: 'XNYS', dailyLossWarning: '25000', dailyLossBreaker: '50000', drawdownWarningBps: 300, drawdownBreakerBps: 500 },
  executionThrottle: { maxFills: 1000, windowMs: 60_000, scope: 'strategy' },
  intentFlood: { maxPerStrategyPerSecond: 1000, maxPerAccountPerSecond: 1000 },
});

export const entry = (quantity: string, inFlightBuy = '0', inFlightSell = '0'): BookEntry => ({ quantity, inFlightBuy, inFlightSell });

export const order = (over: Partial<OrderIntent> = {}): OrderIntent => intentFor('i-1', over);

export const approval = (msAgo: number, over: Partial<ApprovalEntry> = {}): ApprovalEntry => ({
  at: NOW - msAgo,
  kind: 'order',
  symbol: 'AAPL',
  side: 'buy',
  quantity: '1',
  strategy: STRATEGY,
  price: '100',
  ...over,
});

/** AAPL at 100 and MSFT at 300 (both technology), SPY at 500 (index); 1,000,000 cash and no positions. */
export const riskInputs = (over: Partial<RiskInputs> = {}, limits: Partial<RiskLimits> = {}): RiskInputs => ({
  intent: order(),
  account: 'acct-controls',
  strategy: STRATEGY,
  tradingState: 'ACTIVE',
  tradingStateSince: '2026-11-23T14:00:00.000Z',
  // The first intent of its second: the flood limit is far away unless a test says otherwise.
  intentCount: { ok: true, bucketStartMs: NOW, account: 1, strategy: 1 },
  defaults: { ...generousLimits, ...limits },
  limitsOverride: undefined,
  marks: {
    AAPL: { price: '100', at: FRESH },
    MSFT: { price: '300', at: FRESH },
    SPY: { price: '500', at: FRESH },
    'BTC/USD': { price: '90000', at: FRESH },
  },
  book: { cash: '1000000', positions: {} },
  reference: {
    AAPL: { adv: '50000000', sector: 'TECHNOLOGY' },
    MSFT: { adv: '20000000', sector: 'TECHNOLOGY' },
    SPY: { adv: '60000000', sector: 'INDEX' },
    'BTC/USD': { adv: '30000', sector: 'CRYPTO' },
  },
  session: undefined,
  throttle: { strategy: { fills: [] }, account: { fills: [] } },
  recentApprovals: [],
  openOrders: 0,
  nowMs: NOW,
  ...over,
});
