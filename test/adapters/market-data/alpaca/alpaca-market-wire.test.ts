import { describe, expect, it } from 'vitest';
import {
  ALPACA_ERRORS,
  alpacaErrorEffect,
  authMessage,
  readAlpacaFrame,
  subscribeMessage,
  unconfirmedSymbols,
  type AlpacaFrame,
} from '../../../../adapters/market-data/alpaca/alpaca-market-wire';

const read = (text: string): AlpacaFrame => {
  const frame = readAlpacaFrame(text, 'alpaca-sip', 42);
  if ('problem' in frame) throw new Error(frame.problem);
  return frame;
};

describe('alpaca market wire: frames', () => {
  it('reads a documented stock trade and quote', () => {
    const frame = read(
      '[{"T":"t","i":96921,"S":"AAPL","x":"D","p":126.55,"s":1,"t":"2021-02-22T15:51:44.208Z","c":["@","I"],"z":"C"},' +
        '{"T":"q","S":"AMD","bx":"U","bp":87.66,"bs":1,"ax":"Q","ap":87.68,"as":4,"t":"2021-02-22T15:51:45.335689322Z","c":["R"],"z":"C"}]',
    );
    expect(frame.messages).toEqual([
      { kind: 'trade', source: 'alpaca-sip', symbol: 'AAPL', price: '126.55', size: '1', at: '2021-02-22T15:51:44.208Z', receivedAtMs: 42, tradeId: '96921' },
      { kind: 'quote', source: 'alpaca-sip', symbol: 'AMD', bidPrice: '87.66', bidSize: '1', askPrice: '87.68', askSize: '4', at: '2021-02-22T15:51:45.335Z', receivedAtMs: 42 },
    ]);
    expect(frame).toMatchObject({ controls: [], ignored: 0, malformed: [] });
  });

  it('reads a crypto quote with fractional sizes', () => {
    const frame = read('[{"T":"q","S":"BTC/USD","bp":64000.12,"bs":0.00000015,"ap":64001,"as":1.23456789,"t":"2024-03-12T10:27:48.858228144Z"}]');
    expect(frame.messages[0]).toMatchObject({ symbol: 'BTC/USD', bidPrice: '64000.12', bidSize: '0.00000015', askSize: '1.23456789', at: '2024-03-12T10:27:48.858Z' });
  });

  it('leaves the trade id out when Alpaca sends none', () => {
    expect(read('[{"T":"t","S":"AAPL","p":1,"s":1,"t":"2021-02-22T15:51:44Z"}]').messages[0]).not.toHaveProperty('tradeId');
  });

  it('hands success, subscription and error messages back as controls, in order', () => {
    const frame = read('[{"T":"success","msg":"connected"},{"T":"subscription","trades":["AAPL"]},{"T":"error","code":406,"msg":"connection limit exceeded"}]');
    expect(frame.controls.map((control) => control.T)).toEqual(['success', 'subscription', 'error']);
    expect(frame.messages).toEqual([]);
  });

  it('counts kinds it does not read (bars, corrections, cancel errors, statuses, an unknown T) without guessing', () => {
    expect(read('[{"T":"b"},{"T":"c"},{"T":"x"},{"T":"s"},{"T":"zz"},{}]').ignored).toBe(6);
  });

  it('describes entries that are not objects and still reads the others', () => {
    const frame = read('[null,3,"q",[],{"T":"t","S":"AAPL","p":1,"s":1,"t":"2021-02-22T15:51:44Z"}]');
    expect(frame.malformed).toEqual(['entry 0 is not an object', 'entry 1 is not an object', 'entry 2 is not an object', 'entry 3 is not an object']);
    expect(frame.messages).toHaveLength(1);
  });

  it('calls a frame malformed as a whole when it is not JSON or not an array', () => {
    expect(readAlpacaFrame('[{"T":', 's', 0)).toEqual({ problem: 'not JSON' });
    expect(readAlpacaFrame('{"T":"q"}', 's', 0)).toEqual({ problem: 'not a JSON array' });
    expect(readAlpacaFrame('null', 's', 0)).toEqual({ problem: 'not a JSON array' });
  });
});

describe('alpaca market wire: errors and requests', () => {
  it('lists every documented error code with what it does to the connection', () => {
    expect(Object.fromEntries(Object.entries(ALPACA_ERRORS).map(([code, { effect }]) => [code, effect]))).toEqual({
      400: 'reconnect',
      401: 'reconnect',
      402: 'refused',
      403: 'report',
      404: 'reconnect',
      405: 'refused',
      406: 'refused',
      407: 'reconnect',
      409: 'refused',
      500: 'reconnect',
    });
  });

  it('treats an undocumented or missing code as a spoilt connection', () => {
    expect(alpacaErrorEffect(418)).toBe('reconnect');
    expect(alpacaErrorEffect('406')).toBe('reconnect');
    expect(alpacaErrorEffect(undefined)).toBe('reconnect');
  });

  it('writes auth and subscribe requests as Alpaca documents them', () => {
    expect(JSON.parse(authMessage('AK1', 's3'))).toEqual({ action: 'auth', key: 'AK1', secret: 's3' });
    expect(JSON.parse(subscribeMessage(['AAPL', 'BTC/USD']))).toEqual({ action: 'subscribe', trades: ['AAPL', 'BTC/USD'], quotes: ['AAPL', 'BTC/USD'] });
  });

  it('finds the symbols a confirmation leaves out of trades or quotes', () => {
    expect(unconfirmedSymbols({ T: 'subscription', trades: ['A', 'B'], quotes: ['A', 'C'] }, ['A', 'B', 'C'])).toEqual(['B', 'C']);
    expect(unconfirmedSymbols({ T: 'subscription', trades: 'A' }, ['A'])).toEqual(['A']);
    expect(unconfirmedSymbols({ T: 'subscription', trades: ['A'], quotes: ['A'] }, ['A'])).toEqual([]);
  });
});
