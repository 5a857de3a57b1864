// One connection of a reconnecting socket: the session its protocol drives, the liveness watch (a handshake
// deadline, ping/pong, silence) and the one reason it ended. Invariants: the first reason to end wins; every
// timer it started dies with it; frames reach the protocol synchronously, in arrival order.
import WebSocket, { type RawData } from 'ws';
import type { SocketTiming } from './socket-timing';

/** Why a connection ended: 'refused' (bad keys, a connection or plan limit) is retried on the slow schedule. */
export interface ConnectionEnd {
  kind: 'disconnected' | 'refused';
  detail: string;
  /** The provider's code, when it gave one. */
  code?: string;
}

/** One connection, as the protocol sees it. Every call is a no-op once the connection has ended. */
export interface SocketSession {
  /** Sends a text frame while the connection is open. */
  send(text: string): void;
  /** Logged in and subscribed: reports 'live' and stops the handshake deadline. */
  live(): void;
  /** Ends this connection; the socket reconnects. */
  end(end: ConnectionEnd): void;
  /** Runs `callback` after `ms` (on the socket's timers) unless the connection has ended by then. */
  after(ms: number, callback: () => void): void;
  readonly isLive: boolean;
}

export interface SocketProtocol {
  /** A new connection is open: send the login here, or wait for the server's greeting. */
  onOpen(session: SocketSession): void;
  /** One text frame, with the clock's reading when it arrived. */
  onFrame(text: string, session: SocketSession, receivedAtMs: number): void;
  /** A binary frame that is not UTF-8 text, skipped; without this the socket reports it through onError. */
  onUnreadableFrame?(cause: unknown, session: SocketSession): void;
}

export interface SocketStats {
  connections: number;
  frames: number;
  pingsSent: number;
  pongsReceived: number;
}

export type Ended = ConnectionEnd & { wasLive: boolean };

export interface ConnectionContext {
  url: string;
  headers: Readonly<Record<string, string>> | undefined;
  protocol: SocketProtocol;
  timing: SocketTiming;
  stats: SocketStats;
  onLive(): void;
  /** A frame that could not be decoded or a protocol that threw; the connection carries on. */
  report(what: string, cause: unknown): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// `ws` has already checked a text frame's UTF-8; a binary frame (Alpaca's trade_updates) is checked here.
const decode = (data: RawData, isBinary: boolean): string => {
  if (!isBinary && Buffer.isBuffer(data)) return data.toString('utf8');
  return utf8.decode(Array.isArray(data) ? Buffer.concat(data) : data);
};

export class SocketConnection implements SocketSession {
  /** Resolves when the connection has closed, with the first reason it ended. */
  readonly ended: Promise<Ended>;
  private readonly socket: WebSocket;
  private readonly pending = new Set<unknown>();
  private endedBy: ConnectionEnd | undefined;
  private socketError: string | undefined;
  private wasLive = false;
  private lastHeardMs: number;
  private pongDue: unknown;
  private readonly handshake: unknown;

  constructor(private readonly context: ConnectionContext) {
    const { liveness, clock } = context.timing;
    this.lastHeardMs = clock.now();
    context.stats.connections++;
    this.socket = new WebSocket(context.url, { headers: { ...context.headers } });
    this.handshake = this.schedule(liveness.handshakeTimeoutMs, () => this.end({ kind: 'disconnected', detail: 'handshake timed out' }));
    this.socket.on('open', () => this.opened());
    this.socket.on('message', (data: RawData, isBinary: boolean) => this.frame(data, isBinary));
    this.socket.on('pong', () => this.pong());
    this.socket.on('error', (error: Error) => (this.socketError ??= error.message));
    this.ended = new Promise((resolve) => this.socket.on('close', (code: number, reason: Buffer) => resolve(this.closed(code, reason))));
  }

  get isLive(): boolean {
    return this.wasLive;
  }

  send(text: string): void {
    if (!this.endedBy && this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  live(): void {
    if (this.wasLive || this.endedBy) return;
    this.wasLive = true;
    this.cancel(this.handshake);
    this.context.onLive();
  }

  end(why: ConnectionEnd): void {
    if (this.endedBy) return;
    this.endedBy = why;
    this.socket.terminate();
  }

  after(ms: number, callback: () => void): void {
    this.schedule(ms, callback);
  }

  /** The owner's close: a closing handshake, or the cut when `terminate` is true. */
  close(terminate: boolean): void {
    if (terminate) this.socket.terminate();
    else this.socket.close(1000, 'client closing');
  }

  private schedule(ms: number, callback: () => void): unknown {
    const { timers } = this.context.timing;
    const handle = timers.setTimeout(() => {
      this.pending.delete(handle);
      if (!this.endedBy) callback();
    }, ms);
    this.pending.add(handle);
    return handle;
  }

  private cancel(handle: unknown): void {
    this.context.timing.timers.clearTimeout(handle);
    this.pending.delete(handle);
  }

  private opened(): void {
    const { liveness, clock } = this.context.timing;
    this.lastHeardMs = clock.now();
    if (liveness.pingIntervalMs > 0) this.schedule(liveness.pingIntervalMs, () => this.ping());
    if (liveness.silenceMs > 0) this.watchSilence(liveness.silenceMs);
    this.guard('the protocol failed on opening', () => this.context.protocol.onOpen(this));
  }

  private ping(): void {
    const { liveness } = this.context.timing;
    this.socket.ping();
    this.context.stats.pingsSent++;
    this.pongDue = this.schedule(liveness.pongTimeoutMs, () => this.end({ kind: 'disconnected', detail: `no pong within ${liveness.pongTimeoutMs} ms` }));
    this.schedule(liveness.pingIntervalMs, () => this.ping());
  }

  private pong(): void {
    this.context.stats.pongsReceived++;
    this.cancel(this.pongDue);
  }

  // One clock read per frame; the timer re-arms for the time still left instead of being reset per frame.
  private watchSilence(ms: number): void {
    this.schedule(ms, () => {
      const { liveness, clock } = this.context.timing;
      const idleMs = clock.now() - this.lastHeardMs;
      if (idleMs >= liveness.silenceMs) this.end({ kind: 'disconnected', detail: `silent for ${idleMs} ms` });
      else this.watchSilence(liveness.silenceMs - idleMs);
    });
  }

  private frame(data: RawData, isBinary: boolean): void {
    if (this.endedBy) return;
    const receivedAtMs = this.context.timing.clock.now();
    this.lastHeardMs = receivedAtMs;
    this.context.stats.frames++;
    let text: string;
    try {
      text = decode(data, isBinary);
    } catch (error) {
      const { protocol } = this.context;
      if (protocol.onUnreadableFrame) this.guard('the protocol failed on an unreadable frame', () => protocol.onUnreadableFrame?.(error, this));
      else this.context.report('skipped a frame that is not UTF-8 text', error);
      return;
    }
    this.guard('the protocol failed on a frame', () => this.context.protocol.onFrame(text, this, receivedAtMs));
  }

  private closed(code: number, reason: Buffer): Ended {
    for (const handle of this.pending) this.context.timing.timers.clearTimeout(handle);
    this.pending.clear();
    const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
    this.endedBy ??= { kind: 'disconnected', detail: this.socketError ?? `closed (code ${code}${why})` };
    return { ...this.endedBy, wasLive: this.wasLive };
  }

  private guard(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.context.report(what, error);
    }
  }
}
