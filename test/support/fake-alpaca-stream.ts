// The fake Alpaca's trade_updates WebSocket: logging in, listening, the error frame, pongs, and what tests
// push through it; a connection can be left half-open (open, but nothing comes back). Alpaca documents a
// login message for this stream ({"action":"auth","key","secret"}; its older clients send
// {"action":"authenticate","data":{"key_id","secret_key"}}), and the APCA headers on the upgrade for its
// market-data streams only; the fake takes all three, so a client can be tested either way.
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { RawData, WebSocket as WsSocket } from 'ws';

interface Client {
  socket: WsSocket;
  authorized: boolean;
  listening: boolean;
  /** Half-open: still connected, but nothing reaches the client and nothing from it is acted on. */
  silent: boolean;
}

interface ClientMessage {
  action?: string;
  key?: string;
  secret?: string;
  data?: { streams?: string[]; key_id?: string; secret_key?: string };
}

const LOGIN_ACTIONS = new Set(['auth', 'authenticate']);

export class FakeAlpacaStream {
  /** Reject every login, by message or by headers (as for revoked keys). */
  rejectAuth = false;
  /** Never answer a login message (a stalled handshake). */
  ignoreAuth = false;
  /** Answer every ping with a pong, as Alpaca (and any `ws` server) does; false withholds the pongs. */
  answerPings = true;
  /** Pings received, across connections (answered or not). */
  pings = 0;
  /** Login messages received, across connections. */
  authAttempts = 0;
  /** Upgrades authorized by their APCA headers, without a login message. */
  headerLogins = 0;
  /** Total listen confirmations sent, across reconnects. */
  listens = 0;
  /** Every message clients sent, parsed. */
  readonly received: unknown[] = [];
  readonly clients = new Set<Client>();
  private readonly events = new EventEmitter();

  constructor(
    private readonly credentials: () => { keyId: string; secretKey: string },
    private readonly frames: 'binary' | 'text',
  ) {}

  /** What the APCA headers of an upgrade say: none sent, valid, or wrong (the upgrade is then refused, 401). */
  headerLogin(headers: IncomingHttpHeaders): 'none' | 'valid' | 'invalid' {
    const keyId = headers['apca-api-key-id'];
    const secret = headers['apca-api-secret-key'];
    if (keyId === undefined && secret === undefined) return 'none';
    return !this.rejectAuth && this.matches(keyId, secret) ? 'valid' : 'invalid';
  }

  accept(socket: WsSocket, authorizedByHeaders: boolean): void {
    const client: Client = { socket, authorized: authorizedByHeaders, listening: false, silent: false };
    if (authorizedByHeaders) {
      this.headerLogins++;
      this.events.emit('change');
    }
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('message', (raw: RawData) => {
      if (!client.silent) this.onMessage(client, raw);
    });
    socket.on('ping', (data: Buffer) => this.onPing(client, data));
  }

  /** Sends a trade_updates message to every listening client. */
  push(data: unknown): void {
    this.pushRaw(JSON.stringify({ stream: 'trade_updates', data }));
  }

  /** Sends any payload (malformed ones included) to every listening client. */
  pushRaw(payload: string | Buffer): void {
    for (const client of this.clients) if (client.listening) this.send(client, payload);
  }

  /** Sends Alpaca's error frame to every connected client, listening or not. */
  sendError(message: string): void {
    for (const client of this.clients) this.send(client, JSON.stringify({ action: 'error', data: { error_message: message } }));
  }

  /**
   * Leaves every current connection half-open, as a network that fails without a reset does: the socket
   * stays open, but no update, answer or pong reaches the client any more. Later connections are served.
   */
  goSilent(): void {
    for (const client of this.clients) client.silent = true;
  }

  /** Cuts every connection without a closing handshake, as a network failure would. */
  drop(): void {
    for (const client of this.clients) client.socket.terminate();
  }

  get listeningClients(): number {
    return [...this.clients].filter((client) => client.listening).length;
  }

  /** Resolves once `count` listen confirmations have been sent in total. */
  waitForListens(count: number): Promise<void> {
    return this.waitFor(() => this.listens >= count);
  }

  waitForAuthAttempts(count: number): Promise<void> {
    return this.waitFor(() => this.authAttempts >= count);
  }

  waitForPings(count: number): Promise<void> {
    return this.waitFor(() => this.pings >= count);
  }

  private waitFor(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done()) return;
        this.events.off('change', check);
        resolve();
      };
      this.events.on('change', check);
    });
  }

  private matches(keyId: unknown, secret: unknown): boolean {
    const expected = this.credentials();
    return keyId === expected.keyId && secret === expected.secretKey;
  }

  private send(client: Client, payload: string | Buffer): void {
    if (client.silent) return;
    if (typeof payload === 'string') client.socket.send(this.frames === 'binary' ? Buffer.from(payload) : payload, { binary: this.frames === 'binary' });
    else client.socket.send(payload, { binary: true });
  }

  private onPing(client: Client, data: Buffer): void {
    this.pings++;
    this.events.emit('change');
    if (this.answerPings && !client.silent) client.socket.pong(data);
  }

  private onMessage(client: Client, raw: RawData): void {
    let message: ClientMessage;
    try {
      message = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.from(raw as ArrayBuffer).toString('utf8'));
    } catch {
      this.send(client, JSON.stringify({ action: 'error', data: { error_message: 'invalid syntax' } }));
      return;
    }
    this.received.push(message);
    if (message.action !== undefined && LOGIN_ACTIONS.has(message.action)) this.login(client, message);
    else if (message.action === 'listen') this.listen(client, message);
  }

  private login(client: Client, message: ClientMessage): void {
    this.authAttempts++;
    this.events.emit('change');
    if (this.ignoreAuth) return;
    const [keyId, secret] = message.action === 'auth' ? [message.key, message.secret] : [message.data?.key_id, message.data?.secret_key];
    if (this.rejectAuth || !this.matches(keyId, secret)) {
      this.send(client, JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate' } }));
      client.socket.close(1008, 'unauthorized');
      return;
    }
    client.authorized = true;
    this.send(client, JSON.stringify({ stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } }));
  }

  private listen(client: Client, message: ClientMessage): void {
    if (!client.authorized) {
      this.send(client, JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } }));
      return;
    }
    const streams = message.data?.streams ?? [];
    client.listening = streams.includes('trade_updates');
    this.send(client, JSON.stringify({ stream: 'listening', data: { streams: client.listening ? ['trade_updates'] : [] } }));
    this.listens++;
    this.events.emit('change');
  }
}
