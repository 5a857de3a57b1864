// The fake Alpaca itself, spoken to directly (ws and fetch, no adapter): both ways of logging in to the
// stream, the error frame, orders moving in the service's steps with each step pushed, and the quota
// headers on every REST answer. The adapter tests rely on these behaviours, so they are pinned here.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { FakeAlpaca } from '../../../support/fake-alpaca';

const START = Date.parse('2026-11-23T15:00:00.000Z');

let fake: FakeAlpaca;
let clock: number;
const sockets: WebSocket[] = [];

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

/** A raw client collecting every message it receives, parsed. */
const connect = async (headers: Record<string, string> = {}): Promise<{ socket: WebSocket; received: Record<string, unknown>[] }> => {
  const socket = new WebSocket(fake.streamUrl, { headers });
  sockets.push(socket);
  const received: Record<string, unknown>[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received };
};

const send = (socket: WebSocket, message: unknown) => socket.send(JSON.stringify(message));

/** A client logged in by message and listening to trade_updates; `received` starts empty. */
const listener = async () => {
  const client = await connect();
  send(client.socket, { action: 'auth', key: fake.keyId, secret: fake.secretKey });
  send(client.socket, { action: 'listen', data: { streams: ['trade_updates'] } });
  await eventually(() => expect(client.received).toHaveLength(2));
  client.received.length = 0;
  return client;
};

