import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlpacaMarketData, type AlpacaMarketDataOptions } from '../../../../adapters/market-data/alpaca/alpaca-market-data';
import { ALPACA_MARKET_DATA_URLS, type AlpacaFeed } from '../../../../adapters/market-data/alpaca/alpaca-market-wire';
import { alpacaCredentials } from '../../../../adapters/broker/alpaca/credentials';
import { AlpacaMarketServer, type AlpacaMarketServerOptions } from '../../../../local/alpaca-market-server';
import { eventually, SourceHarness } from '../source-harness';

const SECRET = 'market-secret-do-not-leak-7f3a1c';
const SYMBOLS = ['AAPL', 'MSFT'];

let server: AlpacaMarketServer;
let h: SourceHarness;

const source = (over: Partial<AlpacaMarketDataOptions> = {}, feed: AlpacaFeed = 'iex') =>
  h.track(new AlpacaMarketData({ feed, url: server.feedUrl(feed), credentials: alpacaCredentials(server.keyId, SECRET), onError: h.onError, socket: h.socket, ...over }));

const live = (over: Partial<AlpacaMarketDataOptions> = {}, symbols = SYMBOLS) => h.live(source(over), symbols);

const restart = async (options: AlpacaMarketServerOptions) => {
  await server.close();
  server = await AlpacaMarketServer.start({ secretKey: SECRET, ...options });
};

beforeEach(async () => {
  h = new SourceHarness();
  server = await AlpacaMarketServer.start({ secretKey: SECRET });
});

afterEach(async () => {
  await h.closeAll();
  await server.close();
});

describe('alpaca market data: session', () => {
  it('waits for the welcome, authenticates, subscribes to trades and quotes, and resolves start once confirmed', async () => {
    const started = await live();
    expect(server.received).toEqual([
      { action: 'auth', key: server.keyId, secret: SECRET },
      { action: 'subscribe', trades: SYMBOLS, quotes: SYMBOLS },
    ]);
    expect(h.statuses).toEqual([{ kind: 'live', atMs: h.timers.now() }]);
    expect(started.name).toBe('alpaca-iex');
  });

  it('names each feed and knows its Alpaca endpoint', () => {
    expect(ALPACA_MARKET_DATA_URLS).toEqual({
      iex: 'wss://stream.data.alpaca.markets/v2/iex',
      sip: 'wss://stream.data.alpaca.markets/v2/sip',
      test: 'wss://stream.data.alpaca.markets/v2/test',
      crypto: 'wss://stream.data.alpaca.markets/v1beta3/crypto/us',
    });
    const crypto = new AlpacaMarketData({ feed: 'crypto', credentials: alpacaCredentials('k', 's') });
    expect(crypto.name).toBe('alpaca-crypto');
    expect(new AlpacaMarketData({ feed: 'test', name: 'paper-test', credentials: alpacaCredentials('k', 's') }).name).toBe('paper-test');
  });

  it('subscribes crypto pairs on the crypto endpoint', async () => {
    const crypto = source({}, 'crypto');
    await crypto.start(['BTC/USD'], h.handlers);
    server.publishQuotes([{ symbol: 'BTC/USD', bidPrice: '64000.5', bidSize: '0.0000001', askPrice: '64001', askSize: '1.25' }]);
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.messages[0]).toMatchObject({ source: 'alpaca-crypto', symbol: 'BTC/USD', bidSize: '0.0000001' });
  });

  it('rejects a start it can never serve: no symbols, or a symbol Alpaca does not spell that way', async () => {
    await expect(source().start([], h.handlers)).rejects.toThrow('alpaca-iex: no symbols to subscribe to');
    await expect(source().start(['AAPL', 'msft', ''], h.handlers)).rejects.toThrow(
      'alpaca-iex: cannot subscribe: "msft" must be upper-case letters and digits, with . / or - between them; "" must be',
    );
    expect(server.connections).toBe(0);
  });

  it('never prints the key secret: not in statuses, errors or the inspected source', async () => {
    await restart({ secretKey: 'another-secret' });
    const refused = source();
    void refused.start(SYMBOLS, h.handlers);
    await eventually(() => expect(h.kinds()).toContain('refused'));
    server.sendRaw('not json');
    const printed = [JSON.stringify(h.statuses), ...h.errors.map((e) => `${e.message} ${String(e.cause)}`), inspect(refused, { depth: 5 })].join('\n');
    expect(printed).not.toContain(SECRET);
  });
});

