// Daily bars from Alpaca's Market Data API v2, against the fake Alpaca's /v2/stocks/bars: the documented query
// with the key headers, every page followed, 429s waited out as Alpaca says, retries bounded, SIP asked only for
// what a key without a SIP subscription may read, malformed bars refused by symbol, bar and field, and the key
// never in an error.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlpacaDailyBars, AlpacaDataError, type AlpacaDailyBarsOptions } from '../../../../adapters/market-data/alpaca/alpaca-daily-bars';
import { alpacaCredentials } from '../../../../adapters/broker/alpaca/credentials';
import { dailyBar, FakeAlpaca, type WireBar } from '../../../support/fake-alpaca';

const START = Date.parse('2026-11-23T15:00:00.000Z');
const SECRET = 'sk-do-not-leak-7f3a9c2e1b5d4e6f8a0b';
const KEY_ID = 'PKLEAKCHECK0000000042';
const RANGE = { start: '2026-10-12T05:00:00.000Z', end: '2026-11-23T04:59:59.999Z' };
const ROUTE = 'GET /v2/stocks/bars';

let fake: FakeAlpaca;
let clock: number;
let sleeps: number[];

// Sleeping only moves the injected clock: retries and pacing take no wall time.
const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
  clock += ms;
};

const source = (over: Partial<AlpacaDailyBarsOptions> = {}): AlpacaDailyBars =>
  new AlpacaDailyBars({ baseUrl: fake.restUrl, credentials: alpacaCredentials(KEY_ID, SECRET), feed: 'iex', sleep, random: () => 0.5, now: () => clock, ...over });

/** Weekday bars from 2026-10-12 through 2026-11-20, volumes `base`, `base + 1`, … */
const weekdays = (base: number, count = 30): WireBar[] => {
  const bars: WireBar[] = [];
  for (let day = Date.parse('2026-10-12T00:00:00Z'); bars.length < count; day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) bars.push(dailyBar(new Date(day).toISOString().slice(0, 10), base + bars.length));
  }
  return bars;
};

const failure = async (promise: Promise<unknown>): Promise<AlpacaDataError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AlpacaDataError);
    return error as AlpacaDataError;
  }
  throw new Error('the read succeeded');
};

beforeEach(async () => {
  clock = START;
  sleeps = [];
  fake = await FakeAlpaca.start({ now: () => clock, keyId: KEY_ID, secretKey: SECRET });
});

afterEach(async () => {
  await fake.close();
});

