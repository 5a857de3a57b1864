import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlpacaMarketServer, type AlpacaMarketServerOptions } from '../../local/alpaca-market-server';
import { eventually, MarketTestClient } from './market-test-client';

const WELCOME = [{ T: 'success', msg: 'connected' }];
const AUTHENTICATED = [{ T: 'success', msg: 'authenticated' }];
const error = (code: number, msg: string) => [{ T: 'error', code, msg }];

let server: AlpacaMarketServer;
let clients: MarketTestClient[];

const connect = async (path = '/v2/iex') => {
  const client = await MarketTestClient.connect(server.url(path));
  clients.push(client);
  await client.received(1);
  return client;
};

/** Connected, authenticated and, when symbols are given, subscribed to their trades and quotes. */
const subscribed = async (symbols: string[] = [], path = '/v2/iex') => {
  const client = await connect(path);
  client.send({ action: 'auth', key: server.keyId, secret: server.secretKey });
  await client.received(2);
  if (symbols.length > 0) {
    client.send({ action: 'subscribe', trades: symbols, quotes: symbols });
    await client.received(3);
  }
  return client;
};

const restart = async (options: AlpacaMarketServerOptions) => {
  await server.close();
  server = await AlpacaMarketServer.start(options);
};

beforeEach(async () => {
  clients = [];
  server = await AlpacaMarketServer.start({ now: () => Date.parse('2026-11-23T15:00:00.123Z') });
});

afterEach(async () => {
  for (const client of clients) client.close();
  await server.close();
});

describe('alpaca market server: protocol', () => {
  it('welcomes, authenticates and confirms a subscription on every Alpaca endpoint', async () => {
    for (const path of ['/v2/iex', '/v2/sip', '/v2/test', '/v1beta3/crypto/us']) {
      const client = await subscribed(['FAKEPACA'], path);
      expect(client.frames).toEqual([WELCOME, AUTHENTICATED, [{ T: 'subscription', trades: ['FAKEPACA'], quotes: ['FAKEPACA'], bars: [] }]]);
    }
    expect(server.feedUrl('crypto')).toBe(`ws://127.0.0.1:${server.port}/v1beta3/crypto/us`);
  });

  it('refuses an upgrade on a path Alpaca does not serve', async () => {
    await expect(MarketTestClient.connect(server.url('/v2/nope'))).rejects.toThrow('Unexpected server response: 404');
  });

  it('answers wrong keys with 402 and closes', async () => {
    const client = await connect();
    client.send({ action: 'auth', key: server.keyId, secret: 'wrong' });
    await eventually(() => expect(client.closeCode).toBe(1008));
    expect(client.frames[1]).toEqual(error(402, 'auth failed'));
  });

  it('answers a second auth with 403 and keeps the connection', async () => {
    const client = await subscribed();
    client.send({ action: 'auth', key: server.keyId, secret: server.secretKey });
    expect((await client.received(3))[2]).toEqual(error(403, 'already authenticated'));
    expect(client.closeCode).toBeUndefined();
  });

  it('answers a subscription before auth with 401, and text that is not a request with 400', async () => {
    const client = await connect();
    client.send({ action: 'subscribe', trades: ['AAPL'] });
    client.send('hello');
    client.send({ action: 'dance' });
    client.send({ action: 'auth', key: server.keyId, secret: server.secretKey });
    client.send({ action: 'subscribe', trades: 'AAPL' });
    expect((await client.received(6)).slice(1)).toEqual([error(401, 'not authenticated'), error(400, 'invalid syntax'), error(400, 'invalid syntax'), AUTHENTICATED, error(400, 'invalid syntax')]);
  });

  it('refuses a second connection of the same key to the same endpoint with 406, and accepts it on another endpoint or once the first is gone', async () => {
    const first = await subscribed();
    const second = await connect();
    second.send({ action: 'auth', key: server.keyId, secret: server.secretKey });
    await eventually(() => expect(second.closeCode).toBe(1008));
    expect(second.frames[1]).toEqual(error(406, 'connection limit exceeded'));
    await subscribed([], '/v2/test');
    first.close();
    await server.waitFor(() => server.clients.size === 1);
    await subscribed();
  });

  it('answers auth on a feed outside the plan with 409', async () => {
    await restart({ feedsNotInPlan: ['sip'] });
    await subscribed([], '/v2/iex');
    const client = await connect('/v2/sip');
    client.send({ action: 'auth', key: server.keyId, secret: server.secretKey });
    await eventually(() => expect(client.frames[1]).toEqual(error(409, 'insufficient subscription')));
  });

  it('answers a subscription over the symbol limit with 405 and keeps the previous one', async () => {
    await restart({ maxSymbols: 2 });
    const client = await subscribed(['AAPL', 'MSFT']);
    client.send({ action: 'subscribe', quotes: ['NVDA'] });
    expect((await client.received(4))[3]).toEqual(error(405, 'symbol limit exceeded'));
    client.send({ action: 'unsubscribe', trades: ['MSFT'], quotes: ['MSFT'] });
    expect((await client.received(5))[4]).toEqual([{ T: 'subscription', trades: ['AAPL'], quotes: ['AAPL'], bars: [] }]);
  });
});

