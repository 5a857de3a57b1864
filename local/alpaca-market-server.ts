// A local Alpaca market-data stream: the real protocol on Alpaca's endpoint paths (/v2/iex, /v2/sip, /v2/test,
// /v1beta3/crypto/us) — the welcome, auth, subscribe and unsubscribe with their confirmations, and the error
// codes: 400 bad syntax, 401 before auth, 402 wrong keys, 403 a second auth, 405 over the symbol limit,
// 406 a second connection of one key to one endpoint, 409 a feed outside the plan. Quotes and trades pushed
// in reach the clients subscribed to their symbols, prices as JSON numbers written from the decimal text.
import { ALPACA_ERRORS, ALPACA_FEED_PATHS, type AlpacaFeed } from '../adapters/market-data/alpaca/alpaca-market-wire';
import {
  decimalOrThrow,
  NOT_JSON,
  WebSocketMarketServer,
  type MarketServer,
  type MarketServerOptions,
  type PublishedQuote,
  type PublishedTrade,
  type ServerClient,
} from './websocket-market-server';

export interface AlpacaMarketServerOptions extends MarketServerOptions {
  /** The keys it accepts; defaults 'local-key' and 'local-secret'. */
  keyId?: string;
  secretKey?: string;
  /** Symbols one connection may subscribe to (trades and quotes together) before 405; default unlimited. */
  maxSymbols?: number;
  /** Feeds the key's plan does not include: auth on them answers 409. */
  feedsNotInPlan?: readonly AlpacaFeed[];
}

interface AlpacaClient {
  keyId: string | undefined;
  trades: Set<string>;
  quotes: Set<string>;
}

/** Errors after which Alpaca closes the connection itself. */
const CLOSING_CODES = new Set([402, 404, 406, 409]);

/** Epoch ms as Alpaca writes times: RFC 3339 with nanoseconds. */
const nanoTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000000Z');

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

export class AlpacaMarketServer extends WebSocketMarketServer<AlpacaClient> implements MarketServer {
  readonly keyId: string;
  readonly secretKey: string;
  /** Subscription confirmations sent so far (every subscribe, across reconnects). */
  subscriptions = 0;
  private nextTradeId = 1;

  private constructor(private readonly options: AlpacaMarketServerOptions) {
    super(options, Object.values(ALPACA_FEED_PATHS));
    this.keyId = options.keyId ?? 'local-key';
    this.secretKey = options.secretKey ?? 'local-secret';
  }

  static async start(options: AlpacaMarketServerOptions = {}): Promise<AlpacaMarketServer> {
    const server = new AlpacaMarketServer(options);
    await server.listen(options.port ?? 0);
    return server;
  }

  /** The feed's endpoint on this server. */
  feedUrl(feed: AlpacaFeed): string {
    return this.url(ALPACA_FEED_PATHS[feed]);
  }

  publishQuotes(quotes: readonly PublishedQuote[]): void {
    this.publish(
      (state) => state.quotes,
      quotes.map((q) => ({
        symbol: q.symbol,
        json:
          `{"T":"q","S":${JSON.stringify(q.symbol)},"bx":"V","bp":${decimalOrThrow('bidPrice', q.bidPrice)},"bs":${decimalOrThrow('bidSize', q.bidSize)},` +
          `"ax":"V","ap":${decimalOrThrow('askPrice', q.askPrice)},"as":${decimalOrThrow('askSize', q.askSize)},"c":["R"],"z":"C","t":${JSON.stringify(q.at ?? nanoTime(this.now()))}}`,
      })),
    );
  }

  publishTrades(trades: readonly PublishedTrade[]): void {
    this.publish(
      (state) => state.trades,
      trades.map((t) => ({
        symbol: t.symbol,
        json:
          `{"T":"t","S":${JSON.stringify(t.symbol)},"i":${this.nextTradeId++},"x":"V","p":${decimalOrThrow('price', t.price)},"s":${decimalOrThrow('size', t.size)},` +
          `"c":["@"],"z":"C","t":${JSON.stringify(t.at ?? nanoTime(this.now()))}}`,
      })),
    );
  }

