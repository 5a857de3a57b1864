// The market calendar from Alpaca's Trading API v2, against the fake Alpaca's /v2/calendar: the documented query
// with the key headers, entries read as trading days, 429s waited out as Alpaca says, retries bounded, malformed
// entries refused by index, date and field, and the key never in an error.
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlpacaCalendar, AlpacaCalendarError, type AlpacaCalendarOptions } from '../../../../adapters/broker/alpaca/alpaca-calendar';
import { alpacaCredentials } from '../../../../adapters/broker/alpaca/credentials';
import { calendarDay, FakeAlpaca } from '../../../support/fake-alpaca';

const START = Date.parse('2026-12-03T15:00:00.000Z');
const SECRET = 'sk-do-not-leak-7f3a9c2e1b5d4e6f8a0b';
const KEY_ID = 'PKLEAKCHECK0000000042';
const RANGE = { start: '2026-12-21', end: '2026-12-31' };
const ROUTE = 'GET /v2/calendar';

let fake: FakeAlpaca;
let clock: number;
let sleeps: number[];

const sleep = async (ms: number): Promise<void> => {
  sleeps.push(ms);
  clock += ms;
};

const source = (over: Partial<AlpacaCalendarOptions> = {}): AlpacaCalendar =>
  new AlpacaCalendar({ baseUrl: fake.restUrl, credentials: alpacaCredentials(KEY_ID, SECRET), sleep, random: () => 0.5, now: () => clock, ...over });

const failure = async (promise: Promise<unknown>): Promise<AlpacaCalendarError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AlpacaCalendarError);
    return error as AlpacaCalendarError;
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

describe('alpaca market calendar', () => {
  it('asks for the range with the key headers and reads each entry’s date, open and close', async () => {
    fake.calendar.set([calendarDay('2026-12-23'), calendarDay('2026-12-24', '13:00'), calendarDay('2026-12-28'), calendarDay('2027-01-04')]);
    await expect(source().tradingDays(RANGE)).resolves.toEqual([
      { date: '2026-12-23', open: '09:30', close: '16:00' },
      { date: '2026-12-24', open: '09:30', close: '13:00' },
      { date: '2026-12-28', open: '09:30', close: '16:00' },
    ]);
    expect(fake.requestsTo(ROUTE)[0]?.query).toEqual({ start: '2026-12-21', end: '2026-12-31' });
  });

  it('refuses a malformed entry, naming its index, date, field and rule', async () => {
    fake.calendar.set([calendarDay('2026-12-23'), calendarDay('2026-12-24', '1pm'), { date: '2026-12-28', open: '09:30' }]);
    const error = await failure(source().tradingDays(RANGE));
    expect(error.message).toContain('calendar[1] (2026-12-24).close: must be a 24-hour HH:MM time');
    expect(error.message).toContain('calendar[2] (2026-12-28).close');
  });

  it('refuses an entry whose date is not a real date, and an answer that is not a list', async () => {
    fake.calendar.set([calendarDay('2026-02-30')]);
    expect((await failure(source().tradingDays({ start: '2026-02-01', end: '2026-03-31' }))).message).toContain('calendar[0] (2026-02-30).date: must be a real calendar date');
    fake.inject(ROUTE, { kind: 'status', status: 200, body: { days: [] } });
    expect((await failure(source().tradingDays(RANGE))).message).toContain('calendar: must be an array of trading days');
  });

  it('waits as Retry-After says after a 429, then reads the calendar', async () => {
    fake.calendar.set([calendarDay('2026-12-23')]);
    fake.inject(ROUTE, { kind: 'status', status: 429, retryAfter: '3' });
    await expect(source().tradingDays(RANGE)).resolves.toHaveLength(1);
    expect(fake.requestsTo(ROUTE)).toHaveLength(2);
    expect(sleeps).toContain(3_000);
  });

  it('without Retry-After, waits until X-RateLimit-Reset before asking again', async () => {
    fake.calendar.set([calendarDay('2026-12-23')]);
    fake.inject(ROUTE, { kind: 'status', status: 429, reset: START / 1000 + 20 });
    await source().tradingDays(RANGE);
    const [first, second] = fake.requestsTo(ROUTE);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(20_000);
  });

  it('gives up after its retries, with an error naming the status', async () => {
    fake.inject(ROUTE, ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = await failure(source().tradingDays(RANGE));
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/failed on the server \(HTTP 503/);
    expect(fake.requestsTo(ROUTE)).toHaveLength(4);
  });

  it('serves the built-in XNYS sessions until a test sets days (the fake’s default)', async () => {
    const days = await source().tradingDays(RANGE);
    expect(days.map((d) => d.date)).toEqual(['2026-12-21', '2026-12-22', '2026-12-23', '2026-12-24', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31']);
    expect(days.find((d) => d.date === '2026-12-24')?.close).toBe('13:00');
  });

  it('never shows the key in an error, even when the answer quotes it', async () => {
    fake.inject(ROUTE, { kind: 'status', status: 400, body: { message: `bad key ${KEY_ID} / ${SECRET}` } });
    const refused = await failure(source().tradingDays(RANGE));
    const wrongKey = await failure(new AlpacaCalendar({ baseUrl: fake.restUrl, credentials: alpacaCredentials(KEY_ID, `${SECRET}x`), sleep, now: () => clock }).tradingDays(RANGE));
    for (const error of [refused, wrongKey]) {
      const printed = `${error.message} ${inspect(error, { depth: 6 })}`;
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(KEY_ID);
    }
    expect(wrongKey.status).toBe(403);
  });

  it('refuses a plain-http URL other than localhost', () => {
    expect(() => source({ baseUrl: 'http://api.example.com' })).toThrow(/must be https/);
  });
});