describe('alpaca market server: publishing', () => {
  it('sends each subscriber one frame of its symbols, prices as JSON numbers written from the decimal text', async () => {
    const aapl = await subscribed(['AAPL']);
    const both = await subscribed(['AAPL', 'MSFT'], '/v2/sip');
    server.publishQuotes([
      { symbol: 'AAPL', bidPrice: '189.995', bidSize: '300', askPrice: '190.01', askSize: '100', at: '2026-11-23T14:59:59.987654321Z' },
      { symbol: 'MSFT', bidPrice: '0.0000001', bidSize: '1', askPrice: '410.12', askSize: '2' },
    ]);
    await aapl.received(4);
    await both.received(4);
    expect(aapl.raw[3]).toBe('[{"T":"q","S":"AAPL","bx":"V","bp":189.995,"bs":300,"ax":"V","ap":190.01,"as":100,"c":["R"],"z":"C","t":"2026-11-23T14:59:59.987654321Z"}]');
    expect(both.raw[3]).toContain('"bp":0.0000001');
    expect((both.frames[3] as object[]).map((m) => (m as { S: string }).S)).toEqual(['AAPL', 'MSFT']);
    expect((both.frames[3] as { t: string }[])[1]?.t).toBe('2026-11-23T15:00:00.123000000Z');
  });

  it('numbers trades and sends them only to trade subscribers', async () => {
    const client = await subscribed(['AAPL']);
    server.publishTrades([
      { symbol: 'AAPL', price: '190', size: '5' },
      { symbol: 'TSLA', price: '1', size: '1' },
      { symbol: 'AAPL', price: '190.5', size: '1' },
    ]);
    const frame = (await client.received(4))[3] as { i: number; p: number; T: string }[];
    expect(frame.map((m) => [m.T, m.i, m.p])).toEqual([
      ['t', 1, 190],
      ['t', 3, 190.5],
    ]);
  });

  it('refuses to publish a price that is not decimal text', () => {
    expect(() => server.publishQuotes([{ symbol: 'AAPL', bidPrice: '1e3', bidSize: '1', askPrice: '2', askSize: '1' }])).toThrow(
      'bidPrice must be non-negative decimal text, got "1e3" (send malformed data with sendRaw)',
    );
  });
});

describe('alpaca market server: faults', () => {
  it('drops every connection without a closing handshake', async () => {
    const client = await subscribed();
    server.drop();
    await eventually(() => expect(client.closeCode).toBe(1006));
  });

  it('goes silent (discarding what it would send) while still answering pings, and stops answering pings on request', async () => {
    const client = await subscribed(['AAPL']);
    server.goSilent();
    server.publishTrades([{ symbol: 'AAPL', price: '1', size: '1' }]);
    client.socket.ping();
    await eventually(() => expect(client.pongs).toBe(1));
    server.goSilent(false);
    server.stopPongs();
    client.socket.ping();
    await server.waitFor(() => server.pings === 2);
    server.publishTrades([{ symbol: 'AAPL', price: '2', size: '1' }]);
    await client.received(4);
    expect(client.frames).toHaveLength(4);
    expect((client.frames[3] as { p: number }[])[0]?.p).toBe(2);
    expect(client.pongs).toBe(1);
  });

  it('holds frames back until released, then sends them in order', async () => {
    const client = await subscribed(['AAPL']);
    server.holdFrames();
    server.publishTrades([{ symbol: 'AAPL', price: '1', size: '1' }]);
    server.sendError(500);
    client.send({ action: 'auth', key: server.keyId, secret: server.secretKey });
    await server.waitFor(() => server.received.length === 3);
    expect(client.frames).toHaveLength(3);
    server.releaseFrames();
    const frames = await client.received(6);
    expect(frames.slice(3).map((frame) => (frame as { T: string; code?: number }[])[0])).toEqual([
      expect.objectContaining({ T: 't' }),
      { T: 'error', code: 500, msg: 'internal error' },
      { T: 'error', code: 403, msg: 'already authenticated' },
    ]);
  });

  it('sends raw frames and any error code, closing the connection when asked', async () => {
    const client = await subscribed();
    server.sendRaw('not json');
    server.sendError(407, { msg: 'slow client', close: true });
    await eventually(() => expect(client.closeCode).toBe(1008));
    expect(client.frames.slice(2)).toEqual(['not json', error(407, 'slow client')]);
  });
});
