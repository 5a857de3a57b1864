// The market-data source port: a live stream of quotes and trades for the symbols asked for (Alpaca's
// WebSocket, Coinbase's, a replayed recording, the local simulated market). A source keeps itself connected
// until closed: it reconnects with jittered backoff, re-authenticates and re-subscribes, watches its own
// liveness (ping/pong and silence), and reports every change of state; it never invents or repairs data.
import type { MarketMessage } from '../market/market-message';

export type SourceStatusKind =
  /** Authenticated and subscribed: messages flow. */
  | 'live'
  /** The connection is gone or silent; the source is reconnecting (messages may have been missed). */
  | 'disconnected'
  /** The source refused us (bad keys, connection limit, insufficient subscription): it keeps retrying slowly. */
  | 'refused'
  /** Closed by its owner. */
  | 'closed';

export interface SourceStatus {
  kind: SourceStatusKind;
  /** Epoch ms. */
  atMs: number;
  /** The provider's code when it gave one (for example Alpaca 406, connection limit exceeded). */
  code?: string;
  detail?: string;
}

/** What the source calls back (a callback record the caller supplies, not a port). */
export type MarketDataHandlers = {
  /** Messages in the order received; a handler that throws does not stop the source. */
  onMessages(messages: readonly MarketMessage[]): void;
  onStatus?(status: SourceStatus): void;
};

export interface MarketDataSource {
  /** Names the source in messages, marks, metrics and reports (for example 'alpaca-iex', 'coinbase'). */
  readonly name: string;
  /**
   * Connects and subscribes to the symbols' quotes and trades. Resolves once the first subscription is live;
   * rejects only when it can never be (bad configuration). Afterwards the source recovers on its own.
   */
  start(symbols: readonly string[], handlers: MarketDataHandlers): Promise<void>;
  close(): Promise<void>;
}
