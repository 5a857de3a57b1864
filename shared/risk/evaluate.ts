// Pre-trade evaluation: a pure function of the intent, the limits and a snapshot of state. Checks run in
// the fixed order of CHECK_ORDER (docs/risk-controls.md); every check runs, the first failure decides, and
// all failures are reported. Anything unexpected while evaluating denies with EVALUATION_FAILED.
import type { OrderIntent } from '../events/order-events';
import type { ApprovalEntry, ExposedPosition } from '../ports/trading-store';
import { dec, toDecimalString, type Decimal } from '../money/decimal';
import { tradingStateDenial, type TradingState } from '../trading-state/trading-state';
import { approvalsHorizonMs, resolveCompiledLimits, type CompiledLimits, type RiskLimits } from './limits';
import type { DenialReason } from './reasons';

export interface Mark {
  price: string;
  at: string;
}

export interface RiskInputs {
  intent: OrderIntent;
  tradingState: TradingState | undefined;
  defaults: RiskLimits;
  /** The raw per-account override item, validated here so a bad one denies instead of throwing. */
  limitsOverride: unknown;
  mark: Mark | undefined;
  /** The account's stored position in the intent's symbol with its in-flight orders (undefined: none). */
  position: ExposedPosition | undefined;
  /** Orders approved for the account within the approvals horizon, oldest first. */
  recentApprovals: readonly ApprovalEntry[];
  /** Approved orders of the account not final yet. */
  openOrders: number;
  nowMs: number;
}

export type RiskDecision =
  | {
      outcome: 'approved';
      notional: string;
      approvedQuantity: string;
      checks: readonly string[];
      /** How far back the approvals window must be kept for the limits this decision used. */
      approvalsHorizonMs: number;
    }
  | { outcome: 'denied'; reason: DenialReason; failedChecks: DenialReason[]; message: string };

export const CHECK_ORDER = [
  'trading-state',
  'limits',
  'instrument',
  'order-type',
  'quantity',
  'reference-price',
  'price-collar',
  'order-notional',
  'position-limit',
  'open-orders',
  'order-rate',
  'symbol-rate',
  'duplicative',
] as const;

/** Approvals still inside the sliding window ending at nowMs. */
export const approvalsInWindow = <T extends { at: number }>(entries: readonly T[], nowMs: number, windowMs: number): T[] =>
  entries.filter((e) => e.at > nowMs - windowMs && e.at <= nowMs);

const BPS = dec(10_000);

/** WARNING scales the size down, REDUCING only lets an order shrink the position; others leave it. */
const sizeForState = (
  state: TradingState | undefined,
  intent: OrderIntent,
  limits: CompiledLimits | null,
  position: ExposedPosition | undefined,
  fail: (reason: DenialReason, message: string) => void,
): Decimal => {
  const requested = dec(intent.quantity);
  if (state === 'WARNING' && limits) {
    const lot = limits.quantity.lotSize;
    const scaled = requested.times(limits.warningSizeFactor).div(lot).floor().times(lot);
    if (scaled.isZero()) fail('WARNING_SCALED_TO_ZERO', `WARNING scales ${intent.quantity} by ${limits.raw.warningSizeFactor} to zero lots`);
    return scaled;
  }
  if (state === 'REDUCING') {
    const held = dec(position?.quantity ?? '0');
    const reduces = intent.side === 'buy' ? held.isNegative() && requested.lte(held.abs()) : held.gt(0) && requested.lte(held);
    if (!reduces) fail('TRADING_REDUCING', `REDUCING allows only orders that shrink the ${intent.symbol} position of ${toDecimalString(held)}`);
  }
  return requested;
};

