// The simulated markets' common ground: a WebSocket server on 127.0.0.1 that speaks a provider's protocol (a
// subclass) and takes faults — drop every connection, go silent, stop answering pings, hold frames back (a
// delay the caller ends), send a raw frame — so sources are tested, and the local runtime runs, against the
// real protocol. Invariants: frames to one client leave in the order they were sent; a held frame is only
// delayed, never lost while its client is connected; a silent server discards what it would have sent.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

/** A quote to publish: decimal text as the market would print it. */
export interface PublishedQuote {
  symbol: string;
  bidPrice: string;
  bidSize: string;
  askPrice: string;
  askSize: string;
  /** RFC 3339; default the server's clock. */
  at?: string;
}

export interface PublishedTrade {
  symbol: string;
  price: string;
  size: string;
  /** RFC 3339; default the server's clock. */
  at?: string;
}

/** What the local runtime drives, whichever provider a server speaks. */
export interface MarketServer {
  publishQuotes(quotes: readonly PublishedQuote[]): void;
  publishTrades(trades: readonly PublishedTrade[]): void;
  close(): Promise<void>;
}

export interface MarketServerOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Epoch ms for default timestamps; default Date.now. */
  now?: () => number;
}

export interface ServerClient<State> {
  readonly socket: WebSocket;
  /** The path the client connected to (its endpoint). */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  state: State;
}

/** What a client sent when it was not JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

const DECIMAL_TEXT = /^(0|[1-9]\d*)(\.\d+)?$/;

/** Published prices and sizes must be decimal text: the server writes them into frames as they are. */
export const decimalOrThrow = (field: string, value: string): string => {
  if (!DECIMAL_TEXT.test(value)) throw new TypeError(`${field} must be non-negative decimal text, got ${JSON.stringify(value)} (send malformed data with sendRaw)`);
  return value;
};

export abstract class WebSocketMarketServer<State> {
  readonly clients = new Set<ServerClient<State>>();
  /** Every message clients sent: parsed when it is JSON, else the text. */
  readonly received: unknown[] = [];
  /** Connections accepted so far. */
  connections = 0;
  pings = 0;
  protected readonly now: () => number;
  private silent = false;
  private answerPings = true;
  private held: { client: ServerClient<State>; frame: string | Buffer }[] | undefined;
  private readonly events = new EventEmitter();
  private readonly http: Server;
  private readonly wss: WebSocketServer;

  protected constructor(options: MarketServerOptions, paths: readonly string[]) {
    this.now = options.now ?? Date.now;
    this.events.setMaxListeners(0);
    this.http = createServer((_request, response) => response.writeHead(426).end('WebSocket only'));
    this.wss = new WebSocketServer({ noServer: true, autoPong: false });
    this.http.on('upgrade', (request, socket, head) => {
      const path = new URL(request.url ?? '/', 'http://local').pathname;
      if (!paths.includes(path)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, path, request.headers));
    });
  }

  /** The client's state when it connects. */
  protected abstract initialState(): State;
  protected abstract onConnect(client: ServerClient<State>): void;
  /** One message from a client: its JSON, or NOT_JSON. */
  protected abstract onMessage(client: ServerClient<State>, message: unknown): void;

  protected async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, '127.0.0.1', () => resolve());
    });
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** ws://127.0.0.1:<port><path> */
  url(path: string): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** Cuts every connection without a closing handshake, as a network failure would. */
  drop(): void {
    for (const client of this.clients) client.socket.terminate();
  }

  /** Sends nothing at all while silent (frames are discarded); pings are still answered. */
  goSilent(silent = true): void {
    this.silent = silent;
  }

  /** Leaves pings unanswered (a half-dead connection). */
  stopPongs(stopped = true): void {
    this.answerPings = !stopped;
  }

  /** Holds every frame back until releaseFrames(): a delay as long as the caller wants. */
  holdFrames(): void {
    this.held ??= [];
  }

  /** Sends the held frames, in order, to the clients still connected. */
  releaseFrames(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { client, frame } of held) this.send(client, frame);
  }

  /** Sends a frame as it is (malformed ones included) to every client. */
  sendRaw(frame: string | Buffer): void {
    for (const client of this.clients) this.send(client, frame);
  }

  /** Resolves once `done` holds; checked after every connection, message, ping and close. */
  waitFor(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return;
        this.events.off('change', check);
        resolve();
      };
      this.events.on('change', check);
    });
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  protected send(client: ServerClient<State>, frame: string | Buffer): void {
    if (this.silent) return;
    if (this.held) this.held.push({ client, frame });
    else if (client.socket.readyState === client.socket.OPEN) client.socket.send(frame);
  }

  protected changed(): void {
    this.events.emit('change');
  }

  private accept(socket: WebSocket, path: string, headers: IncomingHttpHeaders): void {
    const client: ServerClient<State> = { socket, path, headers, state: this.initialState() };
    this.clients.add(client);
    this.connections++;
    socket.on('close', () => {
      this.clients.delete(client);
      this.changed();
    });
    socket.on('ping', (data: Buffer) => {
      this.pings++;
      if (this.answerPings) socket.pong(data);
      this.changed();
    });
    socket.on('message', (data: RawData) => {
      const text = String(data);
      let message: unknown = NOT_JSON;
      try {
        message = JSON.parse(text);
      } catch {
        // The protocol answers text that is not JSON as its provider does.
      }
      this.received.push(message === NOT_JSON ? text : message);
      this.onMessage(client, message);
      this.changed();
    });
    this.onConnect(client);
    this.changed();
  }
}
