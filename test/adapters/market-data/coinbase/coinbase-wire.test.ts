import { describe, expect, it } from 'vitest';
import { readCoinbaseFrame, subscribeMessage, toProductId, toSymbol, type CoinbaseEvent } from '../../../../adapters/market-data/coinbase/coinbase-wire';

const read = (frame: unknown): CoinbaseEvent => readCoinbaseFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), 'coinbase', 7, toSymbol);

// The ticker Coinbase documents, as sent.
const DOCUMENTED_TICKER = {
  type: 'ticker',
  sequence: 37475248783,
  product_id: 'ETH-USD',
  price: '1285.22',
  open_24h: '1310.79',
  volume_24h: '245532.79269678',
  low_24h: '1280.52',
  high_24h: '1313.8',
  volume_30d: '9788783.60117027',
  best_bid: '1285.04',
  best_bid_size: '0.46688654',
  best_ask: '1285.27',
  best_ask_size: '1.56637040',
  side: 'buy',
  time: '2022-10-19T23:28:22.061769Z',
  trade_id: 370843401,
  last_size: '11.4396987',
};

describe('coinbase wire', () => {
  it('maps our symbols to product ids and back', () => {
    expect(toProductId('BTC/USD')).toBe('BTC-USD');
    expect(toSymbol('BTC-USD')).toBe('BTC/USD');
  });

  it('subscribes to the ticker and heartbeat channels of the products', () => {
    expect(JSON.parse(subscribeMessage(['BTC-USD', 'ETH-USD']))).toEqual({ type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channels: ['ticker', 'heartbeat'] });
  });

  it('reads a documented ticker as its trade then its quote, both with the sequence, decimal strings kept exactly', () => {
    expect(read(DOCUMENTED_TICKER)).toEqual({
      type: 'market',
      messages: [
        { kind: 'trade', source: 'coinbase', symbol: 'ETH/USD', price: '1285.22', size: '11.4396987', at: '2022-10-19T23:28:22.061Z', receivedAtMs: 7, sequence: 37475248783, tradeId: '370843401' },
        {
          kind: 'quote',
          source: 'coinbase',
          symbol: 'ETH/USD',
          bidPrice: '1285.04',
          bidSize: '0.46688654',
          askPrice: '1285.27',
          askSize: '1.56637040',
          at: '2022-10-19T23:28:22.061Z',
          receivedAtMs: 7,
          sequence: 37475248783,
        },
      ],
    });
  });

  it('reads a ticker without a trade as a quote alone, and one without a book as a trade alone', () => {
    const { trade_id: _id, last_size: _size, price: _price, ...quoteOnly } = DOCUMENTED_TICKER;
    expect((read(quoteOnly) as { messages: { kind: string }[] }).messages.map((m) => m.kind)).toEqual(['quote']);
    const { best_bid: _b, best_ask: _a, ...tradeOnly } = DOCUMENTED_TICKER;
    expect((read(tradeOnly) as { messages: { kind: string }[] }).messages.map((m) => m.kind)).toEqual(['trade']);
  });

  it('passes fields of the wrong type on as text, and names a sequence that is not a number while leaving it out', () => {
    const event = read({ ...DOCUMENTED_TICKER, best_bid: 1285.04, best_ask: null, last_size: true, sequence: '12' });
    expect(event).toMatchObject({
      type: 'market',
      problem: 'sequence is not a number: 12',
      messages: [{ size: 'true' }, { bidPrice: '1285.04', askPrice: 'null' }],
    });
    expect((event as { messages: object[] }).messages[1]).not.toHaveProperty('sequence');
  });

  it('reads heartbeats, subscription confirmations and errors for the session', () => {
    expect(read({ type: 'heartbeat', sequence: 90, last_trade_id: 20, product_id: 'BTC-USD', time: '2014-11-07T08:19:28.464459Z' })).toEqual({ type: 'heartbeat', productId: 'BTC-USD' });
    const confirmed = read({ type: 'subscriptions', channels: [{ name: 'ticker', product_ids: ['BTC-USD'] }, { name: 'heartbeat', product_ids: ['BTC-USD', 7] }, 'odd'] });
    expect(confirmed).toEqual({ type: 'subscriptions', channels: new Map([['ticker', ['BTC-USD']], ['heartbeat', ['BTC-USD']]]) });
    expect(read({ type: 'error', message: 'Failed to subscribe', reason: 'XYZ-USD is not a valid product' })).toEqual({ type: 'error', detail: 'Failed to subscribe: XYZ-USD is not a valid product' });
    expect(read({ type: 'error' })).toEqual({ type: 'error', detail: 'error' });
  });

  it('counts other types as ignored and calls a frame that is not a JSON object malformed', () => {
    expect(read({ type: 'status', products: [] })).toEqual({ type: 'ignored' });
    expect(read('{"type":')).toEqual({ type: 'malformed', problem: 'not JSON' });
    expect(read('[{"type":"ticker"}]')).toEqual({ type: 'malformed', problem: 'not a JSON object' });
    expect(read('null')).toEqual({ type: 'malformed', problem: 'not a JSON object' });
  });
});