const evaluateUnsafe = (inputs: RiskInputs): RiskDecision => {
  const failures: { reason: DenialReason; message: string }[] = [];
  const fail = (reason: DenialReason, message: string) => void failures.push({ reason, message });
  const { intent, mark, nowMs } = inputs;

  // 1. trading state
  const stateDenial = tradingStateDenial(inputs.tradingState);
  if (stateDenial) fail(stateDenial, `trading state is ${inputs.tradingState ?? 'missing'}`);

  // 2. limits
  const limits = resolveCompiledLimits(inputs.defaults, inputs.limitsOverride);
  if (!limits) fail('LIMITS_INVALID', 'the account limits override does not match its schema');
  const quantity = sizeForState(inputs.tradingState, intent, limits, inputs.position, fail);

  if (limits) {
    // 3. instrument
    if (limits.allowed && !limits.allowed.has(intent.symbol)) {
      fail('INSTRUMENT_NOT_ALLOWED', `${intent.symbol} is not on the allow-list`);
    }
    if (limits.restricted.has(intent.symbol)) fail('INSTRUMENT_RESTRICTED', `${intent.symbol} is restricted`);

    // 4. order type and time in force
    if (!limits.raw.orderTypes.includes(intent.orderType)) fail('ORDER_TYPE_NOT_ALLOWED', `${intent.orderType} orders are not allowed`);
    if (!limits.raw.timeInForce.includes(intent.timeInForce)) {
      fail('TIME_IN_FORCE_NOT_ALLOWED', `time in force ${intent.timeInForce} is not allowed`);
    }

    // 5. quantity (the requested size: scaling in WARNING must not turn a fat finger into a valid order)
    const requested = dec(intent.quantity);
    const q = limits.raw.quantity;
    if (requested.lt(limits.quantity.min)) fail('QUANTITY_BELOW_MINIMUM', `${intent.quantity} is below the minimum ${q.min}`);
    if (requested.gt(limits.quantity.max)) fail('QUANTITY_ABOVE_MAXIMUM', `${intent.quantity} exceeds the maximum ${q.max}`);
    if (!requested.mod(limits.quantity.lotSize).isZero()) {
      fail('QUANTITY_NOT_LOT_MULTIPLE', `${intent.quantity} is not a multiple of the lot size ${q.lotSize}`);
    }
  }

  // 6. reference price: the latest stored mark, never the strategy's own price, and fresh
  const markAt = mark ? Date.parse(mark.at) : Number.NaN;
  let reference: Decimal | undefined;
  if (!mark) {
    fail('MARK_UNAVAILABLE', `no mark for ${intent.symbol}`);
  } else if (limits && !(nowMs - markAt <= limits.raw.priceCollar.markMaxAgeMs)) {
    // NaN (unparseable time) also lands here: an undatable mark is no reference.
    fail('MARK_STALE', `mark for ${intent.symbol} at ${mark.at} is older than ${limits.raw.priceCollar.markMaxAgeMs} ms`);
  } else {
    reference = dec(mark.price);
  }

  // 7. price collar (limit orders: the limit price must sit near the mark)
  if (limits && reference && intent.orderType === 'limit' && intent.limitPrice !== undefined) {
    const deviationBps = dec(intent.limitPrice).minus(reference).abs().times(BPS).div(reference);
    if (deviationBps.gt(limits.raw.priceCollar.maxDeviationBps)) {
      fail(
        'PRICE_OUTSIDE_COLLAR',
        `limit ${intent.limitPrice} is ${deviationBps.toDecimalPlaces(2).toFixed()} bps from the mark ${mark?.price} (max ${limits.raw.priceCollar.maxDeviationBps})`,
      );
    }
  }

  // 8. notional: market orders at the mark, limit orders at their limit price
  const priceForNotional = intent.orderType === 'limit' && intent.limitPrice !== undefined ? dec(intent.limitPrice) : reference;
  let notional: string | undefined;
  if (priceForNotional && limits) {
    const value = quantity.times(priceForNotional);
    notional = toDecimalString(value);
    if (value.lt(limits.minOrderNotional)) {
      fail('ORDER_NOTIONAL_BELOW_MINIMUM', `notional ${notional} is below the minimum ${limits.raw.minOrderNotional}`);
    }
    if (value.gt(limits.maxOrderNotional)) {
      fail('ORDER_NOTIONAL_EXCEEDED', `notional ${notional} exceeds the maximum ${limits.raw.maxOrderNotional}`);
    }
  }

  // 9. position limit per symbol, worst case: held + every approved order still in flight + this one
  if (limits && priceForNotional) {
    const held = dec(inputs.position?.quantity ?? '0');
    const limit = limits.position;
    const raw = limits.raw.position;
    if (intent.side === 'buy') {
      const long = held.plus(dec(inputs.position?.inflightBuy ?? '0')).plus(quantity);
      if (long.gt(limit.maxLongQuantity)) {
        fail('POSITION_LIMIT_EXCEEDED', `long ${intent.symbol} could reach ${toDecimalString(long)}, above ${raw.maxLongQuantity}`);
      } else if (long.times(priceForNotional).gt(limit.maxLongNotional)) {
        fail('POSITION_NOTIONAL_EXCEEDED', `long ${intent.symbol} could reach ${toDecimalString(long.times(priceForNotional))}, above ${raw.maxLongNotional}`);
      }
    } else {
      const short = held.neg().plus(dec(inputs.position?.inflightSell ?? '0')).plus(quantity);
      if (short.gt(limit.maxShortQuantity)) {
        fail('POSITION_LIMIT_EXCEEDED', `short ${intent.symbol} could reach ${toDecimalString(short)}, above ${raw.maxShortQuantity}`);
      } else if (short.times(priceForNotional).gt(limit.maxShortNotional)) {
        fail('POSITION_NOTIONAL_EXCEEDED', `short ${intent.symbol} could reach ${toDecimalString(short.times(priceForNotional))}, above ${raw.maxShortNotional}`);
      }
    }
  }

  if (limits) {
    // 10. open orders: the new one must fit under the maximum
    if (inputs.openOrders + 1 > limits.raw.maxOpenOrders) {
      fail('OPEN_ORDERS_EXCEEDED', `${inputs.openOrders} orders are open, the maximum is ${limits.raw.maxOpenOrders}`);
    }

    // 11-12. message rate per account and per symbol (sliding windows, deny not queue)
    const rate = limits.raw.orderRate;
    const inWindow = approvalsInWindow(inputs.recentApprovals, nowMs, rate.windowMs);
    if (inWindow.length >= rate.maxOrders) {
      fail('RATE_LIMIT_EXCEEDED', `${inWindow.length} orders in the last ${rate.windowMs} ms reach the maximum ${rate.maxOrders}`);
    }
    const symbolWindow = approvalsInWindow(inputs.recentApprovals, nowMs, rate.perSymbol.windowMs).filter((e) => e.symbol === intent.symbol);
    if (symbolWindow.length >= rate.perSymbol.maxOrders) {
      fail(
        'SYMBOL_RATE_LIMIT_EXCEEDED',
        `${symbolWindow.length} ${intent.symbol} orders in the last ${rate.perSymbol.windowMs} ms reach the maximum ${rate.perSymbol.maxOrders}`,
      );
    }

    // 13. duplicative: the same symbol, side and size approved moments ago is most likely a repeat
    const requested = dec(intent.quantity);
    const twin = approvalsInWindow(inputs.recentApprovals, nowMs, limits.raw.duplicative.windowMs).find(
      (e) => e.symbol === intent.symbol && e.side === intent.side && dec(e.quantity).eq(requested),
    );
    if (twin) {
      fail('DUPLICATIVE_ORDER', `${intent.side} ${intent.quantity} ${intent.symbol} repeats an order approved ${nowMs - twin.at} ms ago`);
    }
  }

  const first = failures[0];
  if (first) {
    return { outcome: 'denied', reason: first.reason, failedChecks: failures.map((f) => f.reason), message: failures.map((f) => f.message).join('; ') };
  }
  if (notional === undefined || !limits) throw new Error('notional or limits missing after every check passed');
  return {
    outcome: 'approved',
    notional,
    approvedQuantity: toDecimalString(quantity),
    checks: CHECK_ORDER,
    approvalsHorizonMs: approvalsHorizonMs(limits.raw),
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
    };
  }
};
