import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoinbaseMarketServer } from '../../local/coinbase-market-server';
import { eventually, MarketTestClient } from './market-test-client';

let server: CoinbaseMarketServer;
let clients: MarketTestClient[];

const connect = async () => {
  const client = await MarketTestClient.connect(server.feedUrl);
  clients.push(client);
  return client;
};

const subscribed = async (productIds: string[], channels: unknown[] = ['ticker', 'heartbeat']) => {
  const client = await connect();
  client.send({ type: 'subscribe', product_ids: productIds, channels });
  await client.received(1);
  return client;
};

const startServer = (options: Parameters<typeof CoinbaseMarketServer.start>[0] = {}) =>
  CoinbaseMarketServer.start({ heartbeatIntervalMs: 0, now: () => Date.parse('2026-11-23T15:00:00.123Z'), ...options });

beforeEach(async () => {
  clients = [];
  server = await startServer();
});

afterEach(async () => {
  for (const client of clients) client.close();
  await server.close();
});

describe('coinbase market server: protocol', () => {
  it('sends nothing until asked, then confirms the subscription per channel', async () => {
    const client = await subscribed(['BTC-USD', 'ETH-USD']);
    expect(client.frames).toEqual([
      {
        type: 'subscriptions',
        channels: [
          { name: 'ticker', product_ids: ['BTC-USD', 'ETH-USD'] },
          { name: 'heartbeat', product_ids: ['BTC-USD', 'ETH-USD'] },
        ],
      },
    ]);
  });

  it('takes channels with their own product ids, and unsubscribes', async () => {
    const client = await subscribed([], [{ name: 'ticker', product_ids: ['BTC-USD'] }, 'heartbeat']);
    expect(client.frames[0]).toEqual({ type: 'subscriptions', channels: [{ name: 'ticker', product_ids: ['BTC-USD'] }] });
    client.send({ type: 'unsubscribe', product_ids: ['BTC-USD'], channels: ['ticker'] });
    expect((await client.received(2))[1]).toEqual({ type: 'subscriptions', channels: [] });
  });

  it('answers a product it does not list, a bad type and text that is not JSON with an error', async () => {
    await server.close();
    server = await startServer({ products: ['BTC-USD'] });
    const client = await connect();
    client.send({ type: 'subscribe', product_ids: ['BTC-USD', 'DOGE-USD'], channels: ['ticker'] });
    client.send({ type: 'hello' });
    client.send({ type: 'subscribe', product_ids: 'BTC-USD', channels: ['ticker'] });
    client.send('not json');
    expect(await client.received(4)).toEqual([
      { type: 'error', message: 'Failed to subscribe', reason: 'DOGE-USD is not a valid product' },
      { type: 'error', message: 'Failed to subscribe', reason: 'hello is not a valid type' },
      { type: 'error', message: 'Failed to subscribe', reason: 'product_ids and channels must be arrays' },
      { type: 'error', message: 'Malformed JSON' },
    ]);
    expect(server.subscriptions).toBe(0);
  });

  it('serves only the root path', async () => {
    await expect(MarketTestClient.connect(server.url('/ws'))).rejects.toThrow('Unexpected server response: 404');
  });
});

describe('coinbase market server: tickers and heartbeats', () => {
  it('sends tickers of our symbols to their product subscribers, decimal strings as given, sequence per product', async () => {
    const client = await subscribed(['BTC-USD']);
    server.publishQuotes([
      { symbol: 'BTC/USD', bidPrice: '64000.10', bidSize: '0.5', askPrice: '64000.20', askSize: '1.25000000' },
      { symbol: 'ETH/USD', bidPrice: '1', bidSize: '1', askPrice: '2', askSize: '1' },
    ]);
    server.publishTrades([{ symbol: 'BTC/USD', price: '64000.20', size: '0.001', at: '2026-11-23T14:59:59.999999Z' }]);
    server.skipSequence('BTC-USD', 2);
    server.publishTrades([{ symbol: 'BTC/USD', price: '64000.10', size: '0.002' }]);
    const [, quote, trade, next] = await client.received(4);
    expect(quote).toEqual({
      type: 'ticker',
      sequence: 1,
      product_id: 'BTC-USD',
      best_bid: '64000.10',
      best_bid_size: '0.5',
      best_ask: '64000.20',
      best_ask_size: '1.25000000',
      time: '2026-11-23T15:00:00.123000Z',
    });
    expect(trade).toEqual({
      type: 'ticker',
      sequence: 2,
      product_id: 'BTC-USD',
      price: '64000.20',
      best_bid: '64000.10',
      best_bid_size: '0.5',
      best_ask: '64000.20',
      best_ask_size: '1.25000000',
      side: 'buy',
      trade_id: 1,
      last_size: '0.001',
      time: '2026-11-23T14:59:59.999999Z',
    });
    expect(next).toMatchObject({ sequence: 5, trade_id: 2 });
  });

  it('sends a trade without a book when no quote was published for the product', async () => {
    const client = await subscribed(['ETH-USD']);
    server.publishTrades([{ symbol: 'ETH/USD', price: '3000', size: '1' }]);
    expect((await client.received(2))[1]).not.toHaveProperty('best_bid');
  });

  it('sends heartbeats to heartbeat subscribers with the product sequence and last trade, except muted products', async () => {
    const both = await subscribed(['BTC-USD', 'ETH-USD']);
    const tickerOnly = await subscribed(['BTC-USD'], ['ticker']);
    server.publishTrades([{ symbol: 'BTC/USD', price: '1', size: '1' }]);
    server.muteHeartbeats('ETH-USD');
    server.sendHeartbeats();
    server.muteHeartbeats('ETH-USD', false);
    server.sendHeartbeats();
    const frames = await both.received(5);
    expect(frames.slice(2)).toEqual([
      { type: 'heartbeat', last_trade_id: 1, product_id: 'BTC-USD', sequence: 1, time: '2026-11-23T15:00:00.123000Z' },
      { type: 'heartbeat', last_trade_id: 1, product_id: 'BTC-USD', sequence: 1, time: '2026-11-23T15:00:00.123000Z' },
      { type: 'heartbeat', last_trade_id: 0, product_id: 'ETH-USD', sequence: 0, time: '2026-11-23T15:00:00.123000Z' },
    ]);
    expect(server.heartbeatsSent).toBe(3);
    expect(tickerOnly.frames).toHaveLength(2);
  });

  it('sends heartbeats on its own at its interval', async () => {
    await server.close();
    server = await startServer({ heartbeatIntervalMs: 5 });
    const client = await subscribed(['BTC-USD']);
    await eventually(() => expect(client.frames.some((frame) => (frame as { type: string }).type === 'heartbeat')).toBe(true));
  });

  it('sends an error message on request', async () => {
    const client = await subscribed(['BTC-USD']);
    server.sendError('Internal error', 'try again');
    expect((await client.received(2))[1]).toEqual({ type: 'error', message: 'Internal error', reason: 'try again' });
  });
});
