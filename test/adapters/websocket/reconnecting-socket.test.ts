import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { ReconnectingSocket, type ReconnectingSocketOptions, type SocketError, type SocketSession } from '../../../adapters/websocket/reconnecting-socket';
import { backoffDelayMs } from '../../../adapters/websocket/socket-timing';
import type { SourceStatus } from '../../../shared/ports/market-data-source';
import { ManualTimers } from '../../support/manual-timers';

// A bare protocol server: answers 'login' with 'welcome' unless told not to, answers pings unless told not
// to, and records what it saw. The socket under test is protocol-agnostic, so this is all it needs.
class TestServer {
  answerLogin = true;
  answerPings = true;
  refuseUpgrades = false;
  readonly clients = new Set<ServerSocket>();
  readonly received: string[] = [];
  readonly headers: Record<string, string | string[] | undefined>[] = [];
  readonly closeCodes: number[] = [];
  pings = 0;
  upgrades = 0;

  private readonly wss: WebSocketServer;

  private constructor() {
    this.wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      autoPong: false,
      verifyClient: (_info, done) => {
        this.upgrades++;
        done(!this.refuseUpgrades, 503, 'Service Unavailable');
      },
    });
    this.wss.on('connection', (socket, request) => {
      this.clients.add(socket);
      this.headers.push(request.headers);
      socket.on('close', (code) => {
        this.clients.delete(socket);
        this.closeCodes.push(code);
      });
      socket.on('ping', (data) => {
        this.pings++;
        if (this.answerPings) socket.pong(data);
      });
      socket.on('message', (data) => {
        const text = String(data);
        this.received.push(text);
        if (text === 'login' && this.answerLogin) socket.send('welcome');
      });
    });
  }

  static async start(): Promise<TestServer> {
    const server = new TestServer();
    await new Promise<void>((resolve) => server.wss.once('listening', () => resolve()));
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/stream`;
  }

  sendAll(data: string | Buffer): void {
    for (const client of this.clients) client.send(data);
  }

  drop(): void {
    for (const client of this.clients) client.terminate();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

let server: TestServer;
let socket: ReconnectingSocket | undefined;
let timers: ManualTimers;
let statuses: SourceStatus[];
let errors: SocketError[];
let frames: string[];
let sleeps: number[];
let sessions: SocketSession[];

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });
const kinds = () => statuses.map((status) => status.kind);

/** A session sends only until its connection ends: a probe reaching the server proves it has not ended. */
const stillConnected = async (probe: string) => {
  sessions.at(-1)?.send(probe);
  await eventually(() => expect(server.received.at(-1)).toBe(probe));
  expect(socket?.stats.connections).toBe(1);
};

/** A protocol that logs in on open and goes live on 'welcome'; 'refuse' ends the connection as refused. */
const open = (over: Partial<ReconnectingSocketOptions> = {}) => {
  socket = new ReconnectingSocket({
    url: over.url ?? server.url,
    name: 'test-socket',
    protocol: {
      onOpen: (session) => {
        sessions.push(session);
        session.send('login');
      },
      onFrame: (text, session) => {
        if (text === 'welcome') session.live();
        else if (text === 'refuse') session.end({ kind: 'refused', code: '406', detail: 'connection limit exceeded' });
        else if (text === 'throw') throw new Error('protocol bug');
        else frames.push(text);
      },
    },
    onStatus: (status) => statuses.push(status),
    onError: (error) => errors.push(error),
    clock: timers,
    timers,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...over,
  });
  return socket;
};

beforeEach(async () => {
  server = await TestServer.start();
  timers = new ManualTimers();
  statuses = [];
  errors = [];
  frames = [];
  sleeps = [];
  sessions = [];
});

afterEach(async () => {
  await socket?.close();
  socket = undefined;
  await server.close();
});

describe('reconnecting socket: a connection', () => {
  it('connects with the given headers, lets the protocol log in, and resolves start once live', async () => {
    await open({ headers: { 'X-Api-Key': 'key-1' } }).start();
    expect(server.received).toEqual(['login']);
    expect(server.headers[0]?.['x-api-key']).toBe('key-1');
    expect(statuses).toEqual([{ kind: 'live', atMs: timers.now() }]);
    expect(socket?.stats.connections).toBe(1);
  });

  it('hands text and binary frames to the protocol in arrival order', async () => {
    await open().start();
    server.sendAll('one');
    server.sendAll(Buffer.from('two', 'utf8'));
    server.sendAll('three');
    await eventually(() => expect(frames).toEqual(['one', 'two', 'three']));
  });

  it('skips a binary frame that is not UTF-8 and reports it, then carries on', async () => {
    await open().start();
    server.sendAll(Buffer.from([0xff, 0xfe]));
    server.sendAll('after');
    await eventually(() => expect(frames).toEqual(['after']));
    expect(errors.map((e) => e.message)).toEqual(['test-socket: skipped a frame that is not UTF-8 text']);
  });

  it('hands a frame that is not UTF-8 to a protocol that takes unreadable frames, instead of reporting it', async () => {
    const unreadable: unknown[] = [];
    await open({
      protocol: {
        onOpen: (session) => session.send('login'),
        onFrame: (text, session) => {
          if (text === 'welcome') session.live();
          else frames.push(text);
        },
        onUnreadableFrame: (cause) => unreadable.push(cause),
      },
    }).start();
    server.sendAll(Buffer.from([0xff, 0xfe]));
    server.sendAll('after');
    await eventually(() => expect(frames).toEqual(['after']));
    expect(unreadable).toEqual([expect.any(TypeError)]);
    expect(errors).toEqual([]);
  });

  it('reports a protocol that throws, keeping the connection and the frames after it', async () => {
    await open().start();
    server.sendAll('throw');
    server.sendAll('after');
    await eventually(() => expect(frames).toEqual(['after']));
    expect(errors[0]?.message).toBe('test-socket: the protocol failed on a frame');
    expect((errors[0]?.cause as Error).message).toBe('protocol bug');
    expect(kinds()).toEqual(['live']);
  });

  it('reports a status callback that throws, and still connects', async () => {
    await open({
      onStatus: () => {
        throw new Error('status sink down');
      },
    }).start();
    expect(errors.map((e) => e.message)).toEqual(['test-socket: onStatus failed']);
  });

  it('refuses a configuration it cannot work with', () => {
    expect(() => open({ url: 'http://127.0.0.1:1/' })).toThrow('test-socket: url must be ws: or wss:, got http:');
    expect(() => open({ liveness: { pingIntervalMs: 5000, pongTimeoutMs: 5000 } })).toThrow(RangeError);
    expect(() => open({ liveness: { silenceMs: -1 } })).toThrow('liveness.silenceMs must be a finite number >= 0, got -1');
    expect(() => open({ backoff: { baseMs: Number.NaN } })).toThrow(RangeError);
  });
});

describe('reconnecting socket: reconnecting', () => {
  it('reports a dropped connection with its reason, waits a jittered backoff, reconnects and logs in again', async () => {
    await open().start();
    server.drop();
    await eventually(() => expect(kinds()).toEqual(['live', 'disconnected', 'live']));
    expect(statuses[1]?.detail).toBe('closed (code 1006)');
    expect(sleeps).toEqual([250]);
    expect(server.received).toEqual(['login', 'login']);
    expect(sessions[0]?.isLive).toBe(true);
    sessions[0]?.send('from a dead session');
    expect(server.received).toHaveLength(2);
  });

  it('backs off exponentially while connections fail, and starts over once one goes live', async () => {
    server.refuseUpgrades = true;
    const started = open().start();
    await eventually(() => expect(sleeps.length).toBeGreaterThanOrEqual(4));
    expect(sleeps.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(statuses[0]).toMatchObject({ kind: 'disconnected', detail: 'Unexpected server response: 503' });
    server.refuseUpgrades = false;
    await started;
    const beforeDrop = sleeps.length;
    server.drop();
    await eventually(() => expect(kinds().filter((kind) => kind === 'live')).toHaveLength(2));
    expect(sleeps.slice(beforeDrop)).toEqual([250]);
  });

  it('reports a connection nobody answers as disconnected with the socket error', async () => {
    const url = server.url;
    await server.close();
    void open({ url }).start();
    await eventually(() => expect(statuses.length).toBeGreaterThanOrEqual(1));
    expect(statuses[0]).toMatchObject({ kind: 'disconnected', detail: expect.stringContaining('ECONNREFUSED') });
    server = await TestServer.start();
  });

  it('retries a refusal on the slow schedule with the provider code, never sooner than half of it', async () => {
    await open().start();
    server.sendAll('refuse');
    await eventually(() => expect(kinds()).toEqual(['live', 'refused', 'live']));
    expect(statuses[1]).toMatchObject({ kind: 'refused', code: '406', detail: 'connection limit exceeded' });
    expect(sleeps).toEqual([30_000 * 0.75]);
    expect(backoffDelayMs(0, { baseMs: 30_000, capMs: 300_000 }, () => 0, 0.5)).toBe(15_000);
  });

  it('caps the backoff', () => {
    expect(backoffDelayMs(20, { baseMs: 500, capMs: 30_000 }, () => 0.999, 0)).toBeCloseTo(29_970);
    expect(backoffDelayMs(3, { baseMs: 500, capMs: 30_000 }, () => 0, 0)).toBe(0);
  });
});

describe('reconnecting socket: liveness', () => {
  it('pings every interval and stays connected while pongs come back in time', async () => {
    await open({ liveness: { pingIntervalMs: 10_000, pongTimeoutMs: 5_000 } }).start();
    timers.advance(9_999);
    expect(server.pings).toBe(0);
    timers.advance(1);
    await eventually(() => expect(socket?.stats.pongsReceived).toBe(1));
    timers.advance(5_000);
    timers.advance(5_000);
    await eventually(() => expect(socket?.stats.pongsReceived).toBe(2));
    expect(server.pings).toBe(2);
    expect(kinds()).toEqual(['live']);
  });

  it('drops a connection whose pong does not come within the timeout, then reconnects', async () => {
    await open().start();
    server.answerPings = false;
    timers.advance(10_000);
    await eventually(() => expect(server.pings).toBe(1));
    timers.advance(4_999);
    await stillConnected('probe');
    timers.advance(1);
    await eventually(() => expect(kinds()).toEqual(['live', 'disconnected', 'live']));
    expect(statuses[1]?.detail).toBe('no pong within 5000 ms');
  });

  it('drops a connection silent for the silence limit, counting from its last message', async () => {
    await open({ liveness: { pingIntervalMs: 0, silenceMs: 3_000 } }).start();
    timers.advance(2_000);
    server.sendAll('tick');
    await eventually(() => expect(frames).toEqual(['tick']));
    timers.advance(2_999);
    await stillConnected('probe');
    timers.advance(1);
    await eventually(() => expect(kinds()).toEqual(['live', 'disconnected', 'live']));
    expect(statuses[1]?.detail).toBe('silent for 3000 ms');
  });

  it('does not watch silence unless asked (a quiet market is not a dead connection)', async () => {
    await open({ liveness: { pingIntervalMs: 0 } }).start();
    timers.advance(24 * 3600_000);
    expect(kinds()).toEqual(['live']);
    expect(timers.pending).toBe(0);
  });

  it('drops a connection that does not go live within the handshake deadline', async () => {
    server.answerLogin = false;
    void open({ liveness: { handshakeTimeoutMs: 2_000 } }).start();
    await eventually(() => expect(server.received).toEqual(['login']));
    timers.advance(1_999);
    await stillConnected('probe');
    expect(statuses).toEqual([]);
    server.answerLogin = true;
    timers.advance(1);
    await eventually(() => expect(kinds()).toEqual(['disconnected', 'live']));
    expect(statuses[0]?.detail).toBe('handshake timed out');
  });

  it('stops every timer of a connection when it ends', async () => {
    await open({ liveness: { silenceMs: 60_000 } }).start();
    expect(timers.pending).toBe(2);
    server.drop();
    await eventually(() => expect(kinds()).toEqual(['live', 'disconnected', 'live']));
    expect(timers.pending).toBe(2);
  });
});

describe('reconnecting socket: close', () => {
  it('closes with a normal closing handshake, reports closed once and does not reconnect', async () => {
    await open().start();
    await socket?.close();
    await socket?.close();
    await eventually(() => expect(server.closeCodes).toEqual([1000]));
    expect(kinds()).toEqual(['live', 'closed']);
    expect(server.upgrades).toBe(1);
    expect(timers.pending).toBe(0);
  });

  it('runs on the real clock, timers and sleep by default, and close cuts a real backoff short', async () => {
    // Without the cut, the refusal's wait (at least 5 minutes) would outlast the test's timeout.
    await open({ clock: undefined, timers: undefined, sleep: undefined, random: () => 0, refusedBackoff: { baseMs: 600_000 } }).start();
    server.drop();
    await eventually(() => expect(kinds()).toEqual(['live', 'disconnected', 'live']));
    server.sendAll('refuse');
    await eventually(() => expect(kinds()).toEqual(['live', 'disconnected', 'live', 'refused']));
    await socket?.close();
    expect(kinds().at(-1)).toBe('closed');
    expect(server.upgrades).toBe(2);
  });

  it('cuts a pending reconnect short and releases a start that never went live', async () => {
    server.refuseUpgrades = true;
    const neverSleepsOut = new Promise<void>(() => undefined);
    const started = open({ sleep: () => neverSleepsOut }).start();
    await eventually(() => expect(kinds()).toEqual(['disconnected']));
    await socket?.close();
    await started;
    expect(kinds()).toEqual(['disconnected', 'closed']);
    expect(() => socket?.start()).toThrow('test-socket: already started');
  });
});