describe('alpaca daily bars', () => {
  it('asks for every symbol’s raw daily bars in one request, and reads each volume as whole shares', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-19', 51_861_083), dailyBar('2026-11-20', 48_000_000)]);
    fake.bars.set('SPY', [dailyBar('2026-11-20', 60_000_001)]);
    const bars = await source().dailyBars(['AAPL', 'MSFT', 'SPY'], RANGE);
    expect(bars).toEqual({
      AAPL: [
        { at: '2026-11-19T05:00:00.000Z', volume: '51861083' },
        { at: '2026-11-20T05:00:00.000Z', volume: '48000000' },
      ],
      SPY: [{ at: '2026-11-20T05:00:00.000Z', volume: '60000001' }],
    });
    const requests = fake.requestsTo(ROUTE);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.query).toEqual({
      symbols: 'AAPL,MSFT,SPY',
      timeframe: '1Day',
      start: RANGE.start,
      end: RANGE.end,
      limit: '10000',
      adjustment: 'raw',
      feed: 'iex',
    });
  });

  it('follows next_page_token until Alpaca has no more, each symbol’s bars in order', async () => {
    fake.bars.maxPageSize = 7;
    fake.bars.set('AAPL', weekdays(1_000));
    fake.bars.set('MSFT', weekdays(2_000));
    const bars = await source().dailyBars(['MSFT', 'AAPL'], RANGE);
    expect(bars.AAPL?.map((bar) => bar.volume)).toEqual(weekdays(1_000).map((bar) => String(bar.v)));
    expect(bars.MSFT?.map((bar) => bar.volume)).toEqual(weekdays(2_000).map((bar) => String(bar.v)));
    const requests = fake.requestsTo(ROUTE);
    expect(requests).toHaveLength(Math.ceil(60 / 7));
    expect(requests[0]?.query.page_token).toBeUndefined();
    expect(requests.slice(1).every((request) => request.query.page_token !== undefined && request.query.symbols === 'MSFT,AAPL')).toBe(true);
  });

  it('asks SIP for nothing newer than 16 minutes ago, the most recent a key without a SIP subscription may read', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-20', 51_000_000)]);
    clock = Date.parse('2026-11-23T05:05:00.000Z');
    const bars = await source({ feed: 'sip' }).dailyBars(['AAPL'], RANGE);
    expect(bars.AAPL).toHaveLength(1);
    expect(fake.requestsTo(ROUTE)[0]?.query).toMatchObject({ feed: 'sip', end: '2026-11-23T04:49:00.000Z' });
  });

  it('waits as Retry-After says after a 429, then reads the bars', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-20', 51_000_000)]);
    fake.inject(ROUTE, { kind: 'status', status: 429, retryAfter: '3' });
    const bars = await source().dailyBars(['AAPL'], RANGE);
    expect(bars.AAPL).toHaveLength(1);
    expect(fake.requestsTo(ROUTE)).toHaveLength(2);
    expect(sleeps).toContain(3_000);
  });

  it('without Retry-After, waits until X-RateLimit-Reset before asking again', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-20', 51_000_000)]);
    fake.inject(ROUTE, { kind: 'status', status: 429, reset: START / 1000 + 20 });
    await source().dailyBars(['AAPL'], RANGE);
    const [first, second] = fake.requestsTo(ROUTE);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(20_000);
  });

  it('gives up after its retries, with an error naming the status', async () => {
    fake.inject(ROUTE, ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = await failure(source().dailyBars(['AAPL'], RANGE));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/failed on the server \(HTTP 503/);
    expect(fake.requestsTo(ROUTE)).toHaveLength(4);
  });

  it('retries a lost connection and a timeout', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-20', 51_000_000)]);
    fake.inject(ROUTE, { kind: 'destroy' }, { kind: 'delay', ms: 300 });
    const bars = await source({ timeoutMs: 100 }).dailyBars(['AAPL'], RANGE);
    expect(bars.AAPL).toHaveLength(1);
    expect(fake.requestsTo(ROUTE)).toHaveLength(3);
  });

  it('does not retry a refusal, and says what Alpaca said', async () => {
    fake.inject(ROUTE, { kind: 'status', status: 403, body: { message: 'subscription does not permit querying recent SIP data' } });
    const error = await failure(source().dailyBars(['AAPL'], RANGE));
    expect(error.message).toMatch(/refused \(HTTP 403: subscription does not permit querying recent SIP data\)/);
    expect(fake.requestsTo(ROUTE)).toHaveLength(1);
  });

  it('refuses a bar whose volume is not a non-negative whole number, naming the symbol, bar and field', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-19', 1_000)]);
    fake.bars.set('MSFT', [dailyBar('2026-11-19', 1_000), dailyBar('2026-11-20', 12.5)]);
    const error = await failure(source().dailyBars(['AAPL', 'MSFT'], RANGE));
    expect(error.message).toMatch(/bars\.MSFT\[1\]\.v: must be a non-negative whole number of shares \(got 12\.5\)/);
  });

  it('refuses a negative volume, a volume sent as text and one beyond what a JSON number holds exactly', async () => {
    for (const volume of [-1, '1000', 2 ** 53]) {
      fake.bars.set('AAPL', [dailyBar('2026-11-20', volume)]);
      const error = await failure(source().dailyBars(['AAPL'], RANGE));
      expect(error.message).toMatch(/bars\.AAPL\[0\]\.v: must be a non-negative whole number of shares/);
    }
  });

  it('refuses a bar whose time cannot be read, naming the symbol, bar and field', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-19', 1_000), dailyBar('2026-11-20', 1_000, { t: 'Friday' })]);
    const error = await failure(source().dailyBars(['AAPL'], RANGE));
    expect(error.message).toMatch(/bars\.AAPL\[1\]\.t: must be an RFC-3339 time .*\(got "Friday"\)/);
  });

  it('refuses bars out of time order, within a page and across pages', async () => {
    fake.bars.set('AAPL', [dailyBar('2026-11-20', 1_000), dailyBar('2026-11-19', 1_000)]);
    expect((await failure(source().dailyBars(['AAPL'], RANGE))).message).toMatch(/bars\.AAPL\[1\]\.t: must be later than the bar before it/);
    fake.bars.maxPageSize = 1;
    expect((await failure(source().dailyBars(['AAPL'], RANGE))).message).toMatch(/bars\.AAPL\[0\]\.t: must be later than the previous page's last bar/);
  });

  it('refuses a page that is not bars, and a page token handed out twice', async () => {
    fake.inject(ROUTE, { kind: 'status', status: 200, body: { bars: [1, 2] } });
    expect((await failure(source().dailyBars(['AAPL'], RANGE))).message).toMatch(/bars page\.bars/);
    const page = { kind: 'status' as const, status: 200, body: { bars: {}, next_page_token: 'QUFQTHxEfDE=' } };
    fake.inject(ROUTE, page, page);
    expect((await failure(source().dailyBars(['AAPL'], RANGE))).message).toMatch(/handed out a page token it had handed out before/);
  });

  it('reads an answer with no bars at all as no bars', async () => {
    fake.inject(ROUTE, { kind: 'status', status: 200, body: { bars: null, next_page_token: null } });
    await expect(source().dailyBars(['AAPL'], RANGE)).resolves.toEqual({});
    await expect(source().dailyBars([], RANGE)).resolves.toEqual({});
  });

  it('asks for no crypto pair: the stock bars have none, so a pair gets no bars', async () => {
    await expect(source().dailyBars(['ETH/USD'], RANGE)).resolves.toEqual({});
    expect(fake.requestsTo(ROUTE)).toHaveLength(0);
    fake.bars.set('AAPL', [dailyBar('2026-11-20', 51_000_000)]);
    await expect(source().dailyBars(['ETH/USD', 'AAPL'], RANGE)).resolves.toEqual({ AAPL: [{ at: '2026-11-20T05:00:00.000Z', volume: '51000000' }] });
    expect(fake.requestsTo(ROUTE)[0]?.query.symbols).toBe('AAPL');
  });

  it('never shows the key in an error, even when the answer quotes it', async () => {
    fake.inject(ROUTE, { kind: 'status', status: 400, body: { message: `bad key ${KEY_ID} / ${SECRET}` } });
    const refused = await failure(source().dailyBars(['AAPL'], RANGE));
    const wrongKey = await failure(new AlpacaDailyBars({ baseUrl: fake.restUrl, credentials: alpacaCredentials(KEY_ID, `${SECRET}x`), feed: 'iex', sleep, now: () => clock }).dailyBars(['AAPL'], RANGE));
    for (const error of [refused, wrongKey]) {
      const printed = `${error.message} ${inspect(error, { depth: 6 })}`;
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(KEY_ID);
    }
    expect(wrongKey.status).toBe(403);
  });

  it('refuses a plain-http URL other than localhost', () => {
    expect(() => source({ baseUrl: 'http://data.example.com' })).toThrow(/must be https/);
  });
});
