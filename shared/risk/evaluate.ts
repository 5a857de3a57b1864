// Pre-trade evaluation: a pure function of the intent, the limits and a snapshot of state. Checks run in
// the fixed order of CHECK_ORDER (docs/risk-controls.md); every check runs, the first failure decides, and
// all failures are reported. Anything unexpected while evaluating denies with EVALUATION_FAILED and no
// side effects. Arithmetic is exact (Fixed); ratios are compared by cross-multiplying, never divided.
import { describeClosure, isMarketOpen, sessionStartMs } from '../calendar/trading-calendar';
import type { OrderIntent } from '../events/order-events';
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';
import { isoToEpochMs } from '../time/iso-time';
import { tradingStateDenial, type TradingState } from '../trading-state/trading-state';
import { assessExecutionThrottle } from './execution-throttle';
import { approvalsHorizonMs, resolveCompiledLimits, saturatedWindowsOf, type RiskLimits } from './limits';
import type { AccountBook } from '../ledger/account-book';
import type { ItemRevision } from '../market/item-revision';
import type { InstrumentReference } from '../market/marks';
import type { ApprovalEntry, ExecutionThrottleState, RiskSession } from '../ports/risk-store';
import { compactUtcMinute } from '../time/utc';
import type { BreachKind } from '../events/risk-events';
import { assessLoss, type LossFinding } from './loss';
import { symbolExposure, UNCLASSIFIED_SECTOR, valueAccount, type SymbolExposure, type Valuation } from './portfolio';
import type { DenialReason } from '../reasons/denial-reasons';
import type { Mark } from '../market/marks';

export interface RiskInputs {
  intent: OrderIntent;
  account: string;
  strategy: string;
  tradingState: TradingState | undefined;
  defaults: RiskLimits;
  /** The raw per-account override item, validated here so a bad one denies instead of throwing. */
  limitsOverride: unknown;
  /** The override item's write counter: the compiled-limits memo key. */
  limitsVersion?: string;
  marks: Readonly<Record<string, Mark>>;
  book: AccountBook;
  reference: Readonly<Record<string, InstrumentReference>>;
  /** The stored states of the marks and reference items: with the book's, they let the valuation skip what did not change. */
  marksRevision?: ItemRevision | undefined;
  referenceRevision?: ItemRevision | undefined;
  session: RiskSession | undefined;
  throttle: { strategy: ExecutionThrottleState; account: ExecutionThrottleState };
  /** Orders and cancels of the account within the approvals horizon, oldest first. */
  recentApprovals: readonly ApprovalEntry[];
  /** Approved orders of the account not final yet. */
  openOrders: number;
  nowMs: number;
}

export interface BreachFinding {
  kind: Extract<BreachKind, LossFinding['kind'] | 'ORDER_RATE'>;
  observed: string;
  threshold: string;
  /** The breach id's last part when it is not the loss session's start (ORDER_RATE: the UTC minute). */
  idSuffix?: string;
}

/** What a decision changes besides the order itself, whatever its outcome. */
export interface RiskEffects {
  /** The risk session to store: a new session or a higher peak. */
  session?: RiskSession;
  /** The loss warning moves ACTIVE to WARNING. */
  tradingState?: { from: TradingState; to: TradingState; reason: string };
  /** Breaker-level findings (loss, drawdown, a saturated message rate): each becomes a RiskBreach event. */
  breaches: BreachFinding[];
  sessionStartMs?: number;
  /** The execution throttle tripped in this scope ('*': the account). */
  throttleTrip?: { strategy: string; fills: number };
  throttlePrune: { strategy: string; bucketStartMs: number[] }[];
}

export type RiskDecision = (
  | {
      outcome: 'approved';
      notional: string;
      approvedQuantity: string;
      /** The limit price, or the mark a market order was valued at: remembered for the period collar. */
      price: string;
      checks: readonly string[];
      /** How far back the approvals window must be kept for the limits this decision used. */
      approvalsHorizonMs: number;
    }
  | { outcome: 'denied'; reason: DenialReason; failedChecks: DenialReason[]; message: string }
) & { effects: RiskEffects };

