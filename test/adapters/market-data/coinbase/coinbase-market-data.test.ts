import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoinbaseMarketData, type CoinbaseMarketDataOptions } from '../../../../adapters/market-data/coinbase/coinbase-market-data';
import { COINBASE_EXCHANGE_URL } from '../../../../adapters/market-data/coinbase/coinbase-wire';
import { CoinbaseMarketServer, type CoinbaseMarketServerOptions } from '../../../../local/coinbase-market-server';
import { eventually, SourceHarness } from '../source-harness';

const SYMBOLS = ['BTC/USD', 'ETH/USD'];

let server: CoinbaseMarketServer;
let h: SourceHarness;

const source = (over: Partial<CoinbaseMarketDataOptions> = {}) => h.track(new CoinbaseMarketData({ url: server.feedUrl, onError: h.onError, socket: h.socket, ...over }));

const live = (over: Partial<CoinbaseMarketDataOptions> = {}, symbols = SYMBOLS) => h.live(source(over), symbols);

const restart = async (options: CoinbaseMarketServerOptions) => {
  await server.close();
  server = await CoinbaseMarketServer.start({ heartbeatIntervalMs: 0, ...options });
};

/** A second passes: time moves, then the server sends its heartbeats and the source has read every one. */
const secondPasses = async () => {
  h.timers.advance(1000);
  const frames = h.sources[0]?.stats().socket.frames ?? 0;
  const sent = server.heartbeatsSent;
  server.sendHeartbeats();
  // A connection that has ended reads no more frames: reading them all proves it is still up.
  await eventually(() => expect(h.sources[0]?.stats().socket.frames).toBe(frames + server.heartbeatsSent - sent));
};

beforeEach(async () => {
  h = new SourceHarness();
  server = await CoinbaseMarketServer.start({ heartbeatIntervalMs: 0 });
});

afterEach(async () => {
  await h.closeAll();
  await server.close();
});

describe('coinbase market data: session', () => {
  it('subscribes the products to ticker and heartbeat, and resolves start once Coinbase confirms', async () => {
    const started = await live();
    expect(server.received).toEqual([{ type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channels: ['ticker', 'heartbeat'] }]);
    expect(h.statuses).toEqual([{ kind: 'live', atMs: h.timers.now() }]);
    expect(started.name).toBe('coinbase');
    expect(COINBASE_EXCHANGE_URL).toBe('wss://ws-feed.exchange.coinbase.com');
  });

  it('rejects a start with a symbol that is not a pair of currency codes', async () => {
    await expect(source().start(['BTC/USD', 'BTCUSD', 'eth/usd'], h.handlers)).rejects.toThrow(
      'coinbase: cannot subscribe: "BTCUSD" must be a pair of upper-case currency codes such as BTC/USD; "eth/usd" must be',
    );
    expect(() => source({ heartbeatTimeoutMs: -1 })).toThrow(RangeError);
    expect(server.connections).toBe(0);
  });

  it('reports a confirmation that leaves a product out, and goes live', async () => {
    const starting = source().start(SYMBOLS, h.handlers);
    server.goSilent();
    await server.waitFor(() => server.received.length === 1);
    server.goSilent(false);
    server.sendRaw(JSON.stringify({ type: 'subscriptions', channels: [{ name: 'ticker', product_ids: ['BTC-USD', 'ETH-USD'] }, { name: 'heartbeat', product_ids: ['BTC-USD'] }] }));
    await starting;
    expect(h.errorMessages()).toEqual(['coinbase: subscription confirmed without the ticker or heartbeat of ETH-USD']);
  });
});

