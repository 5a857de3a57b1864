import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ALPACA_LIVE_STREAM_URL,
  ALPACA_PAPER_STREAM_URL,
  AlpacaUpdateStream,
  type AlpacaStreamError,
  type AlpacaUpdateStreamOptions,
} from '../../../../adapters/broker/alpaca/alpaca-update-stream';
import { alpacaCredentials } from '../../../../adapters/broker/alpaca/credentials';
import { FakeAlpaca, type FakeAlpacaOptions } from '../../../support/fake-alpaca';
import type { BrokerUpdate } from '../../../../shared/broker/broker-order';

const SECRET = 'stream-secret-do-not-leak-91b2c3';

let fake: FakeAlpaca;
let stream: AlpacaUpdateStream | undefined;
let updates: BrokerUpdate[];
let statuses: [string, string?][];
let errors: AlpacaStreamError[];
let sleeps: number[];

// Waiting for the stream's own events, not for time: polls until the expectation holds.
const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 5 });

const open = async (over: Partial<AlpacaUpdateStreamOptions> = {}, handlers: Partial<Parameters<AlpacaUpdateStream['start']>[0]> = {}) => {
  stream = new AlpacaUpdateStream({
    url: fake.streamUrl,
    credentials: alpacaCredentials(fake.keyId, fake.secretKey),
    onError: (error) => errors.push(error),
    ...over,
    socket: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...over.socket,
    },
  });
  await stream.start({
    onUpdate: (update) => {
      updates.push(update);
    },
    onStatus: (status, detail) => statuses.push(detail === undefined ? [status] : [status, detail]),
    ...handlers,
  });
  return stream;
};

const restart = async (options: FakeAlpacaOptions) => {
  await fake.close();
  fake = await FakeAlpaca.start({ secretKey: SECRET, ...options });
};

beforeEach(async () => {
  updates = [];
  statuses = [];
  errors = [];
  sleeps = [];
  fake = await FakeAlpaca.start({ secretKey: SECRET });
});

afterEach(async () => {
  await stream?.close();
  stream = undefined;
  await fake.close();
});

