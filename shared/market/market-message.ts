// Market data as the feed's sources deliver it, normalised: quotes (best bid and ask) and trades of one
// symbol, with the exchange's time and the moment the feed received it. Prices and sizes are the decimal
// text the source sent (a JSON number becomes its shortest decimal form, never a computed value); a field
// that is not a number is passed on as text, so the validator rejects it by reason instead of the adapter
// dropping it silently.

export interface QuoteMessage {
  kind: 'quote';
  /** The source that delivered it (its MarketDataSource name). */
  source: string;
  symbol: string;
  bidPrice: string;
  bidSize: string;
  askPrice: string;
  askSize: string;
  /** The exchange's time, ISO-8601 UTC with milliseconds when the source's time could be read; else as sent. */
  at: string;
  /** Epoch ms when the feed received it. */
  receivedAtMs: number;
  /** The source's sequence number for the symbol, when it has one (gap detection). */
  sequence?: number;
}

export interface TradeMessage {
  kind: 'trade';
  source: string;
  symbol: string;
  price: string;
  size: string;
  at: string;
  receivedAtMs: number;
  sequence?: number;
  tradeId?: string;
}

export type MarketMessage = QuoteMessage | TradeMessage;
