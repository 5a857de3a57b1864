// Loss and drawdown within the risk session. Equity = cash + sum(quantity x mark). The session starts at the
// latest session open of the loss market's calendar; its start equity and peak are taken from the first
// decision in it, and the peak only rises. Daily loss = start equity - equity; drawdown = peak - equity, in
// bps of the peak (undefined while the peak is not positive). Thresholds are reached at equality.
import type { RiskSession } from '../ports/risk-store';
import * as fx from '../money/fixed';
import type { Fixed } from '../money/fixed';

export type LossLevel = 'ok' | 'warning' | 'breaker';
export type BreachKind = 'DAILY_LOSS' | 'DRAWDOWN';

export interface LossLimits {
  dailyLossWarning: Fixed;
  dailyLossBreaker: Fixed;
  drawdownWarningBps: Fixed;
  drawdownBreakerBps: Fixed;
}

export interface LossFinding {
  kind: BreachKind;
  level: Exclude<LossLevel, 'ok'>;
  /** Daily loss in currency, or drawdown in bps of the peak (rounded down to a whole bp for display). */
  observed: string;
  threshold: string;
}

export interface LossAssessment {
  session: RiskSession;
  /** True when the session started or its peak rose: the decision writes it. */
  changed: boolean;
  level: LossLevel;
  findings: LossFinding[];
  dailyLoss: Fixed;
}

const BPS = fx.fixedFromInt(10_000);

export const assessLoss = (limits: LossLimits, stored: RiskSession | undefined, sessionStartMs: number, equity: Fixed): LossAssessment => {
  const fresh = !stored || stored.sessionStartMs !== sessionStartMs;
  const start = fresh ? equity : fx.parseFixed(stored.startEquity);
  const previousPeak = fresh ? equity : fx.parseFixed(stored.peakEquity);
  const peak = fx.max(previousPeak, equity);
  const changed = fresh || fx.gt(peak, previousPeak);
  // The session's loss warning, once reached, lasts until the session ends.
  const warning = !fresh && stored?.warning ? { warning: stored.warning } : {};
  const session: RiskSession = changed
    ? { sessionStartMs, startEquity: fx.toDecimalString(start), peakEquity: fx.toDecimalString(peak), ...warning }
    : { sessionStartMs, startEquity: stored?.startEquity ?? '0', peakEquity: stored?.peakEquity ?? '0', ...warning };

  const findings: LossFinding[] = [];
  const dailyLoss = fx.sub(start, equity);
  const lossLevel: LossLevel = fx.gte(dailyLoss, limits.dailyLossBreaker) ? 'breaker' : fx.gte(dailyLoss, limits.dailyLossWarning) ? 'warning' : 'ok';
  if (lossLevel !== 'ok') {
    findings.push({
      kind: 'DAILY_LOSS',
      level: lossLevel,
      observed: fx.toDecimalString(dailyLoss),
      threshold: fx.toDecimalString(lossLevel === 'breaker' ? limits.dailyLossBreaker : limits.dailyLossWarning),
    });
  }
  // Drawdown in bps compared by cross-multiplying: (peak - equity) x 10000 >= threshold x peak.
  let drawdownLevel: LossLevel = 'ok';
  if (fx.sign(peak) > 0) {
    const scaled = fx.mul(fx.sub(peak, equity), BPS);
    drawdownLevel = fx.gte(scaled, fx.mul(limits.drawdownBreakerBps, peak))
      ? 'breaker'
      : fx.gte(scaled, fx.mul(limits.drawdownWarningBps, peak))
        ? 'warning'
        : 'ok';
    if (drawdownLevel !== 'ok') {
      findings.push({
        kind: 'DRAWDOWN',
        level: drawdownLevel,
        observed: fx.toDecimalString(fx.floorDiv(scaled, peak)),
        threshold: fx.toDecimalString(drawdownLevel === 'breaker' ? limits.drawdownBreakerBps : limits.drawdownWarningBps),
      });
    }
  }
  const level: LossLevel = lossLevel === 'breaker' || drawdownLevel === 'breaker' ? 'breaker' : lossLevel === 'warning' || drawdownLevel === 'warning' ? 'warning' : 'ok';
  return { session, changed, level, findings, dailyLoss };
};

/**
 * The session's loss warning: reached by this assessment (a new warning for the session item to keep) or earlier
 * in the session; undefined when neither. Kept on the risk session, not in the trading state, which only the
 * breaker and the kill switch write.
 */
export const sessionWarning = (loss: LossAssessment, nowMs: number): { session: RiskSession; reached?: { reason: string } } | undefined => {
  if (loss.session.warning) return { session: loss.session };
  if (loss.level === 'ok') return undefined;
  const reason = loss.findings.map((f) => `${f.kind} ${f.observed} >= ${f.threshold}`).join('; ');
  return { session: { ...loss.session, warning: { at: new Date(nowMs).toISOString(), reason } }, reached: { reason } };
};
