// Alpaca's trade_updates WebSocket as the port's update stream, on Node's global WebSocket. Invariants:
// updates reach onUpdate one at a time, stream messages in arrival order; a malformed message or a failing
// handler is reported through onError and skipped, never ending the stream; the broker's error frame ends
// the session like any lost session: reported as 'disconnected' (with the broker's text, credentials
// redacted) and followed by a reconnect with jittered backoff until close(). With `catchUp`, every session
// that comes back first reads through REST what the stream may have missed (alpaca-catch-up.ts).
import { setTimeout as delay } from 'node:timers/promises';
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { InfrastructureError } from '../../../shared/errors/errors';
import type { BrokerUpdateStream } from '../../../shared/ports/broker';
import { TradeUpdateCatchUp, type CatchUpOptions } from './alpaca-catch-up';
import { parseStreamMessage, toBrokerUpdate } from './alpaca-wire';
import { causeWithoutCredentials, redactCredentials, type AlpacaCredentials } from './credentials';

export const ALPACA_PAPER_STREAM_URL = 'wss://paper-api.alpaca.markets/stream';
export const ALPACA_LIVE_STREAM_URL = 'wss://api.alpaca.markets/stream';

export interface AlpacaUpdateStreamOptions {
  /** ALPACA_PAPER_STREAM_URL or ALPACA_LIVE_STREAM_URL. */
  url: string;
  credentials: AlpacaCredentials;
  /** A skipped message or a failed onUpdate; the stream carries on. */
  onError?: (error: AlpacaStreamError) => void;
  /** Full-jitter backoff between sessions: random() × min(cap, base × 2^failures); defaults 500 and 30000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** From opening the socket to the listening confirmation; a stalled handshake is dropped. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Reads what the stream missed after every (re)connection; failures are reported and retried with backoff. */
  catchUp?: CatchUpOptions;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * A problem on the update stream that did not end it: a message it skipped, a handler that failed, a
 * catch-up that failed (it is tried again) or an order a catch-up could not deliver.
 */
export class AlpacaStreamError extends InfrastructureError {
  override readonly name = 'AlpacaStreamError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'alpaca-stream', options);
  }
}

type Handlers = Parameters<BrokerUpdateStream['start']>[0];

