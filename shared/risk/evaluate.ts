// Pre-trade evaluation: a pure function of the intent, the limits and a snapshot of state. Checks run in
// the fixed order of CHECK_ORDER (docs/risk-controls.md); every check runs, the first failure decides, and
// all failures are reported. Anything unexpected while evaluating denies with EVALUATION_FAILED and no
// side effects but the intent flood's breach (assessed apart, so a flood is stopped even then). Arithmetic is exact (Fixed); ratios are compared by cross-multiplying, never divided.
import { describeClosure, isMarketOpen, sessionStartMs } from '../calendar/trading-calendar';
import type { OrderIntent } from '../events/order-events';
import * as fx from '../money/fixed';
import { isoToEpochMs } from '../time/iso-time';
import { tradingStateDenial, type TradingState } from '../trading-state/trading-state';
import { assessExecutionThrottle } from './execution-throttle';
import { isStrategyDisabled, type StrategySwitch } from '../strategy-switch/switch-state';
import { assessIntentFloodOf, type IntentCountReading, type IntentFloodAssessment } from './intent-flood';
import { approvalsHorizonMs, resolveCompiledLimits, saturatedWindowsOf, type CompiledLimits, type RiskLimits } from './limits';
import type { AccountBook } from '../ledger/account-book';
import type { ItemRevision } from '../market/item-revision';
import type { InstrumentReference, Mark } from '../market/marks';
import type { ApprovalEntry, ExecutionThrottleState, RiskSession } from '../ports/risk-store';
import { compactUtcMinute } from '../time/utc';
import type { BreachKind } from '../events/risk-events';
import { assessLoss, sessionWarning, type LossFinding } from './loss';
import { reducesExposure, symbolExposure, UNCLASSIFIED_SECTOR, valueAccount, type SymbolExposure, type Valuation } from './portfolio';
import type { DenialReason } from '../reasons/denial-reasons';

export interface RiskInputs {
  intent: OrderIntent;
  account: string;
  strategy: string;
  tradingState: TradingState | undefined;
  /** The intent's strategy's switch, when it was ever switched (absent: ENABLED). */
  strategySwitch?: StrategySwitch | undefined;
  /** When the trading state was last written (the state item's updatedAt): names the flood's episode. */
  tradingStateSince?: string | undefined;
  /** This intent's count for the flood limit, taken before anything was decided; not ok denies. */
  intentCount: IntentCountReading;
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
  kind: Extract<BreachKind, LossFinding['kind'] | 'ORDER_RATE' | 'INTENT_FLOOD'>;
  observed: string;
  threshold: string;
  /** The breach id's last part when it is not the loss session's start (ORDER_RATE: the UTC minute; INTENT_FLOOD: the episode). */
  idSuffix?: string;
  /** What was found, in words, when the figures do not say it. */
  reason?: string;
}