describe('alpaca market data: normalisation', () => {
  it('turns quotes into market messages with the decimal text as Alpaca wrote it and times to the millisecond', async () => {
    await live();
    h.timers.advance(250);
    server.publishQuotes([
      { symbol: 'AAPL', bidPrice: '189.995', bidSize: '300', askPrice: '190.01', askSize: '100', at: '2026-11-23T14:59:59.987654321Z' },
      { symbol: 'MSFT', bidPrice: '410.1', bidSize: '0.0000001', askPrice: '410.12', askSize: '2', at: '2026-11-23T14:59:59Z' },
    ]);
    await eventually(() => expect(h.messages).toHaveLength(2));
    expect(h.messages).toEqual([
      {
        kind: 'quote',
        source: 'alpaca-iex',
        symbol: 'AAPL',
        bidPrice: '189.995',
        bidSize: '300',
        askPrice: '190.01',
        askSize: '100',
        at: '2026-11-23T14:59:59.987Z',
        receivedAtMs: h.timers.now(),
      },
      expect.objectContaining({ symbol: 'MSFT', bidPrice: '410.1', bidSize: '0.0000001', at: '2026-11-23T14:59:59.000Z' }),
    ]);
  });

  it('turns trades into market messages with their trade id', async () => {
    await live();
    server.publishTrades([{ symbol: 'MSFT', price: '410.115', size: '25', at: '2026-11-23T14:59:58.000000001Z' }]);
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.messages[0]).toEqual({
      kind: 'trade',
      source: 'alpaca-iex',
      symbol: 'MSFT',
      price: '410.115',
      size: '25',
      at: '2026-11-23T14:59:58.000Z',
      receivedAtMs: h.timers.now(),
      tradeId: '1',
    });
  });

  it('delivers only the symbols subscribed to', async () => {
    await live({}, ['AAPL']);
    server.publishQuotes([
      { symbol: 'MSFT', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' },
      { symbol: 'AAPL', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' },
    ]);
    await eventually(() => expect(h.messages.map((m) => m.symbol)).toEqual(['AAPL']));
  });

  it('passes a field of the wrong type on as text for the validator to reject, and an unreadable time as sent', async () => {
    await live();
    server.sendRaw('[{"T":"q","S":"AAPL","bp":"abc","bs":null,"ap":true,"t":"yesterday"}]');
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.messages[0]).toMatchObject({ bidPrice: 'abc', bidSize: 'null', askPrice: 'true', askSize: 'undefined', at: 'yesterday' });
  });

  it('skips and reports frames it cannot read, counts kinds it does not read, and delivers the rest', async () => {
    await live();
    server.sendRaw('not json');
    server.sendRaw('{"T":"q"}');
    server.sendRaw('[7,{"T":"c","S":"AAPL"},{"T":"t","S":"AAPL","p":1,"s":1,"t":"2026-11-23T14:59:58Z"}]');
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.errorMessages()).toEqual([
      'alpaca-iex: skipped a frame that is not JSON: not json',
      'alpaca-iex: skipped a frame that is not a JSON array: {"T":"q"}',
      'alpaca-iex: skipped entry 0 is not an object: [7,{"T":"c","S":"AAPL"},{"T":"t","S":"AAPL","p":1,"s":1,"t":"2026-11-23T14:59:58Z"}]',
    ]);
    expect(h.sources[0]?.stats()).toMatchObject({ delivered: 1, malformed: 3, ignored: 1 });
    expect(h.kinds()).toEqual(['live']);
  });

  it('reports a handler that throws and keeps delivering', async () => {
    const started = source();
    let calls = 0;
    await started.start(SYMBOLS, {
      onMessages: () => {
        calls++;
        throw new Error('strategy bug');
      },
    });
    server.publishTrades([{ symbol: 'AAPL', price: '1', size: '1' }]);
    server.publishTrades([{ symbol: 'AAPL', price: '1', size: '1' }]);
    await eventually(() => expect(calls).toBe(2));
    expect(h.errorMessages()).toEqual(['alpaca-iex: onMessages failed', 'alpaca-iex: onMessages failed']);
  });
});

