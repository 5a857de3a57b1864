// Metric names the core and the handlers emit through the Telemetry port (one name per thing counted; the
// dimensions are coded values such as denial reasons, never symbols).
/** The CloudWatch namespace every metric of the system is emitted in (functions and the feed task alike). */
export const METRICS_NAMESPACE = 'TradingSafety';

export const METRICS = {
  invalidInput: 'InvalidInput',
  decision: 'RiskDecision',
  decisionLatency: 'RiskDecisionLatency',
  riskBreach: 'RiskBreach',
  /** A decision tripped the repeated-execution throttle (dimension `scope`: strategy or account); a person must re-enable it. */
  executionThrottleTripped: 'ExecutionThrottleTripped',
  /** A person pressed the kill switch and KILLED was stored (a repeat of an account already KILLED does not count). */
  killSwitchActivated: 'KillSwitchActivated',
  orderSubmitted: 'OrderSubmitted',
  orderDuplicate: 'OrderDuplicateDelivery',
  orderBlocked: 'OrderBlockedBeforeSubmit',
  fillApplied: 'FillApplied',
  /** Invalid transitions, overfills, fill gaps, unknown broker orders: alarmed. */
  orderAnomaly: 'OrderAnomaly',
  /**
   * A broker report naming another broker order id than the one stored for the order: never applied; pages
   * on-call and halts trading (the table and the broker disagree about which order is ours).
   */
  brokerOrderIdChanged: 'BrokerOrderIdChanged',
  /** A queued broker update the broker did not confirm (dimension `reason`): nothing booked; pages on-call. */
  brokerUpdateRejected: 'BrokerUpdateRejected',
  orderTransition: 'OrderTransition',
  orderInFlight: 'OrderInFlight',
  staleBrokerUpdate: 'StaleBrokerUpdate',
  /** Cancels by outcome (canceled locally, requested at the broker, already final, waiting). */
  cancelRequested: 'OrderCancelRequested',
  /** A cancel the rate window or the audit trail could not record: sent anyway (a cancel only lowers exposure), alarmed. */
  cancelNotCounted: 'CancelNotCounted',
  reconciliationBreaks: 'ReconciliationBreaks',
  brokerUpdateRelayed: 'BrokerUpdateRelayed',
  /** Order-queue work left to reconciliation after repeated waits (an order in flight, an unanswered query). */
  handedToReconciliation: 'OrderWorkHandedToReconciliation',
  /** An update the queue would not take: reconciliation recovers it; alarmed. */
  brokerUpdateNotRelayed: 'BrokerUpdateNotRelayed',
  /** The broker's update stream dropped; updates may have been missed until reconciliation runs. */
  brokerStreamDisconnected: 'BrokerStreamDisconnected',
  /** The dead-man switch found the feed stale for an account (per check); it cancelled and raised FEED_STALE. */
  feedStale: 'FeedStale',
  /** A dead-man switch step failed (a read, the breach, a cancel-all): a read failure counts as stale (fail closed). */
  deadManSwitchFailure: 'DeadManSwitchFailure',
  /** Days a market's trading calendar still covers (per market, every dead-man switch check); alarmed under 30. */
  calendarCoverageDays: 'CalendarCoverageDays',
  /** Breach events the breaker function ignored (an alarm that is not ALARM, a break seen in one run only). */
  breakerEventIgnored: 'BreakerEventIgnored',
  /**
   * Per account (dimension `account`), once per decided batch, as the batch's decisions found the account:
   * gross and net exposure and the session's P&L in currency, drawdown from the session's peak in bps, and the
   * trading state's code (TRADING_STATE_CODES). Gauges for the dashboard and the loss and exposure alarms.
   */
  accountGrossExposure: 'AccountGrossExposure',
  accountNetExposure: 'AccountNetExposure',
  accountDailyPnl: 'AccountDailyPnl',
  accountDrawdownBps: 'AccountDrawdownBps',
  accountTradingState: 'AccountTradingState',
  /** The breaker function's own halt right after a start failed (the execution's SetHalted still halts). */
  breakerHaltOnStartFailed: 'BreakerHaltOnStartFailed',
} as const;