interface SessionEnd {
  reason: string;
  wasConnected: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Alpaca sends binary frames on this endpoint; binaryType 'arraybuffer' makes them synchronous to decode,
// but a Blob (or a Buffer from another WebSocket implementation) is decoded too.
const decode = async (data: unknown): Promise<string> => {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return utf8.decode(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return utf8.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (data instanceof Blob) return utf8.decode(new Uint8Array(await data.arrayBuffer()));
  throw new TypeError(`unsupported frame data (${typeof data})`);
};

const snippet = (text: string): string => (text.length > 200 ? `${text.slice(0, 197)}...` : text);

export class AlpacaUpdateStream implements BrokerUpdateStream {
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly random: () => number;
  private readonly catchUp: TradeUpdateCatchUp | undefined;
  private readonly stopping = new AbortController();
  private readonly catchingUp = new Set<Promise<void>>();
  /** Every call of onUpdate (stream messages and catch-up deliveries) runs on this chain, one at a time. */
  private serial: Promise<void> = Promise.resolve();
  private socket: WebSocket | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: AlpacaUpdateStreamOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new TypeError(`Alpaca stream url must be ws(s): ${url.origin}`);
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffCapMs = options.backoffCapMs ?? 30_000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.random = options.random ?? Math.random;
    this.catchUp = options.catchUp ? new TradeUpdateCatchUp(options.catchUp, options.now ?? Date.now) : undefined;
  }

  /**
   * Starts the session loop and resolves once the first session is listening or has failed (reported as
   * 'disconnected'); reconnection carries on in the background either way.
   */
  async start(handlers: Handlers): Promise<void> {
    if (this.loop) throw new Error('AlpacaUpdateStream already started');
    if (this.closed) throw new Error('AlpacaUpdateStream is closed');
    this.catchUp?.started();
    let settled!: () => void;
    const firstOutcome = new Promise<void>((resolve) => (settled = resolve));
    this.loop = this.run(handlers, settled).catch((error: unknown) => {
      this.report(new AlpacaStreamError('update stream stopped unexpectedly', { cause: error }));
    });
    await Promise.race([firstOutcome, this.loop]);
  }

  /**
   * Resolves once no catch-up is running and everything received or read so far has reached onUpdate (a
   * catch-up waiting to try again keeps it waiting).
   */
  async idle(): Promise<void> {
    while (this.catchingUp.size > 0) await Promise.all(this.catchingUp);
    await this.serial;
  }

  /** Stops for good: closes the socket, cancels any pending reconnect or catch-up retry, and waits for both. */
  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    this.stopping.abort();
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.addEventListener('close', () => resolve(), { once: true });
        // The closing handshake needs the server; do not wait on a dead one for long.
        delay(2000, undefined, { ref: false }).then(() => resolve(), () => resolve());
        socket.close(1000, 'client closing');
      });
    }
    await this.loop;
    await Promise.all(this.catchingUp);
  }

  private async run(handlers: Handlers, settled: () => void): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const end = await this.session(handlers, settled);
      this.catchUp?.ended();
      if (this.closed) return;
      handlers.onStatus?.('disconnected', end.reason);
      settled();
      if (end.wasConnected) failures = 0;
      await this.wait(this.backoff(failures));
      failures++;
    }
  }

  /** Full-jitter backoff: random() × min(cap, base × 2^failures). */
  private backoff(failures: number): number {
    return this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** failures);
  }

  /** One connection, from opening to close; resolves after every message it received has been handled. */
  private session(handlers: Handlers, settled: () => void): Promise<SessionEnd> {
    return new Promise((resolve) => {
      const socket = new WebSocket(this.options.url);
      socket.binaryType = 'arraybuffer';
      this.socket = socket;
      let connected = false;
      let reason: string | undefined;
      const end = (why: string): void => {
        reason ??= why;
        socket.close(1000, 'client closing');
      };
      const handshake = setTimeout(() => end('handshake timed out'), this.handshakeTimeoutMs);

      socket.addEventListener('open', () => {
        socket.send(JSON.stringify({ action: 'auth', key: this.options.credentials.keyId, secret: this.options.credentials.secretKey }));
      });
      socket.addEventListener('message', (event: MessageEvent) => {
        this.catchUp?.received();
        void this.enqueue(() =>
          this.handle(event.data, handlers, {
            authorized: () => socket.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } })),
            listening: () => {
              clearTimeout(handshake);
              connected = true;
              handlers.onStatus?.('connected');
              settled();
              this.startCatchUp(handlers);
            },
            end,
          }),
        );
      });
      socket.addEventListener('error', (event: Event) => {
        const message = (event as Event & { message?: unknown }).message;
        reason ??= `socket error${typeof message === 'string' && message ? `: ${this.redact(message)}` : ''}`;
      });
      socket.addEventListener('close', (event: Event & { code?: number; reason?: string }) => {
        clearTimeout(handshake);
        if (this.socket === socket) this.socket = undefined;
        // Messages that arrived before the close are handled first; one of them may say why (unauthorized).
        void this.serial.then(() =>
          resolve({ reason: reason ?? `closed (code ${event.code}${event.reason ? `: ${this.redact(event.reason)}` : ''})`, wasConnected: connected }),
        );
      });
    });
  }

  /** Queues a task on the delivery chain; a task that throws is reported and the chain carries on. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.serial = this.serial
      .then(task)
      .catch((error: unknown) => this.report(new AlpacaStreamError('failed handling a stream message', { cause: error })));
    return this.serial;
  }

  private async handle(
    data: unknown,
    handlers: Handlers,
    session: { authorized: () => void; listening: () => void; end: (reason: string) => void },
  ): Promise<void> {
    let text: string;
    try {
      text = await decode(data);
    } catch (error) {
      this.report(new AlpacaStreamError('skipped a stream frame that is not UTF-8 text', { cause: error }));
      return;
    }
    let message;
    try {
      message = parseStreamMessage(JSON.parse(text));
    } catch (error) {
      this.report(new AlpacaStreamError(`skipped a malformed stream message: ${this.redact(snippet(text))}`, { cause: this.safeCause(error, text) }));
      return;
    }
    switch (message.stream) {
      case 'authorization': {
        const { status, message: why } = message.data;
        if (status === 'authorized') session.authorized();
        else session.end(`${status === 'unauthorized' ? 'unauthorized' : `authorization ${status}`}${why ? `: ${this.redact(why)}` : ''}`);
        return;
      }
      case 'listening':
        if (message.data.streams.includes('trade_updates')) session.listening();
        else session.end('server did not confirm listening to trade_updates');
        return;
      case 'error':
        // The session is in a state only the broker knows: start a fresh one (and catch up on the gap).
        session.end(`Alpaca stream error: ${this.redact(message.data.message)}`);
        return;
      case 'trade_updates': {
        let update: BrokerUpdate;
        try {
          update = toBrokerUpdate(message.data);
        } catch (error) {
          this.report(new AlpacaStreamError(`skipped a trade update the port cannot represent: ${this.redact(snippet(text))}`, { cause: this.safeCause(error, text) }));
          return;
        }
        this.catchUp?.seen(update);
        await this.deliver(update, handlers);
        return;
      }
    }
  }

  private async deliver(update: BrokerUpdate, handlers: Handlers): Promise<void> {
    try {
      await handlers.onUpdate(update);
    } catch (error) {
      this.report(new AlpacaStreamError(`onUpdate failed for ${update.event} of order ${update.order.brokerOrderId}`, { cause: error }));
    }
  }

  /** Runs the catch-up for the session now listening, in the background; close() waits for it. */
  private startCatchUp(handlers: Handlers): void {
    if (!this.catchUp) return;
    const running = this.catchUpSession(this.catchUp, this.catchUp.listening(), handlers);
    this.catchingUp.add(running);
    void running.finally(() => this.catchingUp.delete(running));
  }

  /**
   * Tries until the catch-up succeeds, the session ends or the stream closes. One that never succeeded
   * leaves its window open, so the next session's catch-up covers it: nothing is skipped.
   */
  private async catchUpSession(catchUp: TradeUpdateCatchUp, session: number, handlers: Handlers): Promise<void> {
    for (let failures = 0; !this.closed && catchUp.isListening(session); ) {
      try {
        const { updates, skipped } = await catchUp.run(session);
        for (const { brokerOrderId, why } of skipped) {
          this.report(new AlpacaStreamError(`catch-up could not deliver order ${brokerOrderId}: ${why}; reconciliation will compare it`));
        }
        await this.enqueue(async () => {
          for (const update of updates) await this.deliver(update, handlers);
        });
        return;
      } catch (error) {
        failures++;
        this.report(new AlpacaStreamError(`catching up on updates the stream may have missed failed (attempt ${failures}); trying again`, { cause: error }));
        await this.wait(this.backoff(failures - 1));
      }
    }
  }

  private redact(text: string): string {
    return redactCredentials(text, this.options.credentials);
  }

  private safeCause(error: unknown, source: string): unknown {
    return causeWithoutCredentials(error, this.options.credentials, source);
  }

  private report(error: AlpacaStreamError): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A failing error callback must not end the stream either.
    }
  }

  /** Sleeps between sessions and catch-up attempts; close() cuts the sleep short. */
  private async wait(ms: number): Promise<void> {
    if (this.closed) return;
    const stopped = new Promise<void>((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
    const sleeping = this.options.sleep ? this.options.sleep(ms) : delay(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    await Promise.race([sleeping, stopped]);
  }
}
