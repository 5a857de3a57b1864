// The account's levels as a batch of decisions found it: gross and net exposure, the session's P&L and
// drawdown, and the trading state's code. Pure; computed in exact decimals and turned into numbers only at
// the end, because a metric is a float (the figures are for the dashboard and the alarms, never for money).
// Invariant: a level that cannot be known (an unmarked position, no session yet) is absent, not zero.
import * as fx from '../money/fixed';
import type { DecisionSnapshot } from '../ports/risk-store';
import type { TradingState } from '../trading-state/trading-state';
import { valueAccount } from './portfolio';

/** The trading state as a number a graph can plot and an alarm can compare: higher is more stopped. */
export const TRADING_STATE_CODES: Readonly<Record<TradingState, number>> = { ACTIVE: 0, WARNING: 1, REDUCING: 2, HALTED: 3, KILLED: 4 };

export interface AccountGauges {
  tradingState?: number;
  grossExposure?: number;
  /** The larger in size of the net exposure with every in-flight order filled one way or the other. */
  netExposure?: number;
  /** Equity minus the session's start equity: negative is a loss. */
  dailyPnl?: number;
  /** The drop from the session's peak equity, in basis points of the peak. */
  drawdownBps?: number;
}

const BPS = fx.fixedFromInt(10_000);
const num = (value: fx.Fixed): number => Number(fx.toDecimalString(value));

/**
 * `sessionStartMs` is the risk session the batch's decisions are in: a stored session that started earlier is
 * the previous one, and its P&L is not today's (absent until a decision of this session writes it).
 */
export const accountGauges = (account: string, snapshot: DecisionSnapshot, sessionStartMs: number | undefined): AccountGauges => {
  const gauges: AccountGauges = snapshot.tradingState ? { tradingState: TRADING_STATE_CODES[snapshot.tradingState] } : {};
  // A memo of its own: the decisions' memo has moved past this snapshot (each approval revises the book), and
  // sharing it would make both re-value every symbol on every batch.
  const valuation = valueAccount(`${account}#gauges`, snapshot.book, snapshot.marks, snapshot.reference, { marks: snapshot.marksRevision, reference: snapshot.referenceRevision });
  if (valuation.unmarked.length > 0) return gauges;
  gauges.grossExposure = num(valuation.gross);
  gauges.netExposure = num(fx.gte(fx.abs(valuation.netHigh), fx.abs(valuation.netLow)) ? valuation.netHigh : valuation.netLow);
  const session = snapshot.session;
  if (!session || session.sessionStartMs !== sessionStartMs) return gauges;
  gauges.dailyPnl = num(fx.sub(valuation.equity, fx.parseFixed(session.startEquity)));
  const peak = fx.parseFixed(session.peakEquity);
  if (fx.gt(peak, fx.fixedFromInt(0))) gauges.drawdownBps = num(fx.floorDiv(fx.mul(fx.max(fx.sub(peak, valuation.equity), fx.fixedFromInt(0)), BPS), peak));
  return gauges;
};
