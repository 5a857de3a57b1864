// The fake Alpaca's historical bars (Market Data API v2, GET /v2/stocks/bars), served on the fake's REST port:
// daily bars a test sets per symbol, answered as Alpaca documents them (sorted by symbol, then time; `start` and
// `end` inclusive; `limit` counting bars of all symbols; a base64 next_page_token while more remain), with SIP
// data of the last 15 minutes refused as it is without a paid subscription. Bars are stored as written, so a
// test can set a malformed one (a fractional volume, an unreadable time) and see the client refuse it.
import { alpacaError } from './fake-alpaca-wire';

/** A bar as Alpaca writes it; `t` and `v` untyped so a test can break them. */
export interface WireBar {
  t: unknown;
  o?: number;
  h?: number;
  l?: number;
  c?: number;
  v: unknown;
  n?: number;
  vw?: number;
}

interface Answer {
  status: number;
  body?: unknown;
}

const SIP_DELAY_MS = 15 * 60_000;
const TIMEFRAMES = new Set(['1Day', '1D']);

/** A daily bar stamped at midnight New York time (05:00Z in winter), as Alpaca stamps daily bars. */
export const dailyBar = (date: string, volume: unknown, over: Partial<WireBar> = {}): WireBar => ({
  t: `${date}T05:00:00Z`,
  o: 190.1,
  h: 192.4,
  l: 189.7,
  c: 191.9,
  v: volume,
  n: 543_210,
  vw: 191.2,
  ...over,
});

const timeOf = (value: string | null): number | undefined => {
  if (value === null) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(ms) ? Number.NaN : ms;
};

export class FakeAlpacaBars {
  private readonly bySymbol = new Map<string, WireBar[]>();
  /** Alpaca may answer fewer bars than `limit` asks for; a test lowers this to make it page. */
  maxPageSize = 10_000;

  /** Replaces the symbol's bars (kept in the order given; Alpaca's are ascending). */
  set(symbol: string, bars: readonly WireBar[]): void {
    this.bySymbol.set(symbol, [...bars]);
  }

  answer(query: URLSearchParams, nowMs: number): Answer {
    const invalid = (message: string): Answer => ({ status: 400, body: alpacaError(40010001, message) });
    const symbols = (query.get('symbols') ?? '').split(',').filter((s) => s !== '');
    if (symbols.length === 0) return invalid('symbols is required');
    if (!TIMEFRAMES.has(query.get('timeframe') ?? '')) return invalid('this fake serves daily bars only (timeframe=1Day)');
    const feed = query.get('feed') ?? 'sip';
    if (feed !== 'iex' && feed !== 'sip') return invalid(`invalid feed: ${feed}`);
    const start = timeOf(query.get('start'));
    const end = timeOf(query.get('end')) ?? nowMs;
    if (Number.isNaN(start) || Number.isNaN(end)) return invalid('invalid start or end');
    if (feed === 'sip' && end > nowMs - SIP_DELAY_MS) return { status: 403, body: { message: 'subscription does not permit querying recent SIP data' } };
    const limit = Number(query.get('limit') ?? '1000');
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return invalid('invalid limit');
    const all = [...new Set(symbols)]
      .sort()
      .flatMap((symbol) =>
        (this.bySymbol.get(symbol) ?? [])
          .filter((bar) => {
            const at = typeof bar.t === 'string' ? Date.parse(bar.t) : Number.NaN;
            // A bar whose time cannot be read is served anyway: the client must refuse it.
            return Number.isNaN(at) || ((start === undefined || at >= start) && at <= end);
          })
          .map((bar, index) => ({ symbol, bar, key: `${symbol}|D|${index}` })),
      );
    const token = query.get('page_token');
    const from = token ? all.findIndex((entry) => entry.key === Buffer.from(token, 'base64').toString('utf8')) + 1 : 0;
    if (token && from === 0) return invalid('invalid page token');
    const page = all.slice(from, from + Math.min(limit, this.maxPageSize));
    const bars: Record<string, WireBar[]> = {};
    for (const { symbol, bar } of page) (bars[symbol] ??= []).push(bar);
    const last = page.at(-1);
    const more = last !== undefined && from + page.length < all.length;
    return { status: 200, body: { bars, next_page_token: more ? Buffer.from(last.key, 'utf8').toString('base64') : null } };
  }
}
