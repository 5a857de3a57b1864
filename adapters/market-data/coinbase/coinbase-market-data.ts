// Coinbase Exchange's public feed (no key) as a market-data source: each connection subscribes the products'
// ticker and heartbeat channels and is live once Coinbase confirms. Every product must keep its heartbeat
// (one a second): a product silent past the limit spoils the connection, which is replaced and subscribed
// again. An error before the confirmation is a refusal (a product Coinbase does not list), retried slowly;
// after it, the connection is replaced.
import type { SocketProtocol, SocketSession } from '../../websocket/reconnecting-socket';
import { SocketMarketDataSource, snippet, type SocketSourceOptions, type SourceLink } from '../socket-market-data-source';
import { COINBASE_EXCHANGE_URL, PAIR, readCoinbaseFrame, subscribeMessage, toProductId, toSymbol } from './coinbase-wire';

export interface CoinbaseMarketDataOptions extends Omit<SocketSourceOptions, 'name' | 'url'> {
  /** Default COINBASE_EXCHANGE_URL. */
  url?: string;
  /** Default 'coinbase'. */
  name?: string;
  /** A product without a heartbeat this long spoils the connection; 0 does not watch. Default 5000. */
  heartbeatTimeoutMs?: number;
}

/** Heartbeats come every second: five missed in a row is a dead subscription, not jitter. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 5_000;

export class CoinbaseMarketData extends SocketMarketDataSource {
  private readonly heartbeatTimeoutMs: number;

  constructor(options: CoinbaseMarketDataOptions = {}) {
    const { url, name, heartbeatTimeoutMs, socket, ...rest } = options;
    // Heartbeats make a quiet connection impossible, so silence is watched by default too.
    const liveness = { silenceMs: DEFAULT_HEARTBEAT_TIMEOUT_MS, ...socket?.liveness };
    super({ ...rest, name: name ?? 'coinbase', url: url ?? COINBASE_EXCHANGE_URL, socket: { ...socket, liveness } });
    this.heartbeatTimeoutMs = heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!(this.heartbeatTimeoutMs >= 0 && Number.isFinite(this.heartbeatTimeoutMs))) throw new RangeError('heartbeatTimeoutMs must be a finite number >= 0');
  }

  protected override symbolProblem(symbol: string): string | undefined {
    return PAIR.test(symbol) ? undefined : 'must be a pair of upper-case currency codes such as BTC/USD';
  }

  protected protocol(symbols: readonly string[], link: SourceLink): SocketProtocol {
    const products = symbols.map(toProductId);
    const symbolOf = new Map(products.map((product, index) => [product, symbols[index] ?? toSymbol(product)]));
    const symbolFor = (product: string): string => symbolOf.get(product) ?? toSymbol(product);
    const subscribe = subscribeMessage(products);
    const heartbeats = new Map<string, number>();
    return {
      onOpen: (session) => {
        heartbeats.clear();
        session.send(subscribe);
      },
      onFrame: (text, session, receivedAtMs) => {
        const event = readCoinbaseFrame(text, this.name, receivedAtMs, symbolFor);
        switch (event.type) {
          case 'market':
            if (event.problem) link.malformed(`${event.problem}: ${snippet(text)}`);
            if (event.messages.length > 0) link.deliver(event.messages);
            return;
          case 'heartbeat':
            heartbeats.set(event.productId, receivedAtMs);
            return;
          case 'subscriptions': {
            if (session.isLive) return;
            const missing = products.filter((product) => !['ticker', 'heartbeat'].every((name) => event.channels.get(name)?.includes(product)));
            if (missing.length > 0) link.warn(`subscription confirmed without the ticker or heartbeat of ${missing.join(', ')}`);
            for (const product of products) heartbeats.set(product, receivedAtMs);
            session.live();
            if (this.heartbeatTimeoutMs > 0) this.watchHeartbeats(session, products, heartbeats, this.heartbeatTimeoutMs);
            return;
          }
          case 'error':
            return session.end({ kind: session.isLive ? 'disconnected' : 'refused', detail: event.detail });
          case 'ignored':
            return link.ignored(1);
          case 'malformed':
            return link.malformed(`skipped a frame that is ${event.problem}: ${snippet(text)}`);
        }
      },
    };
  }

  /** Checks when the oldest heartbeat would go stale, so a product is caught as soon as it is. */
  private watchHeartbeats(session: SocketSession, products: readonly string[], heartbeats: ReadonlyMap<string, number>, ms: number): void {
    const now = this.now();
    let oldest = now;
    for (const product of products) oldest = Math.min(oldest, heartbeats.get(product) ?? oldest);
    session.after(oldest + ms - now, () => {
      const checkedAt = this.now();
      const stale = products.filter((product) => checkedAt - (heartbeats.get(product) ?? 0) >= ms);
      if (stale.length > 0) session.end({ kind: 'disconnected', detail: `no heartbeat from ${stale.join(', ')} for ${ms} ms` });
      else this.watchHeartbeats(session, products, heartbeats, ms);
    });
  }
}