describe('alpaca market data: error codes', () => {
  it.each([
    [402, 'auth failed'],
    [405, 'symbol limit exceeded'],
    [406, 'connection limit exceeded'],
    [409, 'insufficient subscription'],
  ])('%i (%s) is a refusal, retried on the slow schedule', async (code, msg) => {
    await live();
    h.holdSleeps = true;
    server.sendError(code);
    await eventually(() => expect(h.kinds()).toEqual(['live', 'refused']));
    expect(h.statuses[1]).toMatchObject({ code: String(code), detail: msg });
    expect(h.sleeps).toEqual([30_000 * 0.75]);
  });

  it.each([
    [400, 'invalid syntax'],
    [401, 'not authenticated'],
    [404, 'auth timeout'],
    [407, 'slow client'],
    [500, 'internal error'],
    [599, 'error'],
  ])('%i (%s) spoils the connection: reconnects at once on the normal schedule and subscribes again', async (code, msg) => {
    await live();
    server.sendError(code, { msg });
    await eventually(() => expect(h.kinds()).toEqual(['live', 'disconnected', 'live']));
    expect(h.statuses[1]).toMatchObject({ code: String(code), detail: msg });
    expect(h.sleeps).toEqual([250]);
    expect(server.subscriptions).toBe(2);
  });

  it('403 (already authenticated) is reported and the connection kept', async () => {
    await live();
    server.sendError(403);
    server.publishTrades([{ symbol: 'AAPL', price: '1', size: '1' }]);
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.kinds()).toEqual(['live']);
    expect(h.errorMessages()).toEqual(['alpaca-iex: error 403: already authenticated']);
  });

  it('wrong keys are refused (402) before going live, and the refusal is retried, slowly', async () => {
    await restart({ secretKey: 'rotated' });
    h.holdSleeps = true;
    void source().start(SYMBOLS, h.handlers);
    await eventually(() => expect(h.kinds()).toEqual(['refused']));
    expect(h.statuses[0]).toMatchObject({ code: '402', detail: 'auth failed' });
    expect(server.received).toEqual([{ action: 'auth', key: server.keyId, secret: SECRET }]);
  });

  it('a second connection of the same key to the same endpoint is refused (406); the first stays live', async () => {
    await live();
    const second = new SourceHarness();
    second.holdSleeps = true;
    const other = new AlpacaMarketData({ feed: 'iex', url: server.feedUrl('iex'), credentials: alpacaCredentials(server.keyId, SECRET), socket: second.socket });
    h.track(other);
    void other.start(SYMBOLS, second.handlers);
    await eventually(() => expect(second.kinds()).toEqual(['refused']));
    expect(second.statuses[0]).toMatchObject({ code: '406', detail: 'connection limit exceeded' });
    server.publishTrades([{ symbol: 'AAPL', price: '1', size: '1' }]);
    await eventually(() => expect(h.messages).toHaveLength(1));
    expect(h.kinds()).toEqual(['live']);
  });

  it('a feed outside the plan is refused (409)', async () => {
    await restart({ feedsNotInPlan: ['sip'] });
    h.holdSleeps = true;
    void source({}, 'sip').start(SYMBOLS, h.handlers);
    await eventually(() => expect(h.kinds()).toEqual(['refused']));
    expect(h.statuses[0]).toMatchObject({ code: '409', detail: 'insufficient subscription' });
  });

  it('more symbols than the plan allows are refused (405)', async () => {
    await restart({ maxSymbols: 1 });
    h.holdSleeps = true;
    void source().start(SYMBOLS, h.handlers);
    await eventually(() => expect(h.kinds()).toEqual(['refused']));
    expect(h.statuses[0]).toMatchObject({ code: '405', detail: 'symbol limit exceeded' });
  });

  it('reports a subscription confirmed without some of the symbols asked for, and goes live', async () => {
    const starting = source().start(SYMBOLS, h.handlers);
    await server.waitFor(() => server.received.length === 1);
    // The server's own confirmation is discarded; the one sent instead leaves MSFT's quotes out.
    server.goSilent();
    await server.waitFor(() => server.received.length === 2);
    server.goSilent(false);
    server.sendRaw('[{"T":"subscription","trades":["AAPL","MSFT"],"quotes":["AAPL"]}]');
    await starting;
    expect(h.errorMessages()).toEqual(['alpaca-iex: subscription confirmed without the trades or quotes of MSFT']);
    expect(h.kinds()).toEqual(['live']);
  });
});

describe('alpaca market data: reconnecting and liveness', () => {
  it('reconnects after a drop, authenticates and subscribes again, and messages flow again', async () => {
    await live();
    server.drop();
    await eventually(() => expect(h.lives()).toBe(2));
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'closed (code 1006)' });
    expect(server.received.filter((m) => (m as { action: string }).action === 'subscribe')).toHaveLength(2);
    server.publishQuotes([{ symbol: 'MSFT', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' }]);
    await eventually(() => expect(h.messages).toHaveLength(1));
  });

  it('drops a connection whose pong is missing (ping every 10 s, pong within 5 s) and reconnects', async () => {
    await live();
    await h.missOnePong(server);
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'no pong within 5000 ms' });
  });

  it('drops a connection silent past its limit even while pongs come back', async () => {
    await live({ socket: { ...h.socket, liveness: { silenceMs: 30_000 } } });
    server.goSilent();
    for (let second = 10; second < 30; second += 10) {
      h.timers.advance(10_000);
      await eventually(() => expect(h.sources[0]?.stats().socket.pongsReceived).toBe(second / 10));
    }
    server.goSilent(false);
    h.timers.advance(10_000);
    await eventually(() => expect(h.lives()).toBe(2));
    expect(h.statuses[1]).toMatchObject({ kind: 'disconnected', detail: 'silent for 30000 ms' });
  });

  it('drops a connection whose login stalls past the handshake deadline', async () => {
    server.holdFrames();
    const starting = source().start(SYMBOLS, h.handlers);
    await server.waitFor(() => server.connections === 1);
    h.timers.advance(10_000);
    await eventually(() => expect(h.kinds()).toEqual(['disconnected']));
    expect(h.statuses[0]?.detail).toBe('handshake timed out');
    server.releaseFrames();
    await starting;
    expect(server.connections).toBe(2);
  });

  it('closes: reports closed, leaves the server and does not come back', async () => {
    const started = await live();
    await started.close();
    await server.waitFor(() => server.clients.size === 0);
    expect(h.kinds()).toEqual(['live', 'closed']);
    expect(server.connections).toBe(1);
  });
});
