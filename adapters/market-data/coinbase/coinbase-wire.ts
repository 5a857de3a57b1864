// Coinbase Exchange's public WebSocket feed on the wire: one JSON object per frame, tagged by `type`. A
// ticker becomes a trade (when it reports one) and a quote, both with the ticker's sequence; a heartbeat,
// a subscriptions confirmation or an error goes back to the session; other types are counted, never guessed
// at. Our symbols (BTC/USD) and Coinbase's product ids (BTC-USD) are mapped here, both ways.
import type { MarketMessage, QuoteMessage, TradeMessage } from '../../../shared/market/market-message';
import { fieldText, timeText } from '../wire-text';

export const COINBASE_EXCHANGE_URL = 'wss://ws-feed.exchange.coinbase.com';

/** The channels every subscription asks for: prices and trades, and the per-product heartbeat. */
export const COINBASE_CHANNELS = ['ticker', 'heartbeat'] as const;

export const toProductId = (symbol: string): string => symbol.replace('/', '-');
export const toSymbol = (productId: string): string => productId.replace('-', '/');

/** A pair of upper-case currency codes, BASE/QUOTE: the only symbols that have a product id. */
export const PAIR = /^[A-Z0-9]+\/[A-Z0-9]+$/;

export const subscribeMessage = (productIds: readonly string[]): string =>
  JSON.stringify({ type: 'subscribe', product_ids: productIds, channels: COINBASE_CHANNELS });

export type CoinbaseEvent =
  /** A ticker's trade and quote; `problem` names a field read as absent (a sequence that is not a number). */
  | { type: 'market'; messages: MarketMessage[]; problem?: string }
  | { type: 'heartbeat'; productId: string }
  /** The product ids confirmed on each channel. */
  | { type: 'subscriptions'; channels: ReadonlyMap<string, readonly string[]> }
  | { type: 'error'; detail: string }
  | { type: 'ignored' }
  | { type: 'malformed'; problem: string };

type Fields = Record<string, unknown>;

const ticker = (m: Fields, source: string, receivedAtMs: number, symbol: string): CoinbaseEvent => {
  const at = timeText(m.time);
  const sequence = typeof m.sequence === 'number' ? m.sequence : undefined;
  const messages: MarketMessage[] = [];
  if (m.trade_id !== undefined || m.last_size !== undefined) {
    const trade: TradeMessage = { kind: 'trade', source, symbol, price: fieldText(m.price), size: fieldText(m.last_size), at, receivedAtMs };
    if (sequence !== undefined) trade.sequence = sequence;
    if (m.trade_id !== undefined) trade.tradeId = fieldText(m.trade_id);
    messages.push(trade);
  }
  if (m.best_bid !== undefined || m.best_ask !== undefined) {
    const quote: QuoteMessage = {
      kind: 'quote',
      source,
      symbol,
      bidPrice: fieldText(m.best_bid),
      bidSize: fieldText(m.best_bid_size),
      askPrice: fieldText(m.best_ask),
      askSize: fieldText(m.best_ask_size),
      at,
      receivedAtMs,
    };
    if (sequence !== undefined) quote.sequence = sequence;
    messages.push(quote);
  }
  return m.sequence === undefined || sequence !== undefined ? { type: 'market', messages } : { type: 'market', messages, problem: `sequence is not a number: ${fieldText(m.sequence)}` };
};

const subscriptions = (m: Fields): CoinbaseEvent => {
  const channels = new Map<string, string[]>();
  for (const channel of Array.isArray(m.channels) ? (m.channels as unknown[]) : []) {
    const { name, product_ids: products } = (channel ?? {}) as Fields;
    if (typeof name === 'string') channels.set(name, Array.isArray(products) ? products.filter((p): p is string => typeof p === 'string') : []);
  }
  return { type: 'subscriptions', channels };
};

/**
 * Reads one frame. `symbolOf` maps a product id to our symbol (an unknown product keeps its id's shape,
 * BTC-EUR → BTC/EUR, for the validator to reject as a symbol nobody subscribed to).
 */
export const readCoinbaseFrame = (text: string, source: string, receivedAtMs: number, symbolOf: (productId: string) => string): CoinbaseEvent => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { type: 'malformed', problem: 'not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { type: 'malformed', problem: 'not a JSON object' };
  const m = json as Fields;
  switch (m.type) {
    case 'ticker':
      return ticker(m, source, receivedAtMs, symbolOf(fieldText(m.product_id)));
    case 'heartbeat':
      return { type: 'heartbeat', productId: fieldText(m.product_id) };
    case 'subscriptions':
      return subscriptions(m);
    case 'error':
      return { type: 'error', detail: [m.message, m.reason].filter((part) => part !== undefined).map(fieldText).join(': ') || 'error' };
    default:
      return { type: 'ignored' };
  }
};
