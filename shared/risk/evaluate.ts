// Pre-trade evaluation: a pure function of the intent and a snapshot of state. Checks run in a fixed order
// (docs/risk-controls.md); every check runs, the first failure decides, and all failures are reported.
// Anything unexpected while evaluating denies with EVALUATION_FAILED: never allow on error.
import { RiskLimitsOverrideSchema, type RiskLimits } from '../config/environments';
import type { OrderIntent } from '../events/order-events';
import { dec, toDecimalString } from '../money/decimal';
import { tradingStateDenial, type TradingState } from '../trading-state/trading-state';
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
  /** Epoch-ms times of orders approved for the account, newest last. */
  recentApprovals: readonly number[];
  nowMs: number;
}

export type RiskDecision =
  | { outcome: 'approved'; notional: string; checks: readonly string[] }
  | { outcome: 'denied'; reason: DenialReason; failedChecks: DenialReason[]; message: string };

export const CHECK_ORDER = ['trading-state', 'limits', 'reference-price', 'order-notional', 'order-rate'] as const;

export const resolveLimits = (defaults: RiskLimits, override: unknown): RiskLimits | null => {
  if (override === undefined || override === null) return defaults;
  const parsed = RiskLimitsOverrideSchema.safeParse(override);
  if (!parsed.success) return null;
  return {
    maxOrderNotional: parsed.data.maxOrderNotional ?? defaults.maxOrderNotional,
    orderRate: parsed.data.orderRate ?? defaults.orderRate,
  };
};

/** Approvals still inside the sliding window ending at nowMs. */
export const approvalsInWindow = (stamps: readonly number[], nowMs: number, windowMs: number): number[] =>
  stamps.filter((t) => t > nowMs - windowMs && t <= nowMs);

const evaluateUnsafe = (inputs: RiskInputs): RiskDecision => {
  const failures: { reason: DenialReason; message: string }[] = [];
  const fail = (reason: DenialReason, message: string) => failures.push({ reason, message });

  const stateDenial = tradingStateDenial(inputs.tradingState);
  if (stateDenial) fail(stateDenial, `trading state is ${inputs.tradingState ?? 'missing'}`);

  const limits = resolveLimits(inputs.defaults, inputs.limitsOverride);
  if (!limits) fail('LIMITS_INVALID', 'the account limits override does not match its schema');

  const { intent } = inputs;
  // Market orders are valued at the independent mark, limit orders at their limit price.
  const priceForNotional = intent.orderType === 'limit' ? intent.limitPrice : inputs.mark?.price;
  let notional: string | undefined;
  if (priceForNotional === undefined) {
    fail('MARK_UNAVAILABLE', `no mark for ${intent.symbol} to value a market order`);
  } else {
    notional = toDecimalString(dec(intent.quantity).times(dec(priceForNotional)));
    if (limits && dec(notional).gt(dec(limits.maxOrderNotional))) {
      fail('ORDER_NOTIONAL_EXCEEDED', `notional ${notional} exceeds the maximum ${limits.maxOrderNotional}`);
    }
  }

  if (limits) {
    const inWindow = approvalsInWindow(inputs.recentApprovals, inputs.nowMs, limits.orderRate.windowMs);
    if (inWindow.length >= limits.orderRate.maxOrders) {
      fail(
        'RATE_LIMIT_EXCEEDED',
        `${inWindow.length} orders in the last ${limits.orderRate.windowMs} ms reach the maximum ${limits.orderRate.maxOrders}`,
      );
    }
  }

  const first = failures[0];
  if (first) {
    return {
      outcome: 'denied',
      reason: first.reason,
      failedChecks: failures.map((f) => f.reason),
      message: failures.map((f) => f.message).join('; '),
    };
  }
  if (notional === undefined) throw new Error('notional missing after checks passed');
  return { outcome: 'approved', notional, checks: CHECK_ORDER };
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
