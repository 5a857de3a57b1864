// Coded reasons a market message is rejected by the feed's validator. A code is at once the metric
// dimension, the report's key and the log field, so codes are never renamed; new checks add new codes.
export const TICK_REJECTIONS = [
  /** A price that is not a positive finite decimal. */
  'PRICE_INVALID',
  /** A size that is not a positive finite decimal (a zero-size side of a quote included). */
  'SIZE_INVALID',
  /** Bid above ask. */
  'QUOTE_CROSSED',
  /** Bid equal to ask. */
  'QUOTE_LOCKED',
  /** Ask − bid wider than the configured limit, in basis points of the mid. */
  'SPREAD_TOO_WIDE',
  /** The exchange time cannot be read. */
  'TIMESTAMP_INVALID',
  /** The exchange time is ahead of the feed's clock by more than the tolerance. */
  'TIMESTAMP_IN_FUTURE',
  /** The exchange time is older than the maximum age. */
  'TIMESTAMP_TOO_OLD',
  /** Older than the last message accepted for the symbol from the same source. */
  'OUT_OF_ORDER',
  /** Moved further than the configured fraction from the last accepted price and was not confirmed. */
  'PRICE_JUMP',
  /** A symbol nobody subscribed to. */
  'SYMBOL_UNKNOWN',
] as const;
export type TickRejection = (typeof TICK_REJECTIONS)[number];
