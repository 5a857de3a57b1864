// A local Coinbase Exchange feed: the real protocol at the root path — subscribe and unsubscribe (product ids
// at the top or per channel) confirmed by `subscriptions`, an `error` for a product it does not list or a
// message it cannot read, tickers with a per-product sequence, and heartbeats every second to each client's
// heartbeat products. Quotes and trades are pushed in with our symbols (BTC/USD) and sent as tickers of
// their products (BTC-USD), decimal text as JSON strings as Coinbase writes it.
import { toProductId } from '../adapters/market-data/coinbase/coinbase-wire';
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

export interface CoinbaseMarketServerOptions extends MarketServerOptions {
  /** The products it lists; default any BASE-QUOTE of upper-case codes. */
  products?: readonly string[];
  /** Heartbeats this often; 0 sends them only when sendHeartbeats() is called (tests). Default 1000. */
  heartbeatIntervalMs?: number;
}

type CoinbaseClient = Map<string, Set<string>>;

interface Product {
  sequence: number;
  lastTradeId: number;
  quote: PublishedQuote | undefined;
}

const PRODUCT = /^[A-Z0-9]+-[A-Z0-9]+$/;

/** Epoch ms as Coinbase writes times: RFC 3339 with microseconds. */
const microTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

export class CoinbaseMarketServer extends WebSocketMarketServer<CoinbaseClient> implements MarketServer {
  /** Subscription confirmations sent so far (every subscribe, across reconnects). */
  subscriptions = 0;
  heartbeatsSent = 0;
  private readonly products = new Map<string, Product>();
  private readonly muted = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: CoinbaseMarketServerOptions) {
    super(options, ['/']);
  }

  static async start(options: CoinbaseMarketServerOptions = {}): Promise<CoinbaseMarketServer> {
    const server = new CoinbaseMarketServer(options);
    await server.listen(options.port ?? 0);
    const every = options.heartbeatIntervalMs ?? 1000;
    if (every > 0) server.heartbeatTimer = setInterval(() => server.sendHeartbeats(), every).unref();
    return server;
  }

  /** ws://127.0.0.1:<port>/ */
  get feedUrl(): string {
    return this.url('/');
  }

  /** Tickers carrying the new best bid and ask, without a trade. */
  publishQuotes(quotes: readonly PublishedQuote[]): void {
    for (const quote of quotes) {
      const productId = toProductId(quote.symbol);
      const product = this.product(productId);
      product.quote = quote;
      this.ticker(productId, product, quote, quote.at, undefined);
    }
  }

  /** Tickers carrying a trade, with the product's last published best bid and ask when there is one. */
  publishTrades(trades: readonly PublishedTrade[]): void {
    for (const trade of trades) {
      const productId = toProductId(trade.symbol);
      const product = this.product(productId);
      product.lastTradeId++;
      this.ticker(productId, product, product.quote, trade.at, trade);
    }
  }

  /** A heartbeat for each heartbeat product of each client, except muted ones. */
  sendHeartbeats(): void {
    const time = microTime(this.now());
    for (const client of this.clients) {
      for (const productId of client.state.get('heartbeat') ?? []) {
        if (this.muted.has(productId)) continue;
        const { sequence, lastTradeId } = this.product(productId);
        this.heartbeatsSent++;
        this.send(client, JSON.stringify({ type: 'heartbeat', last_trade_id: lastTradeId, product_id: productId, sequence, time }));
      }
    }
  }

  /** Stops (or resumes) one product's heartbeats while its tickers go on. */
  muteHeartbeats(productId: string, muted = true): void {
    if (muted) this.muted.add(productId);
    else this.muted.delete(productId);
  }

  /** Moves a product's sequence on by `count` without sending: the next ticker shows a gap. */
  skipSequence(productId: string, count: number): void {
    this.product(productId).sequence += count;
  }

  sendError(message: string, reason?: string): void {
    for (const client of this.clients) this.error(client, message, reason);
  }

  override async close(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    await super.close();
  }

  protected initialState(): CoinbaseClient {
    return new Map();
  }

  protected onConnect(): void {
    // Coinbase sends nothing until it is asked.
  }

  protected onMessage(client: ServerClient<CoinbaseClient>, message: unknown): void {
    if (message === NOT_JSON || typeof message !== 'object' || message === null) return this.error(client, 'Malformed JSON');
    const { type, product_ids: topProducts = [], channels = [] } = message as { type?: unknown; product_ids?: unknown; channels?: unknown };
    if (type !== 'subscribe' && type !== 'unsubscribe') return this.error(client, 'Failed to subscribe', `${String(type)} is not a valid type`);
    if (!Array.isArray(topProducts) || !Array.isArray(channels)) return this.error(client, 'Failed to subscribe', 'product_ids and channels must be arrays');
    const wanted = channels.map((channel: unknown): [string, unknown[]] => {
      if (typeof channel === 'string') return [channel, topProducts];
      const { name, product_ids: own } = (channel ?? {}) as { name?: unknown; product_ids?: unknown };
      return [String(name), [...topProducts, ...(Array.isArray(own) ? own : [])]];
    });
    const invalid = wanted.flatMap(([, products]) => products).find((product) => !this.lists(product));
    if (invalid !== undefined) return this.error(client, 'Failed to subscribe', `${String(invalid)} is not a valid product`);
    for (const [name, products] of wanted) {
      const current = client.state.get(name) ?? new Set<string>();
      for (const product of products as string[]) {
        if (type === 'subscribe') current.add(product);
        else current.delete(product);
      }
      client.state.set(name, current);
    }
    this.subscriptions++;
    const confirmed = [...client.state].filter(([, products]) => products.size > 0).map(([name, products]) => ({ name, product_ids: [...products] }));
    this.send(client, JSON.stringify({ type: 'subscriptions', channels: confirmed }));
  }

  private lists(product: unknown): boolean {
    return typeof product === 'string' && (this.options.products ? this.options.products.includes(product) : PRODUCT.test(product));
  }

  private product(productId: string): Product {
    let product = this.products.get(productId);
    if (!product) {
      product = { sequence: 0, lastTradeId: 0, quote: undefined };
      this.products.set(productId, product);
    }
    return product;
  }

  private ticker(productId: string, product: Product, quote: PublishedQuote | undefined, at: string | undefined, trade: PublishedTrade | undefined): void {
    product.sequence++;
    const ticker = {
      type: 'ticker',
      sequence: product.sequence,
      product_id: productId,
      ...(trade ? { price: decimalOrThrow('price', trade.price) } : {}),
      ...(quote
        ? {
            best_bid: decimalOrThrow('bidPrice', quote.bidPrice),
            best_bid_size: decimalOrThrow('bidSize', quote.bidSize),
            best_ask: decimalOrThrow('askPrice', quote.askPrice),
            best_ask_size: decimalOrThrow('askSize', quote.askSize),
          }
        : {}),
      ...(trade ? { side: 'buy', trade_id: product.lastTradeId, last_size: decimalOrThrow('size', trade.size) } : {}),
      time: at ?? microTime(this.now()),
    };
    const frame = JSON.stringify(ticker);
    for (const client of this.clients) if (client.state.get('ticker')?.has(productId)) this.send(client, frame);
  }

  private error(client: ServerClient<CoinbaseClient>, message: string, reason?: string): void {
    this.send(client, JSON.stringify({ type: 'error', message, ...(reason === undefined ? {} : { reason }) }));
  }
}
