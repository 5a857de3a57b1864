// Daily volumes from Alpaca's Market Data API v2 historical bars (GET /v2/stocks/bars, timeframe 1Day, raw),
// every symbol in one request, following next_page_token until Alpaca has no more. Invariants: requests are paced
// and 429s honoured as the broker adapter does (its rate limiter and Retry-After / X-RateLimit-Reset reading),
// with a bounded number of retries; the key goes into request headers only, never into an error, a cause or a
// redirect; a malformed page fails the whole read, naming the symbol, bar, field and rule. Crypto pairs
// (BASE/QUOTE) are not stocks: they are not asked for and get no bars.
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import type { DailyBar, DailyVolumeSource } from '../../../shared/ports/daily-volume-source';
import { quotaSignal, RequestRateLimiter } from '../../broker/alpaca/alpaca-rate-limit';
import { AlpacaErrorSchema } from '../../broker/alpaca/alpaca-wire';
import { causeWithoutCredentials, redactCredentials, type AlpacaCredentials } from '../../broker/alpaca/credentials';
import { readBarsPage } from './alpaca-bars-wire';

export const ALPACA_DATA_URL = 'https://data.alpaca.markets';
/** Alpaca's most bars per page; the limit counts bars of all symbols together. */
const PAGE_LIMIT = 10_000;
/** Without a subscription for it, SIP data of the last 15 minutes is refused: the range ends before them. */
const SIP_DELAY_MS = 16 * 60_000;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface AlpacaDailyBarsOptions {
  credentials: AlpacaCredentials;
  /** `sip`: every US venue's volume (the consolidated tape); `iex`: the IEX exchange's alone. */
  feed: 'iex' | 'sip';
  /** Default ALPACA_DATA_URL (plain http is accepted for localhost only). */
  baseUrl?: string;
  /** Per adapter instance; default 60 (a refresh needs one or two). */
  requestsPerMinute?: number;
  /** Per attempt, reading the body included; default 10000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, timeouts and connection errors; default 3. */
  maxRetries?: number;
  /** Full-jitter exponential backoff: attempt n waits random() × min(cap, base × 2^n); defaults 250 and 8000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A retry that would wait longer than this (a long Retry-After or reset) is not made; default 30000. */
  maxRetryDelayMs?: number;
  /** Pages followed at most before the read is refused (a provider handing out tokens forever); default 100. */
  maxPages?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
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

type Attempt = { ok: true; json: unknown } | { ok: false; error: AlpacaDataError; retryable: boolean; retryAfterMs?: number };

export class AlpacaDailyBars implements DailyVolumeSource {
  private readonly baseUrl: string;
  private readonly credentials: AlpacaCredentials;
  private readonly feed: 'iex' | 'sip';
  private readonly limiter: RequestRateLimiter;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly maxPages: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: AlpacaDailyBarsOptions) {
    const url = new URL(options.baseUrl ?? ALPACA_DATA_URL);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
      throw new TypeError(`Alpaca data URL must be https (plain http only for localhost): ${url.origin}`);
    }
    this.baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.feed = options.feed;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffCapMs = options.backoffCapMs ?? 8000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.maxPages = options.maxPages ?? 100;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.limiter = new RequestRateLimiter(options.requestsPerMinute ?? 60, this.maxRetryDelayMs, this.now, this.sleep);
  }

  async dailyBars(symbols: readonly string[], range: { start: string; end: string }): Promise<Record<string, DailyBar[]>> {
    const stocks = symbols.filter((symbol) => !symbol.includes('/'));
    if (stocks.length === 0) return {};
    const end = this.feed === 'sip' ? new Date(Math.min(Date.parse(range.end), this.now() - SIP_DELAY_MS)).toISOString() : range.end;
    const query: Record<string, string> = { symbols: stocks.join(','), timeframe: '1Day', start: range.start, end, limit: String(PAGE_LIMIT), adjustment: 'raw', feed: this.feed };
    const bars: Record<string, DailyBar[]> = {};
    const tokens = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 1; ; page++) {
      const path = this.path({ ...query, ...(pageToken !== undefined ? { page_token: pageToken } : {}) });
      const json = await this.get(path);
      let read: ReturnType<typeof readBarsPage>;
      try {
        read = readBarsPage(json, stocks);
        for (const [symbol, more] of Object.entries(read.bars)) append(bars, symbol, more);
      } catch (error) {
        throw new AlpacaDataError(this.redact(`Alpaca GET ${path} answered bars that cannot be used: ${errorText(error)}`), 200, { cause: this.safeCause(error) });
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

  /** One GET with retries for 429, 5xx, timeouts and lost connections; throws the last failure. */
  private async get(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(path);
      if (result.ok) return result.json;
      if (!result.retryable || attempt >= this.maxRetries) throw result.error;
      const backoff = this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** attempt);
      const delay = Math.max(backoff, result.retryAfterMs ?? 0);
      if (delay > this.maxRetryDelayMs) throw result.error;
      await this.sleep(delay);
    }
  }

  private async attempt(path: string): Promise<Attempt> {
    await this.limiter.take();
    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method: 'GET',
        headers: { 'APCA-API-KEY-ID': this.credentials.keyId, 'APCA-API-SECRET-KEY': this.credentials.secretKey, accept: 'application/json' },
        signal,
        // A redirect would carry the APCA headers to wherever it points; Alpaca's API never redirects.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      const timedOut = signal.aborted || (error instanceof Error && error.name === 'TimeoutError');
      const message = timedOut ? `Alpaca GET ${path} timed out after ${this.timeoutMs} ms` : `Alpaca GET ${path} failed without a response (${errorText(error)})`;
      return { ok: false, retryable: true, error: new AlpacaDataError(this.redact(message), undefined, { cause: this.safeCause(error) }) };
    }
    const status = response.status;
    const quota = quotaSignal(response.headers, status, this.now());
    if (quota.exhaustedUntil !== undefined) this.limiter.holdUntil(quota.exhaustedUntil);
    if (status >= 200 && status < 300) {
      try {
        return { ok: true, json: JSON.parse(text) };
      } catch (error) {
        return { ok: false, retryable: false, error: new AlpacaDataError(this.redact(`Alpaca GET ${path} answered ${status} with a body that is not JSON`), status, { cause: this.safeCause(error, text) }) };
      }
    }
    const why = this.redact(this.messageOf(text));
    if (status === 429 || status >= 500) {
      const what = status === 429 ? 'was rate limited' : 'failed on the server';
      return { ok: false, retryable: true, retryAfterMs: quota.retryAfterMs, error: new AlpacaDataError(`Alpaca GET ${path} ${what} (HTTP ${status}: ${why})`, status) };
    }
    const what = status >= 300 && status < 400 ? 'answered with a redirect, not followed' : 'refused';
    return { ok: false, retryable: false, error: new AlpacaDataError(`Alpaca GET ${path} ${what} (HTTP ${status}: ${why})`, status) };
  }

  private path(query: Record<string, string>): string {
    return `/v2/stocks/bars?${new URLSearchParams(query).toString()}`;
  }

  /** Alpaca's `{"message": …}` (with a `code` on some answers), or the start of whatever came instead. */
  private messageOf(text: string): string {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = AlpacaErrorSchema.safeParse(json);
    if (parsed.success) return parsed.data.code === undefined ? parsed.data.message : `code ${parsed.data.code}: ${parsed.data.message}`;
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return snippet === '' ? 'no body' : snippet;
  }

  private redact(text: string): string {
    return redactCredentials(text, this.credentials);
  }

  private safeCause(error: unknown, source?: string): unknown {
    return causeWithoutCredentials(error, this.credentials, source);
  }
}

const errorText = (error: unknown): string => {
  if (error instanceof InvalidInputError) return error.issues.map((issue) => `${issue.path}: ${issue.rule}`).join('; ');
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const inner = cause && typeof cause === 'object' ? (typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : '') : '';
  return inner ? `${error.message}: ${inner}` : error.message;
};

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
