// Coded denial reasons. A code is at once the decision's outcome, the metric dimension and the audit field,
// so codes are never renamed; new controls add new codes.
export const DENIAL_REASONS = [
  'TRADING_HALTED',
  'TRADING_KILLED',
  'TRADING_STATE_MISSING',
  'LIMITS_INVALID',
  'MARK_UNAVAILABLE',
  'ORDER_NOTIONAL_EXCEEDED',
  'RATE_LIMIT_EXCEEDED',
  'EVALUATION_FAILED',
] as const;
export type DenialReason = (typeof DENIAL_REASONS)[number];
