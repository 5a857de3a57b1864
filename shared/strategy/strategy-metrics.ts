// Metric names the strategy host emits, each with the strategy's name as its `strategy` dimension.
export const STRATEGY_METRICS = {
  proposalInvalid: 'StrategyProposalInvalid',
  /** A tick batch the strategy threw on, or answered with something other than a list of orders. */
  failed: 'StrategyFailed',
  /** A tick batch abandoned at its budget. */
  timedOut: 'StrategyTimedOut',
  /** Disabled after too many consecutive failures: it runs no more ticks in this feed. */
  disabled: 'StrategyDisabled',
  /** The page about a disabled strategy could not be sent (it is retried on later ticks). */
  disabledPageFailed: 'StrategyDisabledPageFailed',
  /** A valid proposal the runaway guard did not publish. */
  intentRefused: 'StrategyIntentRefused',
  runawayTripped: 'StrategyRunawayTripped',
  breachUnpublished: 'StrategyRunawayBreachUnpublished',
  /** The host stopped (or resumed) calling a strategy because a person switched it off (or on again). */
  switchedOff: 'StrategySwitchedOff',
  switchedOn: 'StrategySwitchedOn',
  /** The strategy switches could not be read: the host keeps the last switches it read (risk denies regardless). */
  switchesUnread: 'StrategySwitchesUnread',
} as const;
