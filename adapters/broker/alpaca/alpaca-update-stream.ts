// Alpaca's trade_updates WebSocket as the port's update stream, a protocol on the reconnecting socket (which
// replaces a lost or half-open connection). Invariants: updates reach onUpdate one at a time, in arrival
// order; a malformed message or a failing handler is reported and skipped; the broker's error frame ends the
// session like any lost one ('disconnected' with its text, credentials redacted); with `catchUp`, every
// session that comes back first reads through REST what the stream may have missed (alpaca-catch-up.ts).
import type { BrokerUpdate } from '../../../shared/broker/broker-order';
import { InfrastructureError } from '../../../shared/errors/errors';
import type { SourceStatus } from '../../../shared/ports/market-data-source';
import type { BrokerUpdateStream } from '../../../shared/ports/broker';
import { ReconnectingSocket, type SocketProtocol, type SocketSession } from '../../websocket/reconnecting-socket';
import { backoffDelayMs, pause, resolveTiming, type SocketTiming, type SocketTuning } from '../../websocket/socket-timing';
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
  /** Reads what the stream missed after every (re)connection; failures are reported and retried with backoff. */
  catchUp?: CatchUpOptions;
  /**
   * Liveness (by default a ping every 10 s with its pong due within 5 s, and no silence limit: trade_updates
   * is quiet while nothing trades), the backoff between sessions and catch-up attempts, and the clock,
   * timers, sleep and randomness they run on.
   */
  socket?: SocketTuning;
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

const snippet = (text: string): string => (text.length > 200 ? `${text.slice(0, 197)}...` : text);

export class AlpacaUpdateStream implements BrokerUpdateStream {
  private readonly socket: ReconnectingSocket;
  private readonly timing: SocketTiming;
  private readonly catchUp: TradeUpdateCatchUp | undefined;
  private readonly stopping = new AbortController();
  private readonly catchingUp = new Set<Promise<void>>();
  /** Every call of onUpdate and onStatus (stream messages, catch-up deliveries, statuses) runs on this chain. */
  private serial: Promise<void> = Promise.resolve();
  private handlers: Handlers | undefined;
  private firstOutcome: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: AlpacaUpdateStreamOptions) {
    this.timing = resolveTiming(options.socket ?? {});
    this.catchUp = options.catchUp ? new TradeUpdateCatchUp(options.catchUp, () => this.timing.clock.now()) : undefined;
    this.socket = new ReconnectingSocket({
      ...options.socket,
      name: 'alpaca-trade-updates',
      url: options.url,
      protocol: this.protocol(),
      onStatus: (status) => this.onSocketStatus(status),
      onError: (error) => this.report(new AlpacaStreamError(error.message, { cause: error.cause })),
    });
  }

  /**
   * Starts connecting and resolves once the first session is listening or has failed (reported as
   * 'disconnected'); reconnection carries on in the background either way.
   */
  async start(handlers: Handlers): Promise<void> {
    if (this.handlers) throw new Error('AlpacaUpdateStream already started');
    if (this.closed) throw new Error('AlpacaUpdateStream is closed');
    this.handlers = handlers;
    this.catchUp?.started();
    const firstOutcome = new Promise<void>((resolve) => (this.firstOutcome = resolve));
    void this.socket.start();
    await firstOutcome;
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
    this.closed = true;
    this.stopping.abort();
    await this.socket.close();
    this.firstOutcome?.();
    await Promise.all(this.catchingUp);
    await this.serial;
  }

  private protocol(): SocketProtocol {
    const { keyId, secretKey } = this.options.credentials;
    return {
      onOpen: (session) => session.send(JSON.stringify({ action: 'auth', key: keyId, secret: secretKey })),
      onFrame: (text, session) => this.onFrame(text, session),
      onUnreadableFrame: (cause) => {
        this.catchUp?.received();
        this.report(new AlpacaStreamError('skipped a stream frame that is not UTF-8 text', { cause }));
      },
    };
  }

  // Read as it arrives, so the catch-up's record of the session follows the wire; only what reaches the
  // handlers waits its turn on the chain.
  private onFrame(text: string, session: SocketSession): void {
    this.catchUp?.received();
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
        if (status === 'authorized') session.send(JSON.stringify({ action: 'listen', data: { streams: ['trade_updates'] } }));
        else session.end({ kind: 'disconnected', detail: `${status === 'unauthorized' ? 'unauthorized' : `authorization ${status}`}${why ? `: ${why}` : ''}` });
        return;
      }
      case 'listening':
        if (!message.data.streams.includes('trade_updates')) return session.end({ kind: 'disconnected', detail: 'server did not confirm listening to trade_updates' });
        session.live();
        this.startCatchUp();
        this.announce('connected');
        return;
      case 'error':
        // The session is in a state only the broker knows: start a fresh one (and catch up on the gap).
        session.end({ kind: 'disconnected', detail: `Alpaca stream error: ${message.data.message}` });
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
        void this.enqueue(() => this.deliver(update));
        return;
      }
    }
  }

  /**
   * The end of a session opens the catch-up's window at once and is announced in turn. Its detail (the
   * broker's text included) leaves the adapter only here, so it is redacted here.
   */
  private onSocketStatus(status: SourceStatus): void {
    if (status.kind === 'live') return;
    this.catchUp?.ended();
    if (status.kind !== 'closed') this.announce('disconnected', this.redact(status.detail ?? status.kind));
  }

  /** Reports a status after everything received before it has been handled; the first one lets start() resolve. */
  private announce(status: 'connected' | 'disconnected', detail?: string): void {
    void this.enqueue(async () => {
      try {
        if (!this.closed) this.handlers?.onStatus?.(status, detail);
      } finally {
        this.firstOutcome?.();
      }
    });
  }

  /** Queues a task on the delivery chain; a task that throws is reported and the chain carries on. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.serial = this.serial
      .then(task)
      .catch((error: unknown) => this.report(new AlpacaStreamError('failed handling a stream message', { cause: error })));
    return this.serial;
  }

  private async deliver(update: BrokerUpdate): Promise<void> {
    try {
      await this.handlers?.onUpdate(update);
    } catch (error) {
      this.report(new AlpacaStreamError(`onUpdate failed for ${update.event} of order ${update.order.brokerOrderId}`, { cause: error }));
    }
  }

  /** Runs the catch-up for the session now listening, in the background; close() waits for it. */
  private startCatchUp(): void {
    if (!this.catchUp) return;
    const running = this.catchUpSession(this.catchUp, this.catchUp.listening());
    this.catchingUp.add(running);
    void running.finally(() => this.catchingUp.delete(running));
  }

  /**
   * Tries until the catch-up succeeds, the session ends or the stream closes. One that never succeeded
   * leaves its window open, so the next session's catch-up covers it: nothing is skipped.
   */
  private async catchUpSession(catchUp: TradeUpdateCatchUp, session: number): Promise<void> {
    for (let failures = 0; !this.closed && catchUp.isListening(session); ) {
      try {
        const { updates, skipped } = await catchUp.run(session);
        for (const { brokerOrderId, why } of skipped) {
          this.report(new AlpacaStreamError(`catch-up could not deliver order ${brokerOrderId}: ${why}; reconciliation will compare it`));
        }
        await this.enqueue(async () => {
          for (const update of updates) await this.deliver(update);
        });
        return;
      } catch (error) {
        this.report(new AlpacaStreamError(`catching up on updates the stream may have missed failed (attempt ${++failures}); trying again`, { cause: error }));
        const { backoff, random } = this.timing;
        await pause(backoffDelayMs(failures - 1, backoff, random, 0), this.timing, this.stopping.signal);
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
}