describe('alpaca update stream: session', () => {
  it('authenticates, listens to trade_updates and reports connected', async () => {
    await open();
    expect(statuses).toEqual([['connected']]);
    expect(fake.stream.received).toEqual([
      { action: 'auth', key: fake.keyId, secret: SECRET },
      { action: 'listen', data: { streams: ['trade_updates'] } },
    ]);
    expect(ALPACA_PAPER_STREAM_URL).toBe('wss://paper-api.alpaca.markets/stream');
    expect(ALPACA_LIVE_STREAM_URL).toBe('wss://api.alpaca.markets/stream');
  });

  it('turns binary trade_updates frames into port updates, the fill keyed by the order cumulative quantity', async () => {
    await open();
    const order = fake.addOrder({ qty: '10' });
    const { executionId } = fake.fill(order.id, { qty: '4', price: '190.01' });
    fake.fill(order.id, { qty: '6', price: '190.02' });
    await eventually(() => expect(updates).toHaveLength(2));
    expect(updates[0]).toMatchObject({
      event: 'partial_fill',
      order: { brokerOrderId: order.id, status: 'partially_filled', filledQuantity: '4' },
      fill: { executionId, brokerOrderId: order.id, symbol: 'AAPL', side: 'buy', quantity: '4', price: '190.01', cumulativeQuantity: '4' },
    });
    expect(updates[1]).toMatchObject({ event: 'fill', order: { status: 'filled', filledQuantity: '10' }, fill: { quantity: '6', cumulativeQuantity: '10' } });
    expect(updates[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('passes non-fill events through without a fill', async () => {
    await open();
    const order = fake.addOrder();
    fake.setOrderStatus(order.id, 'pending_cancel');
    fake.setOrderStatus(order.id, 'canceled');
    await eventually(() => expect(updates.map((u) => [u.event, u.order.status, u.fill])).toEqual([
      ['pending_cancel', 'pending_cancel', undefined],
      ['canceled', 'canceled', undefined],
    ]));
  });

  it('reads text frames as well', async () => {
    await restart({ streamFrames: 'text' });
    await open();
    fake.setOrderStatus(fake.addOrder().id, 'expired');
    await eventually(() => expect(updates.map((u) => u.order.status)).toEqual(['expired']));
  });

  it('skips a malformed message, reports it, and carries on', async () => {
    await open();
    fake.stream.pushRaw('not json');
    fake.stream.pushRaw(Buffer.from([0xff, 0xfe, 0xfd]));
    fake.stream.push({ event: 'new', order: { ...fake.addOrder(), qty: 'ten' } });
    fake.stream.push({ event: 'fill', order: fake.addOrder() });
    fake.stream.pushRaw(JSON.stringify({ stream: 'quotes', data: {} }));
    fake.setOrderStatus(fake.addOrder().id, 'canceled');
    await eventually(() => expect(updates).toHaveLength(1));
    expect(updates[0]?.event).toBe('canceled');
    expect(errors.map((e) => e.message)).toEqual([
      'skipped a malformed stream message: not json',
      'skipped a stream frame that is not UTF-8 text',
      expect.stringContaining('skipped a malformed stream message'),
      expect.stringContaining('skipped a trade update the port cannot represent'),
      expect.stringContaining('skipped a malformed stream message'),
    ]);
    expect(String((errors[2]?.cause as Error).message)).toContain('order.qty: must be a decimal string');
    expect(statuses).toEqual([['connected']]);
  });

  it('delivers updates one at a time, in order, waiting for an async onUpdate', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    await open({}, {
      onUpdate: async (update) => {
        seen.push(`start ${update.event}`);
        if (update.event === 'pending_cancel') await gate;
        seen.push(`end ${update.event}`);
      },
    });
    const order = fake.addOrder();
    fake.setOrderStatus(order.id, 'pending_cancel');
    fake.setOrderStatus(order.id, 'canceled');
    await eventually(() => expect(seen).toEqual(['start pending_cancel']));
    release();
    await eventually(() => expect(seen).toEqual(['start pending_cancel', 'end pending_cancel', 'start canceled', 'end canceled']));
  });

  it('reports a failing onUpdate and keeps delivering', async () => {
    let calls = 0;
    await open({}, {
      onUpdate: (update) => {
        calls++;
        if (update.event === 'new') throw new Error('ledger unavailable');
        updates.push(update);
      },
    });
    const order = fake.addOrder();
    fake.setOrderStatus(order.id, 'new');
    fake.setOrderStatus(order.id, 'canceled');
    await eventually(() => expect(updates.map((u) => u.event)).toEqual(['canceled']));
    expect(calls).toBe(2);
    expect(errors[0]?.message).toContain('onUpdate failed for new');
    expect((errors[0]?.cause as Error).message).toBe('ledger unavailable');
  });
});

describe('alpaca update stream: reconnection', () => {
  it('reports a dropped connection as disconnected, reconnects, and resumes updates', async () => {
    await open();
    fake.stream.drop();
    await fake.stream.waitForListens(2);
    await eventually(() => expect(statuses).toEqual([['connected'], ['disconnected', expect.stringContaining('closed (code 1006')], ['connected']]));
    expect(sleeps).toEqual([250]);
    fake.setOrderStatus(fake.addOrder().id, 'canceled');
    await eventually(() => expect(updates.map((u) => u.event)).toEqual(['canceled']));
  });

  it('backs off exponentially with jitter while it cannot connect, and resets after a good session', async () => {
    await open();
    for (let n = 0; n < 4; n++) {
      fake.stream.drop();
      await fake.stream.waitForListens(n + 2);
    }
    expect(sleeps).toEqual([250, 250, 250, 250]);
    fake.stream.rejectAuth = true;
    fake.stream.drop();
    await fake.stream.waitForAuthAttempts(5 + 4);
    expect(sleeps.slice(4, 8)).toEqual([250, 500, 1000, 2000]);
  });

  it('caps the backoff', async () => {
    fake.stream.rejectAuth = true;
    await open({ socket: { backoff: { baseMs: 1000, capMs: 4000 }, random: () => 1 } });
    await fake.stream.waitForAuthAttempts(6);
    expect(sleeps.slice(0, 5)).toEqual([1000, 2000, 4000, 4000, 4000]);
  });

  it('reports unauthorized, keeps retrying, and connects once the keys are accepted', async () => {
    fake.stream.rejectAuth = true;
    await open();
    expect(statuses).toEqual([['disconnected', 'unauthorized']]);
    await fake.stream.waitForAuthAttempts(3);
    fake.stream.rejectAuth = false;
    await fake.stream.waitForListens(1);
    await eventually(() => expect(statuses.at(-1)).toEqual(['connected']));
    expect(statuses.slice(0, 2)).toEqual([
      ['disconnected', 'unauthorized'],
      ['disconnected', 'unauthorized'],
    ]);
    expect(inspect({ statuses, errors }, { depth: 10 })).not.toContain(SECRET);
  });

  it('takes the broker error frame as the end of the session: reported as disconnected with its text, then reconnects', async () => {
    await open();
    fake.stream.sendError('connection limit exceeded');
    await fake.stream.waitForListens(2);
    await eventually(() => expect(statuses).toEqual([['connected'], ['disconnected', 'Alpaca stream error: connection limit exceeded'], ['connected']]));
    expect(errors).toEqual([]);
    fake.setOrderStatus(fake.addOrder().id, 'canceled');
    await eventually(() => expect(updates.map((u) => u.event)).toEqual(['canceled']));
  });

  it('ends a handshake the broker answers with an error frame and tries again', async () => {
    fake.stream.ignoreAuth = true;
    const opening = open();
    await fake.stream.waitForAuthAttempts(1);
    fake.stream.ignoreAuth = false;
    fake.stream.sendError('auth timeout');
    await opening;
    expect(statuses[0]).toEqual(['disconnected', 'Alpaca stream error: auth timeout']);
    await fake.stream.waitForListens(1);
    await eventually(() => expect(statuses.at(-1)).toEqual(['connected']));
  });

  it('never repeats a credential the broker echoes in an error frame or an unauthorized answer', async () => {
    await open();
    fake.stream.sendError(`bad key ${fake.keyId} / ${SECRET}`);
    await fake.stream.waitForListens(2);
    fake.stream.pushRaw(JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen', message: `key ${fake.keyId} revoked` } }));
    await fake.stream.waitForListens(3);
    await eventually(() => expect(statuses).toHaveLength(5));
    expect(statuses[1]).toEqual(['disconnected', 'Alpaca stream error: bad key [redacted] / [redacted]']);
    expect(statuses[3]).toEqual(['disconnected', 'unauthorized: key [redacted] revoked']);
    // V8 quotes a few characters around bad JSON: enough to show part of a key.
    fake.stream.pushRaw(`${SECRET} is not json`);
    fake.stream.pushRaw(`{"a": ${fake.keyId}}`);
    await eventually(() => expect(errors).toHaveLength(2));
    expect(errors.map((e) => (e.cause as Error).message)).toEqual([
      'SyntaxError (details withheld: they contained a credential)',
      'SyntaxError (details withheld: they contained a credential)',
    ]);
    const printed = inspect({ statuses, errors }, { depth: 10 });
    expect(printed).not.toContain('do-not-leak');
    expect(printed).not.toContain(fake.keyId.slice(0, 6));
  });

  it('drops a stalled handshake and tries again', async () => {
    fake.stream.ignoreAuth = true;
    await open({ socket: { liveness: { handshakeTimeoutMs: 30 } } });
    expect(statuses).toEqual([['disconnected', 'handshake timed out']]);
    fake.stream.ignoreAuth = false;
    await fake.stream.waitForListens(1);
    await eventually(() => expect(statuses.at(-1)).toEqual(['connected']));
  });

  it('stops for good on close(): no status after it and no new connection', async () => {
    const s = await open();
    await s.close();
    const attempts = fake.stream.authAttempts;
    expect(statuses).toEqual([['connected']]);
    await eventually(() => expect(fake.stream.listeningClients).toBe(0));
    fake.stream.drop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.stream.authAttempts).toBe(attempts);
    expect(sleeps).toEqual([]);
  });

  it('close() cuts a pending reconnect short', async () => {
    fake.stream.rejectAuth = true;
    const never = new Promise<void>(() => {});
    const s = await open({ socket: { sleep: () => never } });
    await s.close();
    expect(fake.stream.authAttempts).toBe(1);
    expect(statuses).toEqual([['disconnected', 'unauthorized']]);
  });

  it('refuses to start twice', async () => {
    const s = await open();
    await expect(s.start({ onUpdate: () => undefined })).rejects.toThrow('already started');
  });
});