const rest = (path: string, init: RequestInit = {}) =>
  fetch(`${fake.restUrl}${path}`, {
    ...init,
    headers: { 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': fake.secretKey, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

const submit = (clientOrderId: string) =>
  rest('/v2/orders', { method: 'POST', body: JSON.stringify({ symbol: 'AAPL', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: clientOrderId }) });

const quotaOf = (response: Response) => ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'].map((name) => response.headers.get(name));

const events = (received: Record<string, unknown>[]) => received.map((m) => (m.data as { event: string; order: { status: string } }).event);

beforeEach(async () => {
  clock = START;
  fake = await FakeAlpaca.start({ now: () => clock });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await fake.close();
});

describe('fake alpaca: logging in to the stream', () => {
  it('takes the auth message with key and secret', async () => {
    const { socket, received } = await connect();
    send(socket, { action: 'auth', key: fake.keyId, secret: fake.secretKey });
    send(socket, { action: 'listen', data: { streams: ['trade_updates'] } });
    await eventually(() =>
      expect(received).toEqual([
        { stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } },
        { stream: 'listening', data: { streams: ['trade_updates'] } },
      ]),
    );
  });

  it('takes the older authenticate message with key_id and secret_key', async () => {
    const { socket, received } = await connect();
    send(socket, { action: 'authenticate', data: { key_id: fake.keyId, secret_key: fake.secretKey } });
    await eventually(() => expect(received).toEqual([{ stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } }]));
  });

  it('refuses a login message with the wrong secret and closes the connection', async () => {
    const { socket, received } = await connect();
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    send(socket, { action: 'auth', key: fake.keyId, secret: 'wrong' });
    expect(await closed).toBe(1008);
    expect(received).toEqual([{ stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate' } }]);
  });

  it('takes the APCA headers on the upgrade: the connection may listen without a login message', async () => {
    const { socket, received } = await connect({ 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': fake.secretKey });
    send(socket, { action: 'listen', data: { streams: ['trade_updates'] } });
    await eventually(() => expect(received).toEqual([{ stream: 'listening', data: { streams: ['trade_updates'] } }]));
    expect(fake.stream.headerLogins).toBe(1);
    expect(fake.stream.authAttempts).toBe(0);
  });

  it('refuses an upgrade whose APCA headers are wrong (401)', async () => {
    const refused = connect({ 'APCA-API-KEY-ID': fake.keyId, 'APCA-API-SECRET-KEY': 'wrong' });
    await expect(refused).rejects.toThrow('Unexpected server response: 401');
  });

  it('answers a listen before any login as unauthorized', async () => {
    const { socket, received } = await connect();
    send(socket, { action: 'listen', data: { streams: ['trade_updates'] } });
    await eventually(() => expect(received).toEqual([{ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } }]));
  });

  it('answers a frame that is not JSON with the error frame, and sends error frames on demand', async () => {
    const { socket, received } = await connect();
    socket.send('not json');
    await eventually(() => expect(received).toEqual([{ action: 'error', data: { error_message: 'invalid syntax' } }]));
    fake.stream.sendError('connection limit exceeded');
    await eventually(() => expect(received.at(-1)).toEqual({ action: 'error', data: { error_message: 'connection limit exceeded' } }));
  });
});

describe('fake alpaca: a stream connection that stops answering', () => {
  /** Counts the pongs a client receives. */
  const pongsOf = (socket: WebSocket) => {
    const pongs: string[] = [];
    socket.on('pong', (data) => pongs.push(String(data)));
    return pongs;
  };

  it('answers every ping with a pong, and withholds pongs when told, still answering messages', async () => {
    const { socket, received } = await connect();
    const pongs = pongsOf(socket);
    socket.ping('one');
    await eventually(() => expect(pongs).toEqual(['one']));
    fake.stream.answerPings = false;
    socket.ping('two');
    // A pong would have been sent before the answer to the frame sent after the ping.
    socket.send('not json');
    await eventually(() => expect(received).toEqual([{ action: 'error', data: { error_message: 'invalid syntax' } }]));
    expect(pongs).toEqual(['one']);
    expect(fake.stream.pings).toBe(2);
  });

  it('goes silent while keeping the connection open: nothing reaches the client, and new connections are served', async () => {
    const { socket, received } = await listener();
    const pongs = pongsOf(socket);
    fake.stream.goSilent();
    fake.setOrderStatus(fake.addOrder().id, 'canceled');
    fake.stream.sendError('connection limit exceeded');
    socket.send('not json');
    socket.ping('unanswered');
    await fake.stream.waitForPings(1);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(fake.stream.received).toHaveLength(2);
    await listener();
    // Anything sent to the silent client before the cut would arrive before its close.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    fake.stream.drop();
    await closed;
    expect({ received, pongs }).toEqual({ received: [], pongs: [] });
  });
});

describe('fake alpaca: orders move in the service steps, each pushed on the stream', () => {
  it('answers a submit with the order accepted, then routes it (new)', async () => {
    const { received } = await listener();
    const answer = (await (await submit('intent-1')).json()) as { id: string; status: string };
    expect(answer.status).toBe('accepted');
    await eventually(() => expect(events(received)).toEqual(['new']));
    expect(fake.order(answer.id)?.status).toBe('new');
  });

  it('holds submitted orders accepted until route()', async () => {
    const { received } = await listener();
    fake.holdOrders = true;
    const answer = (await (await submit('intent-1')).json()) as { id: string };
    expect(fake.order(answer.id)?.status).toBe('accepted');
    fake.route(answer.id);
    await eventually(() => expect(events(received)).toEqual(['new']));
  });

  it('cancels in two steps, pending_cancel then canceled', async () => {
    const { received } = await listener();
    const order = fake.addOrder();
    expect((await rest(`/v2/orders/${order.id}`, { method: 'DELETE' })).status).toBe(204);
    await eventually(() => expect(events(received)).toEqual(['pending_cancel', 'canceled']));
  });

  it('holds a cancel pending until completeCancel(), refusing a second cancel meanwhile (422)', async () => {
    const { received } = await listener();
    fake.holdCancels = true;
    const order = fake.addOrder();
    await rest(`/v2/orders/${order.id}`, { method: 'DELETE' });
    expect(fake.order(order.id)?.status).toBe('pending_cancel');
    expect((await rest(`/v2/orders/${order.id}`, { method: 'DELETE' })).status).toBe(422);
    fake.completeCancel(order.id);
    await eventually(() => expect(events(received)).toEqual(['pending_cancel', 'canceled']));
  });

  it('answers GET /v2/orders/{id} with the order, or 404', async () => {
    const order = fake.addOrder();
    expect(((await (await rest(`/v2/orders/${order.id}`)).json()) as { id: string }).id).toBe(order.id);
    expect((await rest('/v2/orders/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });
});

describe('fake alpaca: the request quota', () => {
  it('puts X-RateLimit-Limit, -Remaining and -Reset on every answer, refusals and faults included', async () => {
    const reset = String(START / 1000 + 60);
    expect(quotaOf(await rest('/v2/account'))).toEqual(['200', '199', reset]);
    expect(quotaOf(await rest('/v2/nowhere'))).toEqual(['200', '198', reset]);
    expect(quotaOf(await fetch(`${fake.restUrl}/v2/account`))).toEqual(['200', '197', reset]);
    fake.inject('GET /v2/account', { kind: 'status', status: 503 });
    expect(quotaOf(await rest('/v2/account'))).toEqual(['200', '196', reset]);
    fake.inject('GET /v2/account', { kind: 'status', status: 429, reset: START / 1000 + 5 });
    expect(quotaOf(await rest('/v2/account'))).toEqual(['200', '0', String(START / 1000 + 5)]);
  });

  it('counts down within a minute and starts again once the minute is over', async () => {
    await rest('/v2/account');
    clock += 59_999;
    expect(quotaOf(await rest('/v2/account'))[1]).toBe('198');
    clock += 1;
    expect(quotaOf(await rest('/v2/account'))).toEqual(['200', '199', String((START + 60_000) / 1000 + 60)]);
  });

  it('answers 429 past the limit and serves nothing', async () => {
    await fake.close();
    fake = await FakeAlpaca.start({ now: () => clock, rateLimit: 1 });
    expect((await submit('intent-1')).status).toBe(200);
    const refused = await submit('intent-2');
    expect(refused.status).toBe(429);
    expect(quotaOf(refused)[1]).toBe('0');
    expect(fake.orders().map((o) => o.client_order_id)).toEqual(['intent-1']);
  });
});