export const CHECK_ORDER = [
  'trading-state',
  'limits',
  'valuation',
  'loss-drawdown',
  'execution-throttle',
  'market-session',
  'instrument',
  'order-type',
  'quantity',
  'reference-price',
  'price-collar',
  'period-collar',
  'adv',
  'order-notional',
  'position-limit',
  'exposure',
  'open-orders',
  'order-rate',
  'symbol-rate',
  'duplicative',
] as const;

/** Entries still inside the sliding window ending at nowMs. */
export const approvalsInWindow = <T extends { at: number }>(entries: readonly T[], nowMs: number, windowMs: number): T[] =>
  entries.filter((e) => e.at > nowMs - windowMs && e.at <= nowMs);

const BPS = fx.fixedFromInt(10_000);
const ZERO = fx.fixedFromInt(0);

/** Whether the order shrinks the position even if every in-flight order on its side fills first. */
export const reducesExposure = (side: 'buy' | 'sell', quantity: Fixed, exposure: Pick<SymbolExposure, 'quantity' | 'long' | 'short'> | undefined): boolean => {
  if (!exposure) return false;
  return side === 'buy'
    ? fx.sign(exposure.quantity) < 0 && fx.lte(fx.add(exposure.long, quantity), ZERO)
    : fx.sign(exposure.quantity) > 0 && fx.gte(fx.sub(exposure.short, quantity), ZERO);
};

/** `value > fraction x base`, with a non-positive base always exceeded (nothing is small against no equity). */
const exceedsShare = (value: Fixed, fraction: Fixed, base: Fixed): boolean => fx.sign(base) <= 0 || fx.gt(value, fx.mul(fraction, base));

const text = fx.toDecimalString;

/**
 * ORDER_RATE: the account's messages reached the maximum in each of the last `windows` consecutive windows
 * ((now − (k+1)·w, now − k·w] for k = 0…windows−1). Only called for a message the account rate denies.
 */
const saturatedRate = (approvals: readonly ApprovalEntry[], nowMs: number, windowMs: number, maxOrders: number, windows: number): BreachFinding | undefined => {
  if (windows <= 0) return undefined;
  const counts = new Array<number>(windows).fill(0);
  for (const e of approvals) {
    const age = nowMs - e.at;
    if (age < 0) continue;
    const k = Math.floor(age / windowMs);
    if (k < windows) counts[k] = (counts[k] ?? 0) + 1;
  }
  if (!counts.every((c) => c >= maxOrders)) return undefined;
  return {
    kind: 'ORDER_RATE',
    observed: String(counts.reduce((a, b) => a + b, 0)),
    threshold: String(maxOrders * windows),
    idSuffix: compactUtcMinute(nowMs),
  };
};

