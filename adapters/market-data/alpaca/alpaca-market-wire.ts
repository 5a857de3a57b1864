// Alpaca's market-data stream on the wire (stocks v2 and crypto v1beta3): every frame is a JSON array of
// messages tagged by `T`. A frame is parsed once; quotes and trades become market messages with their fields
// as text (see wire-text), control messages go back to the session, and other kinds are counted, never
// guessed at. The error codes and what each does to the connection are listed here, once.
import type { MarketMessage, QuoteMessage, TradeMessage } from '../../../shared/market/market-message';
import { fieldText, timeText } from '../wire-text';

export type AlpacaFeed = 'iex' | 'sip' | 'test' | 'crypto';

export const ALPACA_MARKET_DATA_URLS: Readonly<Record<AlpacaFeed, string>> = {
  iex: 'wss://stream.data.alpaca.markets/v2/iex',
  sip: 'wss://stream.data.alpaca.markets/v2/sip',
  /** Always on, outside market hours too; its symbol is FAKEPACA. */
  test: 'wss://stream.data.alpaca.markets/v2/test',
  crypto: 'wss://stream.data.alpaca.markets/v1beta3/crypto/us',
};

/** The path of each feed's endpoint (the local server serves the same ones). */
export const ALPACA_FEED_PATHS: Readonly<Record<AlpacaFeed, string>> = {
  iex: '/v2/iex',
  sip: '/v2/sip',
  test: '/v2/test',
  crypto: '/v1beta3/crypto/us',
};

/**
 * What an error does to the connection. refused: our keys or plan cannot be served, retried slowly;
 * reconnect: this connection is spoilt, a new one may work; report: nothing to do but tell someone.
 */
export type AlpacaErrorEffect = 'refused' | 'reconnect' | 'report';

export const ALPACA_ERRORS: Readonly<Record<number, { msg: string; effect: AlpacaErrorEffect }>> = {
  400: { msg: 'invalid syntax', effect: 'reconnect' },
  401: { msg: 'not authenticated', effect: 'reconnect' },
  402: { msg: 'auth failed', effect: 'refused' },
  /** A second auth on a connection already authenticated: harmless to the connection. */
  403: { msg: 'already authenticated', effect: 'report' },
  404: { msg: 'auth timeout', effect: 'reconnect' },
  /** More symbols than the plan allows: asking again will not help until the list or the plan changes. */
  405: { msg: 'symbol limit exceeded', effect: 'refused' },
  /** One connection per endpoint per key: another process holds it. */
  406: { msg: 'connection limit exceeded', effect: 'refused' },
  407: { msg: 'slow client', effect: 'reconnect' },
  409: { msg: 'insufficient subscription', effect: 'refused' },
  500: { msg: 'internal error', effect: 'reconnect' },
};

/** The effect of an error code; a code Alpaca does not document spoils the connection. */
export const alpacaErrorEffect = (code: unknown): AlpacaErrorEffect => (typeof code === 'number' ? ALPACA_ERRORS[code]?.effect : undefined) ?? 'reconnect';

/** A message that steers the session: `success` (connected, authenticated), `subscription` or `error`. */
export type AlpacaControl = Readonly<Record<string, unknown>> & { T: 'success' | 'subscription' | 'error' };

export interface AlpacaFrame {
  messages: MarketMessage[];
  controls: AlpacaControl[];
  /** Entries of kinds we do not read (bars, corrections, cancel errors, statuses). */
  ignored: number;
  /** Entries that are not objects, each described. */
  malformed: string[];
}

type Entry = Record<string, unknown>;

const quote = (entry: Entry, source: string, receivedAtMs: number): QuoteMessage => ({
  kind: 'quote',
  source,
  symbol: fieldText(entry.S),
  bidPrice: fieldText(entry.bp),
  bidSize: fieldText(entry.bs),
  askPrice: fieldText(entry.ap),
  askSize: fieldText(entry.as),
  at: timeText(entry.t),
  receivedAtMs,
});

const trade = (entry: Entry, source: string, receivedAtMs: number): TradeMessage => {
  const message: TradeMessage = {
    kind: 'trade',
    source,
    symbol: fieldText(entry.S),
    price: fieldText(entry.p),
    size: fieldText(entry.s),
    at: timeText(entry.t),
    receivedAtMs,
  };
  if (entry.i !== undefined) message.tradeId = fieldText(entry.i);
  return message;
};

/** A frame that is not a JSON array of messages, and why. */
export type MalformedFrame = { problem: string };

/** Reads one frame; a frame that is not JSON or not an array is malformed as a whole. */
export const readAlpacaFrame = (text: string, source: string, receivedAtMs: number): AlpacaFrame | MalformedFrame => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!Array.isArray(json)) return { problem: 'not a JSON array' };
  const frame: AlpacaFrame = { messages: [], controls: [], ignored: 0, malformed: [] };
  for (let index = 0; index < json.length; index++) {
    const entry: unknown = json[index];
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      frame.malformed.push(`entry ${index} is not an object`);
      continue;
    }
    const tagged = entry as Entry;
    switch (tagged.T) {
      case 'q':
        frame.messages.push(quote(tagged, source, receivedAtMs));
        break;
      case 't':
        frame.messages.push(trade(tagged, source, receivedAtMs));
        break;
      case 'success':
      case 'subscription':
      case 'error':
        frame.controls.push(tagged as AlpacaControl);
        break;
      default:
        frame.ignored++;
    }
  }
  return frame;
};

export const authMessage = (keyId: string, secretKey: string): string => JSON.stringify({ action: 'auth', key: keyId, secret: secretKey });

export const subscribeMessage = (symbols: readonly string[]): string => JSON.stringify({ action: 'subscribe', trades: symbols, quotes: symbols });

/** The requested symbols a subscription confirmation leaves out of trades or quotes. */
export const unconfirmedSymbols = (control: AlpacaControl, symbols: readonly string[]): string[] => {
  const listed = (field: unknown): Set<unknown> => new Set(Array.isArray(field) ? field : []);
  const trades = listed(control.trades);
  const quotes = listed(control.quotes);
  return symbols.filter((symbol) => !trades.has(symbol) || !quotes.has(symbol));
};
