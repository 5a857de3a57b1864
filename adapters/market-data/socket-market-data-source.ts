// What every WebSocket market-data source shares, whatever its provider: one reconnecting socket per start,
// its statuses passed on, messages delivered in arrival order, and problems reported and counted. A handler
// that throws is reported and never stops the source; a provider's protocol only reads frames and says
// what they mean.
import type { MarketMessage } from '../../shared/market/market-message';
import { InfrastructureError } from '../../shared/errors/errors';
import type { MarketDataHandlers, MarketDataSource } from '../../shared/ports/market-data-source';
import { ReconnectingSocket, type SocketProtocol, type SocketStats } from '../websocket/reconnecting-socket';
import type { SocketTuning } from '../websocket/socket-timing';

export interface SocketSourceOptions {
  /** Names the source in messages, statuses and errors. */
  name: string;
  url: string;
  headers?: Readonly<Record<string, string>>;
  /** A frame or entry the source skipped, a handler or callback that threw; the source carries on. */
  onError?: (error: InfrastructureError) => void;
  /** Liveness limits, backoff, and the clock, timers, sleep and randomness they run on. */
  socket?: SocketTuning;
}

/** A problem a market-data source met and carried on from. */
export class MarketDataError extends InfrastructureError {
  override readonly name = 'MarketDataError';
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`${source}: ${message}`, source, options);
  }
}

export interface MarketDataStats {
  /** Market messages handed to onMessages. */
  delivered: number;
  /** Frames or entries that could not be read (not JSON, not the provider's shape), each reported. */
  malformed: number;
  /** Entries of kinds this source does not turn into messages (bars, corrections, statuses). */
  ignored: number;
  socket: SocketStats;
}

/** What a provider's protocol reports back to its source. */
export interface SourceLink {
  deliver(messages: MarketMessage[]): void;
  /** Reports a frame or entry that could not be read; counted as malformed. */
  malformed(message: string): void;
  ignored(count: number): void;
  /** Reports something the provider said that needs a person's eye but ends nothing. */
  warn(message: string): void;
}

const SYMBOL = /^[A-Z0-9][A-Z0-9./-]*$/;

/** A frame quoted in an error: at most this much of it. */
export const snippet = (text: string): string => (text.length > 200 ? `${text.slice(0, 197)}...` : text);

export abstract class SocketMarketDataSource implements MarketDataSource {
  readonly name: string;
  private readonly counts = { delivered: 0, malformed: 0, ignored: 0 };
  private socket: ReconnectingSocket | undefined;

  protected constructor(private readonly base: SocketSourceOptions) {
    this.name = base.name;
  }

  /** The provider's protocol for one start, over symbols already checked. */
  protected abstract protocol(symbols: readonly string[], link: SourceLink): SocketProtocol;

  /** Why the provider cannot be asked for this symbol, or undefined when it can. */
  protected symbolProblem(symbol: string): string | undefined {
    return SYMBOL.test(symbol) ? undefined : 'must be upper-case letters and digits, with . / or - between them';
  }

  /** The socket's clock: the one that stamps receivedAtMs. */
  protected now(): number {
    return this.base.socket?.clock?.now() ?? Date.now();
  }

  stats(): MarketDataStats {
    return { ...this.counts, socket: { ...(this.socket?.stats ?? { connections: 0, frames: 0, pingsSent: 0, pongsReceived: 0 }) } };
  }

  /** Rejects a symbol list the provider cannot subscribe to; otherwise resolves once the first subscription is live. */
  async start(symbols: readonly string[], handlers: MarketDataHandlers): Promise<void> {
    if (this.socket) throw new Error(`${this.name} is already started`);
    const unique = [...new Set(symbols)];
    if (unique.length === 0) throw new RangeError(`${this.name}: no symbols to subscribe to`);
    const problems = unique.flatMap((symbol) => {
      const problem = this.symbolProblem(symbol);
      return problem ? [`${JSON.stringify(symbol)} ${problem}`] : [];
    });
    if (problems.length > 0) throw new RangeError(`${this.name}: cannot subscribe: ${problems.join('; ')}`);
    const socket = new ReconnectingSocket({
      ...this.base.socket,
      name: this.name,
      url: this.base.url,
      ...(this.base.headers ? { headers: this.base.headers } : {}),
      protocol: this.protocol(unique, this.link(handlers)),
      onError: (error) => this.report(error),
      ...(handlers.onStatus ? { onStatus: (status) => handlers.onStatus?.(status) } : {}),
    });
    this.socket = socket;
    await socket.start();
  }

  async close(): Promise<void> {
    await this.socket?.close();
  }

  private link(handlers: MarketDataHandlers): SourceLink {
    return {
      deliver: (messages) => {
        this.counts.delivered += messages.length;
        try {
          handlers.onMessages(messages);
        } catch (error) {
          this.report(new MarketDataError(this.name, 'onMessages failed', { cause: error }));
        }
      },
      malformed: (message) => {
        this.counts.malformed++;
        this.report(new MarketDataError(this.name, message));
      },
      ignored: (count) => {
        this.counts.ignored += count;
      },
      warn: (message) => this.report(new MarketDataError(this.name, message)),
    };
  }

  private report(error: InfrastructureError): void {
    try {
      this.base.onError?.(error);
    } catch {
      // A failing error callback must not stop the source.
    }
  }
}