describe('coinbase market data: normalisation', () => {
  it('turns a ticker with a trade into the trade and the quote, with our symbol, the sequence and the decimal text as sent', async () => {
    await live();
    server.publishQuotes([{ symbol: 'BTC/USD', bidPrice: '64000.10', bidSize: '0.00000001', askPrice: '64000.11', askSize: '2.50000000', at: '2026-11-23T14:59:59.123456Z' }]);
    server.publishTrades([{ symbol: 'BTC/USD', price: '64000.11', size: '0.015', at: '2026-11-23T14:59:59.999999Z' }]);
    await eventually(() => expect(h.messages).toHaveLength(3));
    const receivedAtMs = h.timers.now();
    expect(h.messages).toEqual([
      { kind: 'quote', source: 'coinbase', symbol: 'BTC/USD', bidPrice: '64000.10', bidSize: '0.00000001', askPrice: '64000.11', askSize: '2.50000000', at: '2026-11-23T14:59:59.123Z', receivedAtMs, sequence: 1 },
      { kind: 'trade', source: 'coinbase', symbol: 'BTC/USD', price: '64000.11', size: '0.015', at: '2026-11-23T14:59:59.999Z', receivedAtMs, sequence: 2, tradeId: '1' },
      expect.objectContaining({ kind: 'quote', bidPrice: '64000.10', sequence: 2, at: '2026-11-23T14:59:59.999Z' }),
    ]);
  });

  it('passes the sequence on as Coinbase sent it, so a gap is there for the validator to see', async () => {
    await live();
    server.publishQuotes([{ symbol: 'ETH/USD', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' }]);
    server.skipSequence('ETH-USD', 3);
    server.publishQuotes([{ symbol: 'ETH/USD', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' }]);
    await eventually(() => expect(h.messages.map((m) => m.sequence)).toEqual([1, 5]));
  });

  it('keeps the shape of a product it did not ask for, for the validator to reject, and passes wrong types on as text', async () => {
    await live();
    server.sendRaw(JSON.stringify({ type: 'ticker', product_id: 'BTC-EUR', sequence: 9, best_bid: 1.5, best_bid_size: null, best_ask: '2', best_ask_size: '1', time: 'soon' }));
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.messages[0]).toMatchObject({ symbol: 'BTC/EUR', bidPrice: '1.5', bidSize: 'null', at: 'soon', sequence: 9 });
  });

  it('skips and reports frames it cannot read, reports a sequence that is not a number, and counts types it does not read', async () => {
    await live();
    server.sendRaw('not json');
    server.sendRaw('[1]');
    server.sendRaw(JSON.stringify({ type: 'status', products: [] }));
    server.sendRaw(JSON.stringify({ type: 'ticker', product_id: 'BTC-USD', sequence: 'x', best_bid: '1', best_bid_size: '1', best_ask: '2', best_ask_size: '1', time: '2026-11-23T14:59:59Z' }));
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.messages[0]).not.toHaveProperty('sequence');
    expect(h.errorMessages()).toEqual([
      'coinbase: skipped a frame that is not JSON: not json',
      'coinbase: skipped a frame that is not a JSON object: [1]',
      expect.stringMatching(/^coinbase: sequence is not a number: x: \{"type":"ticker"/),
    ]);
    expect(h.sources[0]?.stats()).toMatchObject({ delivered: 1, malformed: 3, ignored: 1 });
    expect(h.kinds()).toEqual(['live']);
  });
});

describe('coinbase market data: errors, reconnecting and liveness', () => {
  it('is refused, and retries slowly, when Coinbase rejects the subscription', async () => {
    await restart({ products: ['BTC-USD'] });
    h.holdSleeps = true;
    void source().start(SYMBOLS, h.handlers);
    await eventually(() => expect(h.kinds()).toEqual(['refused']));
    expect(h.statuses[0]).toMatchObject({ detail: 'Failed to subscribe: ETH-USD is not a valid product' });
    expect(h.statuses[0]).not.toHaveProperty('code');
    expect(h.sleeps).toEqual([30_000 * 0.75]);
  });

  it('replaces the connection on an error once live, and subscribes again', async () => {
    await live();
    server.sendError('Internal error', 'try again');
    await eventually(() => expect(h.lives()).toBe(2));
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'Internal error: try again' });
    expect(h.sleeps).toEqual([250]);
    expect(server.subscriptions).toBe(2);
  });

  it('reconnects after a drop and subscribes again; tickers flow again', async () => {
    await live();
    server.drop();
    await eventually(() => expect(h.lives()).toBe(2));
    expect(server.received).toHaveLength(2);
    server.publishQuotes([{ symbol: 'BTC/USD', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' }]);
    await eventually(() => expect(h.messages).toHaveLength(1));
  });

  it('stays connected while every product keeps its heartbeat', async () => {
    await live();
    for (let second = 0; second < 12; second++) await secondPasses();
    expect(h.kinds()).toEqual(['live']);
  });

  it('replaces the connection when one product misses its heartbeats for the limit while the others keep theirs', async () => {
    await live();
    server.muteHeartbeats('ETH-USD');
    for (let second = 0; second < 4; second++) await secondPasses();
    expect(h.kinds()).toEqual(['live']);
    server.muteHeartbeats('ETH-USD', false);
    h.timers.advance(1000);
    await eventually(() => expect(h.lives()).toBe(2));
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'no heartbeat from ETH-USD for 5000 ms' });
  });

  it('watches the whole connection for silence by default (5 s), even with the heartbeat watch off', async () => {
    await live({ heartbeatTimeoutMs: 0 });
    h.timers.advance(5_000);
    await eventually(() => expect(h.lives()).toBe(2));
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'silent for 5000 ms' });
  });

  it('drops a connection whose pong is missing and reconnects', async () => {
    await live({ socket: { ...h.socket, liveness: { silenceMs: 0 } }, heartbeatTimeoutMs: 0 });
    await h.missOnePong(server);
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'no pong within 5000 ms' });
  });

  it('closes: reports closed and leaves the server', async () => {
    const started = await live();
    await started.close();
    await server.waitFor(() => server.clients.size === 0);
    expect(h.kinds()).toEqual(['live', 'closed']);
  });
});