  /** Sends `[{"T":"error","code":…,"msg":…}]` to every client; with `close`, ends their connections as Alpaca does. */
  sendError(code: number, options: { msg?: string; close?: boolean } = {}): void {
    for (const client of this.clients) this.error(client, code, options.msg, options.close ?? false);
  }

  protected initialState(): AlpacaClient {
    return { keyId: undefined, trades: new Set(), quotes: new Set() };
  }

  protected onConnect(client: ServerClient<AlpacaClient>): void {
    this.send(client, '[{"T":"success","msg":"connected"}]');
  }

  protected onMessage(client: ServerClient<AlpacaClient>, message: unknown): void {
    if (message === NOT_JSON || typeof message !== 'object' || message === null) return this.error(client, 400);
    const { action } = message as { action?: unknown };
    if (action === 'auth') return this.auth(client, message as { key?: unknown; secret?: unknown });
    if (action === 'subscribe' || action === 'unsubscribe') return this.subscribe(client, action, message as { trades?: unknown; quotes?: unknown });
    this.error(client, 400);
  }

  private auth(client: ServerClient<AlpacaClient>, message: { key?: unknown; secret?: unknown }): void {
    if (client.state.keyId !== undefined) return this.error(client, 403);
    if (message.key !== this.keyId || message.secret !== this.secretKey) return this.error(client, 402);
    const feed = (Object.keys(ALPACA_FEED_PATHS) as AlpacaFeed[]).find((name) => ALPACA_FEED_PATHS[name] === client.path);
    if (feed && this.options.feedsNotInPlan?.includes(feed)) return this.error(client, 409);
    const holder = [...this.clients].find((other) => other !== client && other.path === client.path && other.state.keyId === this.keyId);
    if (holder) return this.error(client, 406);
    client.state.keyId = this.keyId;
    this.send(client, '[{"T":"success","msg":"authenticated"}]');
  }

  private subscribe(client: ServerClient<AlpacaClient>, action: 'subscribe' | 'unsubscribe', message: { trades?: unknown; quotes?: unknown }): void {
    const { state } = client;
    if (state.keyId === undefined) return this.error(client, 401);
    const trades = message.trades ?? [];
    const quotes = message.quotes ?? [];
    if (!isStringArray(trades) || !isStringArray(quotes)) return this.error(client, 400);
    const next = { trades: new Set(state.trades), quotes: new Set(state.quotes) };
    for (const [set, symbols] of [
      [next.trades, trades],
      [next.quotes, quotes],
    ] as const) {
      for (const symbol of symbols) {
        if (action === 'subscribe') set.add(symbol);
        else set.delete(symbol);
      }
    }
    if (new Set([...next.trades, ...next.quotes]).size > (this.options.maxSymbols ?? Infinity)) return this.error(client, 405);
    state.trades = next.trades;
    state.quotes = next.quotes;
    this.subscriptions++;
    this.send(client, JSON.stringify([{ T: 'subscription', trades: [...state.trades], quotes: [...state.quotes], bars: [] }]));
  }

  private error(client: ServerClient<AlpacaClient>, code: number, msg?: string, close = CLOSING_CODES.has(code)): void {
    this.send(client, JSON.stringify([{ T: 'error', code, msg: msg ?? ALPACA_ERRORS[code]?.msg ?? 'error' }]));
    if (close) client.socket.close(1008, ALPACA_ERRORS[code]?.msg ?? 'error');
  }

  /** One frame per subscribed client with every message of its symbols, in the order given. */
  private publish(subscribed: (state: AlpacaClient) => ReadonlySet<string>, messages: readonly { symbol: string; json: string }[]): void {
    for (const client of this.clients) {
      if (client.state.keyId === undefined) continue;
      const wanted = subscribed(client.state);
      const mine = messages.filter((message) => wanted.has(message.symbol)).map((message) => message.json);
      if (mine.length > 0) this.send(client, `[${mine.join(',')}]`);
    }
  }
}