/** What a decision changes besides the order itself, whatever its outcome. */
export interface RiskEffects {
  /** The risk session to store: a new session or a higher peak. */
  session?: RiskSession;
  /** The session's loss warning was reached by this decision (stored on the session; the account trades as WARNING). */
  warning?: { reason: string };
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
  'strategy-switch',
  'intent-flood',
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

/** `value > fraction x base`, with a non-positive base always exceeded (nothing is small against no equity). */
const exceedsShare = (value: fx.Fixed, fraction: fx.Fixed, base: fx.Fixed): boolean => fx.sign(base) <= 0 || fx.gt(value, fx.mul(fraction, base));

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

/** What one evaluation has found so far: the checks' failures and effects, and the figures later checks use. */
interface Evaluation {
  readonly inputs: RiskInputs;
  readonly failures: { reason: DenialReason; message: string }[];
  readonly effects: RiskEffects;
  readonly requested: fx.Fixed;
  readonly limitPrice: fx.Fixed | undefined;
  /** The state the order is sized under: the stored one, or WARNING once the loss warning moved it. */
  state: TradingState | undefined;
  limits: CompiledLimits | null;
  valuation: Valuation;
  valued: boolean;
  held: SymbolExposure | undefined;
  reduces: boolean;
  /** The size that would be approved (WARNING scales it down). */
  quantity: fx.Fixed;
  /** The stored mark, when present and fresh. */
  reference: fx.Fixed | undefined;
  orderPrice: fx.Fixed | undefined;
  notional: fx.Fixed | undefined;
}

const fail = (ev: Evaluation, reason: DenialReason, message: string): void => void ev.failures.push({ reason, message });

/** 1-4: the trading state, the intent flood, the limits and the valuation every later check reads. */
const begin = (inputs: RiskInputs, flood: IntentFloodAssessment, limits: CompiledLimits | null): Evaluation => {
  const { intent } = inputs;
  const requested = fx.parseFixed(intent.quantity);
  // 4. valuation: every symbol with exposure must have a mark, or equity and exposure are unknown
  const valuation: Valuation = valueAccount(inputs.account, inputs.book, inputs.marks, inputs.reference, {
    marks: inputs.marksRevision,
    reference: inputs.referenceRevision,
  });
  const held = valuation.exposureOf(intent.symbol);
  const ev: Evaluation = {
    inputs,
    failures: [],
    effects: { breaches: flood.breach ? [flood.breach] : [], throttlePrune: [] },
    requested,
    limitPrice: intent.orderType === 'limit' && intent.limitPrice !== undefined ? fx.parseFixed(intent.limitPrice) : undefined,
    state: inputs.tradingState,
    limits: null,
    valuation,
    valued: valuation.unmarked.length === 0,
    held,
    reduces: reducesExposure(intent.side, requested, held),
    quantity: requested,
    reference: undefined,
    orderPrice: undefined,
    notional: undefined,
  };
  // 1. trading state
  const stateDenial = tradingStateDenial(ev.state);
  if (stateDenial) fail(ev, stateDenial, `trading state is ${ev.state ?? 'missing'}`);
  // 1b. the strategy's own switch (one strategy stopped, the account's others trade on)
  const off = inputs.strategySwitch;
  if (off && isStrategyDisabled(off)) fail(ev, 'STRATEGY_DISABLED', `strategy ${inputs.strategy} disabled by ${off.changedBy} at ${off.changedAt || '?'}: ${off.reason}`);
  // 2. intent flood (counted before this evaluation began)
  if (flood.failure) fail(ev, flood.failure.reason, flood.failure.message);
  // 3. limits
  ev.limits = limits;
  if (!ev.limits) fail(ev, 'LIMITS_INVALID', 'the account limits override does not match its schema');
  if (!ev.valued) fail(ev, 'PORTFOLIO_UNMARKED', `no mark to value ${valuation.unmarked.join(', ')}`);
  return ev;
};

/** 5. loss and drawdown; an ACTIVE account trades as WARNING for the rest of a session that reached the warning. */
const checkLoss = (ev: Evaluation, limits: CompiledLimits): void => {
  const { nowMs } = ev.inputs;
  const sessionStart = sessionStartMs(limits.lossCalendar, nowMs);
  const loss = assessLoss(limits.loss, ev.inputs.session, sessionStart, ev.valuation.equity);
  ev.effects.sessionStartMs = sessionStart;
  if (loss.changed) ev.effects.session = loss.session;
  const warning = ev.state === 'ACTIVE' ? sessionWarning(loss, nowMs) : undefined;
  if (warning?.reached) [ev.effects.session, ev.effects.warning] = [warning.session, warning.reached];
  if (warning) ev.state = 'WARNING';
  const lossBreaches = loss.findings.filter((f) => f.level === 'breaker');
  ev.effects.breaches.push(...lossBreaches);
  for (const breach of lossBreaches) {
    if (ev.reduces) continue;
    fail(
      ev,
      breach.kind === 'DAILY_LOSS' ? 'DAILY_LOSS_LIMIT_BREACHED' : 'DRAWDOWN_LIMIT_BREACHED',
      breach.kind === 'DAILY_LOSS'
        ? `daily loss ${breach.observed} reached the breaker ${breach.threshold}; only orders that reduce exposure pass`
        : `drawdown ${breach.observed} bps reached the breaker ${breach.threshold} bps; only orders that reduce exposure pass`,
    );
  }
};

/** State-dependent size: WARNING scales down to whole lots, REDUCING lets only a shrinking order through. */
const sizeForState = (ev: Evaluation): void => {
  const { intent } = ev.inputs;
  const { limits } = ev;
  if (ev.state === 'WARNING' && limits) {
    const lot = limits.quantity.lotSize;
    ev.quantity = fx.mul(fx.floorDiv(fx.mul(ev.requested, limits.warningSizeFactor), lot), lot);
    if (fx.isZero(ev.quantity)) fail(ev, 'WARNING_SCALED_TO_ZERO', `WARNING scales ${intent.quantity} by ${limits.raw.warningSizeFactor} to zero lots`);
  }
  if (ev.state === 'REDUCING' && !ev.reduces) {
    fail(ev, 'TRADING_REDUCING', `REDUCING allows only orders that shrink the ${intent.symbol} position of ${ev.held ? text(ev.held.quantity) : '0'}`);
  }
};

/** 6-10: the execution throttle, the market session, the instrument, the order type and the requested quantity. */
const checkOrderShape = (ev: Evaluation, limits: CompiledLimits): void => {
  const { intent, nowMs } = ev.inputs;
  // 6. execution throttle
  const throttle = assessExecutionThrottle(limits.raw.executionThrottle, ev.inputs.strategy, ev.inputs.throttle, nowMs);
  ev.effects.throttlePrune = throttle.prune;
  if (throttle.status === 'disabled') fail(ev, 'EXECUTION_THROTTLE_DISABLED', throttle.message);
  if (throttle.status === 'tripped') {
    fail(ev, 'EXECUTION_THROTTLE_TRIPPED', throttle.message);
    ev.effects.throttleTrip = { strategy: throttle.scopeKey, fills: throttle.fillsInWindow };
  }

  // 7. market session of the symbol's calendar
  const { market, calendar } = limits.calendarFor(intent.symbol);
  if (!isMarketOpen(calendar, nowMs)) fail(ev, 'MARKET_CLOSED', describeClosure(calendar, nowMs) ?? `${market} is closed`);

  // 8. instrument
  if (limits.allowed && !limits.allowed.has(intent.symbol)) fail(ev, 'INSTRUMENT_NOT_ALLOWED', `${intent.symbol} is not on the allow-list`);
  if (limits.restricted.has(intent.symbol)) fail(ev, 'INSTRUMENT_RESTRICTED', `${intent.symbol} is restricted`);

  // 9. order type and time in force
  if (!limits.orderTypes.has(intent.orderType)) fail(ev, 'ORDER_TYPE_NOT_ALLOWED', `${intent.orderType} orders are not allowed`);
  if (!limits.timeInForce.has(intent.timeInForce)) fail(ev, 'TIME_IN_FORCE_NOT_ALLOWED', `time in force ${intent.timeInForce} is not allowed`);

  // 10. quantity (the requested size: scaling in WARNING must not turn a fat finger into a valid order)
  const q = limits.raw.quantity;
  if (fx.lt(ev.requested, limits.quantity.min)) fail(ev, 'QUANTITY_BELOW_MINIMUM', `${intent.quantity} is below the minimum ${q.min}`);
  if (fx.gt(ev.requested, limits.quantity.max)) fail(ev, 'QUANTITY_ABOVE_MAXIMUM', `${intent.quantity} exceeds the maximum ${q.max}`);
  if (!fx.isMultipleOf(ev.requested, limits.quantity.lotSize)) fail(ev, 'QUANTITY_NOT_LOT_MULTIPLE', `${intent.quantity} is not a multiple of the lot size ${q.lotSize}`);
};

/** 11. reference price: the latest stored mark, never the strategy's own price, and fresh. */
const checkReferencePrice = (ev: Evaluation): void => {
  const { intent, nowMs } = ev.inputs;
  const mark = ev.inputs.marks[intent.symbol];
  const { limits } = ev;
  if (!mark) {
    fail(ev, 'MARK_UNAVAILABLE', `no mark for ${intent.symbol}`);
  } else if (limits && !(nowMs - isoToEpochMs(mark.at) <= limits.raw.priceCollar.markMaxAgeMs)) {
    // NaN (unparseable or impossible time) also lands here: an undatable mark is no reference.
    fail(ev, 'MARK_STALE', `mark for ${intent.symbol} at ${mark.at} is older than ${limits.raw.priceCollar.markMaxAgeMs} ms`);
  } else {
    ev.reference = fx.parseFixed(mark.price);
  }
  ev.orderPrice = ev.limitPrice ?? ev.reference;
};

/** 12-13: the price collar against the mark, order by order and over a period. */
const checkCollars = (ev: Evaluation, limits: CompiledLimits, reference: fx.Fixed): void => {
  const { intent, nowMs, strategy } = ev.inputs;
  // 12. price collar: |limit - mark| x 10000 <= bps x mark
  if (ev.limitPrice && fx.gt(fx.mul(fx.abs(fx.sub(ev.limitPrice, reference)), BPS), fx.mul(limits.collarBps, reference))) {
    fail(ev, 'PRICE_OUTSIDE_COLLAR', `limit ${intent.limitPrice} is more than ${limits.raw.priceCollar.maxDeviationBps} bps from the mark ${ev.inputs.marks[intent.symbol]?.price}`);
  }

  // 13. collar over a period: this strategy's prices in this symbol within the window may drift only so far
  const { orderPrice } = ev;
  if (!orderPrice) return;
  const { windowMs } = limits.raw.periodCollar;
  let low = orderPrice;
  let high = orderPrice;
  for (const e of ev.inputs.recentApprovals) {
    if (e.kind !== 'order' || e.symbol !== intent.symbol || e.strategy !== strategy || e.at <= nowMs - windowMs || e.at > nowMs) continue;
    const price = fx.parseFixed(e.price);
    if (fx.lt(price, low)) low = price;
    if (fx.gt(price, high)) high = price;
  }
  if (fx.gt(fx.mul(fx.sub(high, low), BPS), fx.mul(limits.periodDriftBps, low))) {
    fail(ev, 'PRICE_DRIFT_EXCEEDED', `${strategy}'s ${intent.symbol} prices within ${windowMs} ms span ${text(low)} to ${text(high)}, more than ${limits.raw.periodCollar.maxDriftBps} bps`);
  }
};

/** 14-16: the order's size against average daily volume, its notional and the symbol's position limits. */
const checkOrderSize = (ev: Evaluation, limits: CompiledLimits): void => {
  const { intent } = ev.inputs;
  // 14. order size against average daily volume (fat finger)
  const adv = ev.inputs.reference[intent.symbol]?.adv;
  if (adv === undefined) {
    fail(ev, 'ADV_UNAVAILABLE', `no average daily volume for ${intent.symbol}`);
  } else if (fx.gt(ev.requested, fx.mul(limits.maxFractionOfAdv, fx.parseFixed(adv)))) {
    fail(ev, 'ORDER_SIZE_EXCEEDS_ADV', `${intent.quantity} is more than ${limits.raw.maxFractionOfAdv} of the average daily volume ${adv}`);
  }

  const { orderPrice, quantity } = ev;
  if (!orderPrice) return;
  // 15. notional: market orders at the mark, limit orders at their limit price
  const notional = fx.mul(quantity, orderPrice);
  ev.notional = notional;
  if (fx.lt(notional, limits.minOrderNotional)) fail(ev, 'ORDER_NOTIONAL_BELOW_MINIMUM', `notional ${text(notional)} is below the minimum ${limits.raw.minOrderNotional}`);
  if (fx.gt(notional, limits.maxOrderNotional)) fail(ev, 'ORDER_NOTIONAL_EXCEEDED', `notional ${text(notional)} exceeds the maximum ${limits.raw.maxOrderNotional}`);

  // 16. position limit per symbol, worst case: held + every approved order still in flight + this one
  const limit = limits.position;
  const raw = limits.raw.position;
  if (intent.side === 'buy') {
    const long = fx.add(ev.held?.long ?? ZERO, quantity);
    if (fx.gt(long, limit.maxLongQuantity)) {
      fail(ev, 'POSITION_LIMIT_EXCEEDED', `long ${intent.symbol} could reach ${text(long)}, above ${raw.maxLongQuantity}`);
    } else if (fx.gt(fx.mul(long, orderPrice), limit.maxLongNotional)) {
      fail(ev, 'POSITION_NOTIONAL_EXCEEDED', `long ${intent.symbol} could reach ${text(fx.mul(long, orderPrice))}, above ${raw.maxLongNotional}`);
    }
  } else {
    const short = fx.sub(quantity, ev.held?.short ?? ZERO);
    if (fx.gt(short, limit.maxShortQuantity)) {
      fail(ev, 'POSITION_LIMIT_EXCEEDED', `short ${intent.symbol} could reach ${text(short)}, above ${raw.maxShortQuantity}`);
    } else if (fx.gt(fx.mul(short, orderPrice), limit.maxShortNotional)) {
      fail(ev, 'POSITION_NOTIONAL_EXCEEDED', `short ${intent.symbol} could reach ${text(fx.mul(short, orderPrice))}, above ${raw.maxShortNotional}`);
    }
  }
};

/** 17. account exposure valued at the marks, worst case; an order that does not raise a measure passes it. */
const checkExposure = (ev: Evaluation, limits: CompiledLimits, reference: fx.Fixed): void => {
  const { intent } = ev.inputs;
  const { valuation, quantity } = ev;
  const e = limits.exposure;
  const before = ev.held ?? symbolExposure(ZERO, ZERO, ZERO, reference, ev.inputs.reference[intent.symbol]?.sector ?? UNCLASSIFIED_SECTOR);
  const buy = intent.side === 'buy' ? quantity : ZERO;
  const sell = intent.side === 'sell' ? quantity : ZERO;
  const after = symbolExposure(before.quantity, fx.sub(fx.add(before.long, buy), before.quantity), fx.sub(before.quantity, fx.sub(before.short, sell)), before.mark, before.sector);
  const equity = valuation.equity;
  const grossAfter = fx.add(fx.sub(valuation.gross, before.gross), after.gross);
  const raisesGross = fx.gt(after.gross, before.gross);
  if (raisesGross && fx.gt(grossAfter, e.maxGrossNotional)) {
    fail(ev, 'GROSS_EXPOSURE_EXCEEDED', `gross exposure could reach ${text(grossAfter)}, above ${limits.raw.exposure.maxGrossNotional}`);
  }
  const netBefore = fx.max(fx.abs(valuation.netHigh), fx.abs(valuation.netLow));
  const netAfter = fx.max(
    fx.abs(fx.add(fx.sub(valuation.netHigh, before.netHigh), after.netHigh)),
    fx.abs(fx.add(fx.sub(valuation.netLow, before.netLow), after.netLow)),
  );
  if (fx.gt(netAfter, netBefore) && fx.gt(netAfter, e.maxNetNotional)) {
    fail(ev, 'NET_EXPOSURE_EXCEEDED', `net exposure could reach ${text(netAfter)}, above ${limits.raw.exposure.maxNetNotional}`);
  }
  if (!raisesGross) return;
  if (exceedsShare(grossAfter, e.maxLeverage, equity)) {
    fail(ev, 'LEVERAGE_EXCEEDED', `gross ${text(grossAfter)} against equity ${text(equity)} exceeds leverage ${limits.raw.exposure.maxLeverage}`);
  }
  if (exceedsShare(after.gross, e.maxSymbolConcentration, equity)) {
    fail(ev, 'SYMBOL_CONCENTRATION_EXCEEDED', `${intent.symbol} could reach ${text(after.gross)}, more than ${limits.raw.exposure.maxSymbolConcentration} of equity ${text(equity)}`);
  }
  const sectorAfter = fx.add(fx.sub(valuation.sectorGross.get(before.sector)?.gross ?? ZERO, before.gross), after.gross);
  if (exceedsShare(sectorAfter, e.maxSectorConcentration, equity)) {
    fail(ev, 'SECTOR_CONCENTRATION_EXCEEDED', `sector ${before.sector} could reach ${text(sectorAfter)}, more than ${limits.raw.exposure.maxSectorConcentration} of equity ${text(equity)}`);
  }
};

/** 18-21: open orders, the message rate per account and per symbol, and duplicative orders. */
const checkMessageRate = (ev: Evaluation, limits: CompiledLimits): void => {
  const { intent, nowMs, recentApprovals } = ev.inputs;
  // 18. open orders: the new one must fit under the maximum
  if (ev.inputs.openOrders + 1 > limits.raw.maxOpenOrders) {
    fail(ev, 'OPEN_ORDERS_EXCEEDED', `${ev.inputs.openOrders} orders are open, the maximum is ${limits.raw.maxOpenOrders}`);
  }

  // 19-20. message rate per account and per symbol, orders and cancels alike (sliding windows, deny not queue)
  const rate = limits.raw.orderRate;
  let accountCount = 0;
  let symbolCount = 0;
  let twinAt: number | undefined;
  const dupSince = nowMs - limits.raw.duplicative.windowMs;
  for (const e of recentApprovals) {
    if (e.at > nowMs) continue;
    if (e.at > nowMs - rate.windowMs) accountCount++;
    if (e.symbol === intent.symbol && e.at > nowMs - rate.perSymbol.windowMs) symbolCount++;
    // 21. duplicative: the same symbol, side and size approved moments ago is most likely a repeat
    if (twinAt === undefined && e.kind === 'order' && e.at > dupSince && e.symbol === intent.symbol && e.side === intent.side && fx.eq(fx.parseFixed(e.quantity), ev.requested)) {
      twinAt = e.at;
    }
  }
  if (accountCount >= rate.maxOrders) {
    fail(ev, 'RATE_LIMIT_EXCEEDED', `${accountCount} messages in the last ${rate.windowMs} ms reach the maximum ${rate.maxOrders}`);
    const saturation = saturatedRate(recentApprovals, nowMs, rate.windowMs, rate.maxOrders, saturatedWindowsOf(limits.raw));
    if (saturation) ev.effects.breaches.push(saturation);
  }
  if (symbolCount >= rate.perSymbol.maxOrders) {
    fail(ev, 'SYMBOL_RATE_LIMIT_EXCEEDED', `${symbolCount} ${intent.symbol} messages in the last ${rate.perSymbol.windowMs} ms reach the maximum ${rate.perSymbol.maxOrders}`);
  }
  if (twinAt !== undefined) fail(ev, 'DUPLICATIVE_ORDER', `${intent.side} ${intent.quantity} ${intent.symbol} repeats an order approved ${nowMs - twinAt} ms ago`);
};

/** The first failure decides; with none, the order is approved at its (possibly scaled) size. */
const decide = (ev: Evaluation): RiskDecision => {
  const { failures, effects, limits, notional, orderPrice } = ev;
  const first = failures[0];
  if (first) {
    return { outcome: 'denied', reason: first.reason, failedChecks: failures.map((f) => f.reason), message: failures.map((f) => f.message).join('; '), effects };
  }
  if (notional === undefined || !limits || !orderPrice) throw new Error('notional, price or limits missing after every check passed');
  const { intent } = ev.inputs;
  const mark = ev.inputs.marks[intent.symbol];
  return {
    outcome: 'approved',
    notional: text(notional),
    // The strings as written when nothing was scaled or derived (most decisions): no formatting needed.
    approvedQuantity: ev.quantity === ev.requested ? intent.quantity : text(ev.quantity),
    price: orderPrice === ev.limitPrice && intent.limitPrice !== undefined ? intent.limitPrice : orderPrice === ev.reference && mark ? mark.price : text(orderPrice),
    checks: CHECK_ORDER,
    approvalsHorizonMs: approvalsHorizonMs(limits.raw),
    effects,
  };
};

/** Every check in CHECK_ORDER, each on what the earlier ones established (a check without its inputs is skipped: an earlier failure already denies). */
const evaluateUnsafe = (inputs: RiskInputs, flood: IntentFloodAssessment, limits: CompiledLimits | null): RiskDecision => {
  const ev = begin(inputs, flood, limits);
  if (ev.limits && ev.valued) checkLoss(ev, ev.limits);
  sizeForState(ev);
  if (ev.limits) checkOrderShape(ev, ev.limits);
  checkReferencePrice(ev);
  if (ev.limits && ev.reference) checkCollars(ev, ev.limits, ev.reference);
  if (ev.limits) checkOrderSize(ev, ev.limits);
  if (ev.limits && ev.reference && ev.valued) checkExposure(ev, ev.limits, ev.reference);
  if (ev.limits) checkMessageRate(ev, ev.limits);
  return decide(ev);
};

/** The limits resolved once for every check; undefined when resolving itself threw (the flood then uses the defaults'). */
const safeLimits = (i: RiskInputs): CompiledLimits | null | undefined => {
  try { return resolveCompiledLimits(i.defaults, i.limitsOverride, i.limitsVersion); } catch { return undefined; }
};

export const evaluateIntent = (inputs: RiskInputs): RiskDecision => {
  const limits = safeLimits(inputs);
  const flood = assessIntentFloodOf(inputs, limits?.raw);
  try {
    if (limits === undefined) throw new Error('the limits could not be resolved');
    return evaluateUnsafe(inputs, flood, limits);
  } catch (error) {
    const failedChecks: DenialReason[] = flood.failure ? [flood.failure.reason, 'EVALUATION_FAILED'] : ['EVALUATION_FAILED'];
    return {
      outcome: 'denied',
      reason: 'EVALUATION_FAILED',
      failedChecks,
      message: `evaluation failed: ${error instanceof Error ? error.message : String(error)}`,
      effects: { breaches: flood.breach ? [flood.breach] : [], throttlePrune: [] },
    };
  }
};