const evaluateUnsafe = (inputs: RiskInputs): RiskDecision => {
  const failures: { reason: DenialReason; message: string }[] = [];
  const fail = (reason: DenialReason, message: string) => void failures.push({ reason, message });
  const effects: RiskEffects = { breaches: [], throttlePrune: [] };
  const { intent, nowMs } = inputs;
  const mark = inputs.marks[intent.symbol];
  const requested = fx.parseFixed(intent.quantity);
  const limitPrice = intent.orderType === 'limit' && intent.limitPrice !== undefined ? fx.parseFixed(intent.limitPrice) : undefined;

  // 1. trading state
  let state = inputs.tradingState;
  const stateDenial = tradingStateDenial(state);
  if (stateDenial) fail(stateDenial, `trading state is ${state ?? 'missing'}`);

  // 2. limits
  const limits = resolveCompiledLimits(inputs.defaults, inputs.limitsOverride, inputs.limitsVersion);
  if (!limits) fail('LIMITS_INVALID', 'the account limits override does not match its schema');

  // 3. valuation: every symbol with exposure must have a mark, or equity and exposure are unknown
  const valuation: Valuation = valueAccount(inputs.account, inputs.book, inputs.marks, inputs.reference, {
    marks: inputs.marksRevision,
    reference: inputs.referenceRevision,
  });
  const valued = valuation.unmarked.length === 0;
  if (!valued) fail('PORTFOLIO_UNMARKED', `no mark to value ${valuation.unmarked.join(', ')}`);
  const held = valuation.exposureOf(intent.symbol);
  const reduces = reducesExposure(intent.side, requested, held);

  // 4. loss and drawdown over the session; the warning level moves ACTIVE to WARNING before sizing
  if (limits && valued) {
    const sessionStart = sessionStartMs(limits.lossCalendar, nowMs);
    const loss = assessLoss(limits.loss, inputs.session, sessionStart, valuation.equity);
    effects.sessionStartMs = sessionStart;
    if (loss.changed) effects.session = loss.session;
    if (loss.level !== 'ok' && state === 'ACTIVE') {
      effects.tradingState = { from: 'ACTIVE', to: 'WARNING', reason: loss.findings.map((f) => `${f.kind} ${f.observed} >= ${f.threshold}`).join('; ') };
      state = 'WARNING';
    }
    const lossBreaches = loss.findings.filter((f) => f.level === 'breaker');
    effects.breaches.push(...lossBreaches);
    for (const breach of lossBreaches) {
      if (reduces) continue;
      fail(
        breach.kind === 'DAILY_LOSS' ? 'DAILY_LOSS_LIMIT_BREACHED' : 'DRAWDOWN_LIMIT_BREACHED',
        breach.kind === 'DAILY_LOSS'
          ? `daily loss ${breach.observed} reached the breaker ${breach.threshold}; only orders that reduce exposure pass`
          : `drawdown ${breach.observed} bps reached the breaker ${breach.threshold} bps; only orders that reduce exposure pass`,
      );
    }
  }

  // State-dependent size: WARNING scales down to whole lots, REDUCING lets only a shrinking order through.
  let quantity = requested;
  if (state === 'WARNING' && limits) {
    const lot = limits.quantity.lotSize;
    quantity = fx.mul(fx.floorDiv(fx.mul(requested, limits.warningSizeFactor), lot), lot);
    if (fx.isZero(quantity)) fail('WARNING_SCALED_TO_ZERO', `WARNING scales ${intent.quantity} by ${limits.raw.warningSizeFactor} to zero lots`);
  }
  if (state === 'REDUCING' && !reduces) {
    fail('TRADING_REDUCING', `REDUCING allows only orders that shrink the ${intent.symbol} position of ${held ? text(held.quantity) : '0'}`);
  }

  if (limits) {
    // 5. execution throttle
    const throttle = assessExecutionThrottle(limits.raw.executionThrottle, inputs.strategy, inputs.throttle, nowMs);
    effects.throttlePrune = throttle.prune;
    if (throttle.status === 'disabled') fail('EXECUTION_THROTTLE_DISABLED', throttle.message);
    if (throttle.status === 'tripped') {
      fail('EXECUTION_THROTTLE_TRIPPED', throttle.message);
      effects.throttleTrip = { strategy: throttle.scopeKey, fills: throttle.fillsInWindow };
    }

    // 6. market session of the symbol's calendar
    const { market, calendar } = limits.calendarFor(intent.symbol);
    if (!isMarketOpen(calendar, nowMs)) fail('MARKET_CLOSED', describeClosure(calendar, nowMs) ?? `${market} is closed`);

    // 7. instrument
    if (limits.allowed && !limits.allowed.has(intent.symbol)) fail('INSTRUMENT_NOT_ALLOWED', `${intent.symbol} is not on the allow-list`);
    if (limits.restricted.has(intent.symbol)) fail('INSTRUMENT_RESTRICTED', `${intent.symbol} is restricted`);

    // 8. order type and time in force
    if (!limits.orderTypes.has(intent.orderType)) fail('ORDER_TYPE_NOT_ALLOWED', `${intent.orderType} orders are not allowed`);
    if (!limits.timeInForce.has(intent.timeInForce)) fail('TIME_IN_FORCE_NOT_ALLOWED', `time in force ${intent.timeInForce} is not allowed`);

    // 9. quantity (the requested size: scaling in WARNING must not turn a fat finger into a valid order)
    const q = limits.raw.quantity;
    if (fx.lt(requested, limits.quantity.min)) fail('QUANTITY_BELOW_MINIMUM', `${intent.quantity} is below the minimum ${q.min}`);
    if (fx.gt(requested, limits.quantity.max)) fail('QUANTITY_ABOVE_MAXIMUM', `${intent.quantity} exceeds the maximum ${q.max}`);
    if (!fx.isMultipleOf(requested, limits.quantity.lotSize)) fail('QUANTITY_NOT_LOT_MULTIPLE', `${intent.quantity} is not a multiple of the lot size ${q.lotSize}`);
  }

  // 10. reference price: the latest stored mark, never the strategy's own price, and fresh
  let reference: Fixed | undefined;
  if (!mark) {
    fail('MARK_UNAVAILABLE', `no mark for ${intent.symbol}`);
  } else if (limits && !(nowMs - isoToEpochMs(mark.at) <= limits.raw.priceCollar.markMaxAgeMs)) {
    // NaN (unparseable or impossible time) also lands here: an undatable mark is no reference.
    fail('MARK_STALE', `mark for ${intent.symbol} at ${mark.at} is older than ${limits.raw.priceCollar.markMaxAgeMs} ms`);
  } else {
    reference = fx.parseFixed(mark.price);
  }
  const orderPrice = limitPrice ?? reference;

  if (limits && reference) {
    // 11. price collar: |limit - mark| x 10000 <= bps x mark
    if (limitPrice && fx.gt(fx.mul(fx.abs(fx.sub(limitPrice, reference)), BPS), fx.mul(limits.collarBps, reference))) {
      fail('PRICE_OUTSIDE_COLLAR', `limit ${intent.limitPrice} is more than ${limits.raw.priceCollar.maxDeviationBps} bps from the mark ${mark?.price}`);
    }

    // 12. collar over a period: this strategy's prices in this symbol within the window may drift only so far
    if (orderPrice) {
      const { windowMs } = limits.raw.periodCollar;
      let low = orderPrice;
      let high = orderPrice;
      for (const e of inputs.recentApprovals) {
        if (e.kind !== 'order' || e.symbol !== intent.symbol || e.strategy !== inputs.strategy || e.at <= nowMs - windowMs || e.at > nowMs) continue;
        const price = fx.parseFixed(e.price);
        if (fx.lt(price, low)) low = price;
        if (fx.gt(price, high)) high = price;
      }
      if (fx.gt(fx.mul(fx.sub(high, low), BPS), fx.mul(limits.periodDriftBps, low))) {
        fail(
          'PRICE_DRIFT_EXCEEDED',
          `${inputs.strategy}'s ${intent.symbol} prices within ${windowMs} ms span ${text(low)} to ${text(high)}, more than ${limits.raw.periodCollar.maxDriftBps} bps`,
        );
      }
    }
  }

  if (limits) {
    // 13. order size against average daily volume (fat finger)
    const adv = inputs.reference[intent.symbol]?.adv;
    if (adv === undefined) {
      fail('ADV_UNAVAILABLE', `no average daily volume for ${intent.symbol}`);
    } else if (fx.gt(requested, fx.mul(limits.maxFractionOfAdv, fx.parseFixed(adv)))) {
      fail('ORDER_SIZE_EXCEEDS_ADV', `${intent.quantity} is more than ${limits.raw.maxFractionOfAdv} of the average daily volume ${adv}`);
    }
  }

  // 14. notional: market orders at the mark, limit orders at their limit price
  let notional: Fixed | undefined;
  if (orderPrice && limits) {
    notional = fx.mul(quantity, orderPrice);
    if (fx.lt(notional, limits.minOrderNotional)) fail('ORDER_NOTIONAL_BELOW_MINIMUM', `notional ${text(notional)} is below the minimum ${limits.raw.minOrderNotional}`);
    if (fx.gt(notional, limits.maxOrderNotional)) fail('ORDER_NOTIONAL_EXCEEDED', `notional ${text(notional)} exceeds the maximum ${limits.raw.maxOrderNotional}`);
  }

  // 15. position limit per symbol, worst case: held + every approved order still in flight + this one
  if (limits && orderPrice) {
    const limit = limits.position;
    const raw = limits.raw.position;
    if (intent.side === 'buy') {
      const long = fx.add(held?.long ?? ZERO, quantity);
      if (fx.gt(long, limit.maxLongQuantity)) {
        fail('POSITION_LIMIT_EXCEEDED', `long ${intent.symbol} could reach ${text(long)}, above ${raw.maxLongQuantity}`);
      } else if (fx.gt(fx.mul(long, orderPrice), limit.maxLongNotional)) {
        fail('POSITION_NOTIONAL_EXCEEDED', `long ${intent.symbol} could reach ${text(fx.mul(long, orderPrice))}, above ${raw.maxLongNotional}`);
      }
    } else {
      const short = fx.sub(quantity, held?.short ?? ZERO);
      if (fx.gt(short, limit.maxShortQuantity)) {
        fail('POSITION_LIMIT_EXCEEDED', `short ${intent.symbol} could reach ${text(short)}, above ${raw.maxShortQuantity}`);
      } else if (fx.gt(fx.mul(short, orderPrice), limit.maxShortNotional)) {
        fail('POSITION_NOTIONAL_EXCEEDED', `short ${intent.symbol} could reach ${text(fx.mul(short, orderPrice))}, above ${raw.maxShortNotional}`);
      }
    }
  }

  // 16. account exposure valued at the marks, worst case; an order that does not raise a measure passes it
  if (limits && reference && valued) {
    const e = limits.exposure;
    const before = held ?? symbolExposure(ZERO, ZERO, ZERO, reference, inputs.reference[intent.symbol]?.sector ?? UNCLASSIFIED_SECTOR);
    const buy = intent.side === 'buy' ? quantity : ZERO;
    const sell = intent.side === 'sell' ? quantity : ZERO;
    const after = symbolExposure(before.quantity, fx.sub(fx.add(before.long, buy), before.quantity), fx.sub(before.quantity, fx.sub(before.short, sell)), before.mark, before.sector);
    const equity = valuation.equity;
    const grossAfter = fx.add(fx.sub(valuation.gross, before.gross), after.gross);
    const raisesGross = fx.gt(after.gross, before.gross);
    if (raisesGross && fx.gt(grossAfter, e.maxGrossNotional)) {
      fail('GROSS_EXPOSURE_EXCEEDED', `gross exposure could reach ${text(grossAfter)}, above ${limits.raw.exposure.maxGrossNotional}`);
    }
    const netBefore = fx.max(fx.abs(valuation.netHigh), fx.abs(valuation.netLow));
    const netAfter = fx.max(
      fx.abs(fx.add(fx.sub(valuation.netHigh, before.netHigh), after.netHigh)),
      fx.abs(fx.add(fx.sub(valuation.netLow, before.netLow), after.netLow)),
    );
    if (fx.gt(netAfter, netBefore) && fx.gt(netAfter, e.maxNetNotional)) {
      fail('NET_EXPOSURE_EXCEEDED', `net exposure could reach ${text(netAfter)}, above ${limits.raw.exposure.maxNetNotional}`);
    }
    if (raisesGross) {
      if (exceedsShare(grossAfter, e.maxLeverage, equity)) {
        fail('LEVERAGE_EXCEEDED', `gross ${text(grossAfter)} against equity ${text(equity)} exceeds leverage ${limits.raw.exposure.maxLeverage}`);
      }
      if (exceedsShare(after.gross, e.maxSymbolConcentration, equity)) {
        fail('SYMBOL_CONCENTRATION_EXCEEDED', `${intent.symbol} could reach ${text(after.gross)}, more than ${limits.raw.exposure.maxSymbolConcentration} of equity ${text(equity)}`);
      }
      const sectorAfter = fx.add(fx.sub(valuation.sectorGross.get(before.sector)?.gross ?? ZERO, before.gross), after.gross);
      if (exceedsShare(sectorAfter, e.maxSectorConcentration, equity)) {
        fail('SECTOR_CONCENTRATION_EXCEEDED', `sector ${before.sector} could reach ${text(sectorAfter)}, more than ${limits.raw.exposure.maxSectorConcentration} of equity ${text(equity)}`);
      }
    }
  }

  if (limits) {
    // 17. open orders: the new one must fit under the maximum
    if (inputs.openOrders + 1 > limits.raw.maxOpenOrders) {
      fail('OPEN_ORDERS_EXCEEDED', `${inputs.openOrders} orders are open, the maximum is ${limits.raw.maxOpenOrders}`);
    }

    // 18-19. message rate per account and per symbol, orders and cancels alike (sliding windows, deny not queue)
    const rate = limits.raw.orderRate;
    let accountCount = 0;
    let symbolCount = 0;
    let twinAt: number | undefined;
    const dupSince = nowMs - limits.raw.duplicative.windowMs;
    for (const e of inputs.recentApprovals) {
      if (e.at > nowMs) continue;
      if (e.at > nowMs - rate.windowMs) accountCount++;
      if (e.symbol === intent.symbol && e.at > nowMs - rate.perSymbol.windowMs) symbolCount++;
      // 20. duplicative: the same symbol, side and size approved moments ago is most likely a repeat
      if (twinAt === undefined && e.kind === 'order' && e.at > dupSince && e.symbol === intent.symbol && e.side === intent.side && fx.eq(fx.parseFixed(e.quantity), requested)) {
        twinAt = e.at;
      }
    }
    if (accountCount >= rate.maxOrders) {
      fail('RATE_LIMIT_EXCEEDED', `${accountCount} messages in the last ${rate.windowMs} ms reach the maximum ${rate.maxOrders}`);
      const saturation = saturatedRate(inputs.recentApprovals, nowMs, rate.windowMs, rate.maxOrders, saturatedWindowsOf(limits.raw));
      if (saturation) effects.breaches.push(saturation);
    }
    if (symbolCount >= rate.perSymbol.maxOrders) {
      fail('SYMBOL_RATE_LIMIT_EXCEEDED', `${symbolCount} ${intent.symbol} messages in the last ${rate.perSymbol.windowMs} ms reach the maximum ${rate.perSymbol.maxOrders}`);
    }
    if (twinAt !== undefined) fail('DUPLICATIVE_ORDER', `${intent.side} ${intent.quantity} ${intent.symbol} repeats an order approved ${nowMs - twinAt} ms ago`);
  }

  const first = failures[0];
  if (first) {
    return { outcome: 'denied', reason: first.reason, failedChecks: failures.map((f) => f.reason), message: failures.map((f) => f.message).join('; '), effects };
  }
  if (notional === undefined || !limits || !orderPrice) throw new Error('notional, price or limits missing after every check passed');
  return {
    outcome: 'approved',
    notional: text(notional),
    // The strings as written when nothing was scaled or derived (most decisions): no formatting needed.
    approvedQuantity: quantity === requested ? intent.quantity : text(quantity),
    price: orderPrice === limitPrice && intent.limitPrice !== undefined ? intent.limitPrice : orderPrice === reference && mark ? mark.price : text(orderPrice),
    checks: CHECK_ORDER,
    approvalsHorizonMs: approvalsHorizonMs(limits.raw),
    effects,
  };
};

export const evaluateIntent = (inputs: RiskInputs): RiskDecision => {
  try {
    return evaluateUnsafe(inputs);
  } catch (error) {
    return {
      outcome: 'denied',
      reason: 'EVALUATION_FAILED',
      failedChecks: ['EVALUATION_FAILED'],
      message: `evaluation failed: ${error instanceof Error ? error.message : String(error)}`,
      effects: { breaches: [], throttlePrune: [] },
    };
  }
};
