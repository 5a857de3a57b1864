// A WebSocket (on `ws`, which sends ping frames and handshake headers) that keeps itself connected for a
// protocol on top — market data, broker updates: each connection is handed to the protocol to log in and
// subscribe, watched for liveness, and replaced after jittered exponential backoff (slowly after a refusal)
// until closed. Invariants: one connection at a time; every end of a connection is reported once with its
// reason; a protocol or callback that throws is reported, never ending the socket.
import { InfrastructureError } from '../../shared/errors/errors';
import type { Clock } from '../../shared/ports/clock';
import type { SourceStatus } from '../../shared/ports/market-data-source';
import { SocketConnection, type Ended, type SocketProtocol, type SocketStats } from './socket-connection';
import { backoffDelayMs, pause, resolveTiming, type SocketTiming, type SocketTuning } from './socket-timing';

export type { ConnectionEnd, SocketProtocol, SocketSession, SocketStats } from './socket-connection';

export interface ReconnectingSocketOptions extends SocketTuning {
  url: string;
  /** Sent with every opening handshake (for example an API key). */
  headers?: Readonly<Record<string, string>>;
  /** Names the socket in its errors (for example 'alpaca-iex'). */
  name: string;
  protocol: SocketProtocol;
  /** 'live', 'disconnected' or 'refused' per connection, with the provider's code when it gave one; 'closed' once. */
  onStatus?: (status: SourceStatus) => void;
  /** A frame that could not be decoded, a protocol or callback that threw; the socket carries on. */
  onError?: (error: SocketError) => void;
}

/** A problem on the socket that did not end it. */
export class SocketError extends InfrastructureError {
  override readonly name = 'SocketError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'websocket', options);
  }
}

export class ReconnectingSocket {
  readonly stats: SocketStats = { connections: 0, frames: 0, pingsSent: 0, pongsReceived: 0 };
  private readonly timing: SocketTiming;
  private readonly stopping = new AbortController();
  private current: SocketConnection | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;
  private firstLive: (() => void) | undefined;

  constructor(private readonly options: ReconnectingSocketOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new TypeError(`${options.name}: url must be ws: or wss:, got ${url.protocol}`);
    this.timing = resolveTiming(options);
  }

  get clock(): Clock {
    return this.timing.clock;
  }

  /** Starts connecting; resolves once the first connection is live, or when the socket is closed before that. */
  start(): Promise<void> {
    if (this.loop) throw new Error(`${this.options.name}: already started`);
    if (this.closed) throw new Error(`${this.options.name}: closed`);
    const firstLive = new Promise<void>((resolve) => (this.firstLive = resolve));
    this.loop = this.run().catch((error: unknown) => this.report('the reconnect loop stopped unexpectedly', error));
    return firstLive;
  }

  /** Stops for good: closes the connection, cancels a pending reconnect, then reports 'closed'. */
  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    this.stopping.abort();
    const connection = this.current;
    connection?.close(false);
    // The closing handshake needs the server: a dead one gets a second, then the connection is cut.
    const cut = setTimeout(() => connection?.close(true), 1000);
    cut.unref();
    await this.loop;
    clearTimeout(cut);
    this.firstLive?.();
    this.status({ kind: 'closed' });
  }

  private async run(): Promise<void> {
    let failures = 0;
    let refusals = 0;
    while (!this.closed) {
      const ended = await this.connect();
      if (this.closed) return;
      if (ended.wasLive) failures = refusals = 0;
      this.status({ kind: ended.kind, detail: ended.detail, ...(ended.code === undefined ? {} : { code: ended.code }) });
      const { random, backoff, refusedBackoff } = this.timing;
      // A refusal is not cured by hammering: at least half of its longer delay is always waited.
      const waitMs = ended.kind === 'refused' ? backoffDelayMs(refusals++, refusedBackoff, random, 0.5) : backoffDelayMs(failures++, backoff, random, 0);
      await this.wait(waitMs);
    }
  }

  private async connect(): Promise<Ended> {
    let connection: SocketConnection;
    try {
      connection = this.open();
    } catch (error) {
      // ws throws at once for what it cannot even try (a header value it refuses): reported, then retried.
      this.report('could not open a connection', error);
      return { kind: 'disconnected', detail: `could not open a connection: ${error instanceof Error ? error.message : String(error)}`, wasLive: false };
    }
    this.current = connection;
    try {
      return await connection.ended;
    } finally {
      this.current = undefined;
    }
  }

  private open(): SocketConnection {
    return new SocketConnection({
      url: this.options.url,
      headers: this.options.headers,
      protocol: this.options.protocol,
      timing: this.timing,
      stats: this.stats,
      onLive: () => {
        this.status({ kind: 'live' });
        this.firstLive?.();
      },
      report: (what, cause) => this.report(what, cause),
    });
  }

  private status(status: Omit<SourceStatus, 'atMs'>): void {
    try {
      this.options.onStatus?.({ ...status, atMs: this.timing.clock.now() });
    } catch (error) {
      this.report('onStatus failed', error);
    }
  }

  private report(what: string, cause: unknown): void {
    try {
      this.options.onError?.(new SocketError(`${this.options.name}: ${what}`, { cause }));
    } catch {
      // A failing error callback must not end the socket either.
    }
  }

  /** Sleeps between connections; close() cuts the sleep short. */
  private async wait(ms: number): Promise<void> {
    if (!this.closed) await pause(ms, this.timing, this.stopping.signal);
  }
}
