// Daily volumes from Alpaca's Market Data API v2 historical bars (GET /v2/stocks/bars, timeframe 1Day, raw),
// every symbol in one request, following next_page_token until Alpaca has no more. Invariants: each page is one
// paced, retried GET that keeps the key out of errors (`AlpacaJsonGet`, shared with the calendar); a malformed
// page fails the whole read, naming the symbol, bar, field and rule. Crypto pairs
// (BASE/QUOTE) are not stocks: they are not asked for and get no bars.
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import type { DailyBar, DailyVolumeSource } from '../../../shared/ports/daily-volume-source';
import { AlpacaJsonGet, errorText, type AlpacaJsonGetOptions } from '../../broker/alpaca/alpaca-json-get';
import { readBarsPage } from './alpaca-bars-wire';

export const ALPACA_DATA_URL = 'https://data.alpaca.markets';
/** Alpaca's most bars per page; the limit counts bars of all symbols together. */
const PAGE_LIMIT = 10_000;
/** Without a subscription for it, SIP data of the last 15 minutes is refused: the range ends before them. */
const SIP_DELAY_MS = 16 * 60_000;

export interface AlpacaDailyBarsOptions extends Omit<AlpacaJsonGetOptions, 'baseUrl' | 'requestsPerMinute'> {
  /** `sip`: every US venue's volume (the consolidated tape); `iex`: the IEX exchange's alone. */
  feed: 'iex' | 'sip';
  /** Default ALPACA_DATA_URL (plain http is accepted for localhost only). */
  baseUrl?: string;
  /** Per adapter instance; default 60 (a refresh needs one or two). */
  requestsPerMinute?: number;
  /** Pages followed at most before the read is refused (a provider handing out tokens forever); default 100. */
  maxPages?: number;
}

/** Alpaca's data API could not be read, or answered something that is not bars; `status` when it answered. */
export class AlpacaDataError extends InfrastructureError {
  override readonly name = 'AlpacaDataError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'alpaca-data', options);
  }
}

export class AlpacaDailyBars implements DailyVolumeSource {
  private readonly http: AlpacaJsonGet;
  private readonly feed: 'iex' | 'sip';
  private readonly maxPages: number;

  constructor(options: AlpacaDailyBarsOptions) {
    this.http = new AlpacaJsonGet(
      { ...options, baseUrl: options.baseUrl ?? ALPACA_DATA_URL, requestsPerMinute: options.requestsPerMinute ?? 60 },
      (message, status, cause) => new AlpacaDataError(message, status, cause),
      'Alpaca data URL',
    );
    this.feed = options.feed;
    this.maxPages = options.maxPages ?? 100;
  }

  async dailyBars(symbols: readonly string[], range: { start: string; end: string }): Promise<Record<string, DailyBar[]>> {
    const stocks = symbols.filter((symbol) => !symbol.includes('/'));
    if (stocks.length === 0) return {};
    const end = this.feed === 'sip' ? new Date(Math.min(Date.parse(range.end), this.http.now() - SIP_DELAY_MS)).toISOString() : range.end;
    const query: Record<string, string> = { symbols: stocks.join(','), timeframe: '1Day', start: range.start, end, limit: String(PAGE_LIMIT), adjustment: 'raw', feed: this.feed };
    const bars: Record<string, DailyBar[]> = {};
    const tokens = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const path = this.path({ ...query, ...(pageToken !== undefined ? { page_token: pageToken } : {}) });
      const json = await this.http.get(path);
      let read: ReturnType<typeof readBarsPage>;
      try {
        read = readBarsPage(json, stocks);
        for (const [symbol, more] of Object.entries(read.bars)) append(bars, symbol, more);
      } catch (error) {
        throw new AlpacaDataError(this.http.redact(`Alpaca GET ${path} answered bars that cannot be used: ${errorText(error)}`), 200, { cause: this.http.safeCause(error) });
      }
      pageToken = read.nextPageToken;
      if (pageToken === undefined) return bars;
      if (tokens.has(pageToken) || page >= this.maxPages) {
        const why = tokens.has(pageToken) ? 'handed out a page token it had handed out before' : `still had more after ${page} pages`;
        throw new AlpacaDataError(`Alpaca GET /v2/stocks/bars ${why}; cannot page further`);
      }
      tokens.add(pageToken);
    }
  }

  private path(query: Record<string, string>): string {
    return `/v2/stocks/bars?${new URLSearchParams(query).toString()}`;
  }

}

/** A symbol's bars continue on the next page: the first there must still come after the last here. */
const append = (bars: Record<string, DailyBar[]>, symbol: string, more: readonly DailyBar[]): void => {
  const list = (bars[symbol] ??= []);
  const last = list.at(-1);
  const first = more[0];
  if (last && first && first.at <= last.at) {
    throw new InvalidInputError([{ path: `bars.${symbol}[0].t`, rule: `must be later than the previous page's last bar (${last.at}): bars come in ascending time` }]);
  }
  list.push(...more);
};
