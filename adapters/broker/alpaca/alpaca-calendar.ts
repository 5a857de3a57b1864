// The trading calendar from Alpaca's Trading API v2 (GET /v2/calendar?start&end): one entry per trading day,
// early closes included, New York local times. Invariants: requests are paced and 429s honoured as the broker
// and bars adapters do (the shared rate limiter, Retry-After / X-RateLimit-Reset), retries bounded; the key goes
// into request headers only, never into an error or a redirect; a malformed entry fails the read, naming its
// index, date, field and rule.
import { BrokerTradingDaySchema, type BrokerTradingDay, type CalendarRange } from '../../../shared/calendar/broker-calendar';
import { InfrastructureError, InvalidInputError } from '../../../shared/errors/errors';
import { issuesOf } from '../../../shared/errors/zod-issues';
import type { TradingCalendarSource } from '../../../shared/ports/trading-calendar-source';
import { quotaSignal, RequestRateLimiter } from './alpaca-rate-limit';
import { AlpacaErrorSchema } from './alpaca-wire';
import { causeWithoutCredentials, redactCredentials, type AlpacaCredentials } from './credentials';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface AlpacaCalendarOptions {
  /** The Trading API's base, ALPACA_PAPER_URL or ALPACA_LIVE_URL (plain http is accepted for localhost only). */
  baseUrl: string;
  credentials: AlpacaCredentials;
  /** Per adapter instance; default 30 (a refresh needs one). */
  requestsPerMinute?: number;
  /** Per attempt, reading the body included; default 10000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, timeouts and connection errors; default 3. */
  maxRetries?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A retry that would wait longer than this is not made; default 30000. */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Alpaca's calendar could not be read, or answered something that is not a calendar; `status` when it answered. */
export class AlpacaCalendarError extends InfrastructureError {
  override readonly name = 'AlpacaCalendarError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, 'alpaca-calendar', options);
  }
}

/** The entries as trading days, or an InvalidInputError naming each entry's index, date, field and rule. */
export const readCalendar = (json: unknown): BrokerTradingDay[] => {
  if (!Array.isArray(json)) throw new InvalidInputError([{ path: 'calendar', rule: 'must be an array of trading days' }]);
  const issues: { path: string; rule: string }[] = [];
  const days: BrokerTradingDay[] = [];
  json.forEach((entry: unknown, index) => {
    const fields = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined;
    const date = typeof fields?.date === 'string' ? fields.date : 'no date';
    // Alpaca's other fields (session_open, session_close, settlement_date) are not the calendar model's.
    const parsed = BrokerTradingDaySchema.safeParse(fields ? { date: fields.date, open: fields.open, close: fields.close } : entry);
    if (parsed.success) days.push(parsed.data);
    else issues.push(...issuesOf(parsed.error, `calendar[${index}] (${date})`));
  });
  if (issues.length > 0) throw new InvalidInputError(issues);
  return days;
};

type Attempt = { ok: true; json: unknown } | { ok: false; error: AlpacaCalendarError; retryable: boolean; retryAfterMs?: number };

const errorText = (error: unknown): string => {
  if (error instanceof InvalidInputError) return error.issues.map((issue) => `${issue.path}: ${issue.rule}`).join('; ');
  return error instanceof Error ? error.message : String(error);
};

export class AlpacaCalendar implements TradingCalendarSource {
  private readonly baseUrl: string;
  private readonly credentials: AlpacaCredentials;
  private readonly limiter: RequestRateLimiter;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: AlpacaCalendarOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
      throw new TypeError(`Alpaca baseUrl must be https (plain http only for localhost): ${url.origin}`);
    }
    this.baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffCapMs = options.backoffCapMs ?? 8000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.limiter = new RequestRateLimiter(options.requestsPerMinute ?? 30, this.maxRetryDelayMs, this.now, this.sleep);
  }

  async tradingDays(range: CalendarRange): Promise<BrokerTradingDay[]> {
    const path = `/v2/calendar?${new URLSearchParams({ start: range.start, end: range.end }).toString()}`;
    const json = await this.get(path);
    try {
      return readCalendar(json);
    } catch (error) {
      throw new AlpacaCalendarError(this.redact(`Alpaca GET ${path} answered a calendar that cannot be used: ${errorText(error)}`), 200, { cause: causeWithoutCredentials(error, this.credentials) });
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
      return { ok: false, retryable: true, error: new AlpacaCalendarError(this.redact(message), undefined, { cause: causeWithoutCredentials(error, this.credentials) }) };
    }
    const status = response.status;
    const quota = quotaSignal(response.headers, status, this.now());
    if (quota.exhaustedUntil !== undefined) this.limiter.holdUntil(quota.exhaustedUntil);
    if (status >= 200 && status < 300) {
      try {
        return { ok: true, json: JSON.parse(text) };
      } catch (error) {
        const cause = causeWithoutCredentials(error, this.credentials, text);
        return { ok: false, retryable: false, error: new AlpacaCalendarError(`Alpaca GET ${path} answered ${status} with a body that is not JSON`, status, { cause }) };
      }
    }
    const why = this.redact(messageOf(text));
    if (status === 429 || status >= 500) {
      const what = status === 429 ? 'was rate limited' : 'failed on the server';
      return { ok: false, retryable: true, retryAfterMs: quota.retryAfterMs, error: new AlpacaCalendarError(`Alpaca GET ${path} ${what} (HTTP ${status}: ${why})`, status) };
    }
    const what = status >= 300 && status < 400 ? 'answered with a redirect, not followed' : 'refused';
    return { ok: false, retryable: false, error: new AlpacaCalendarError(`Alpaca GET ${path} ${what} (HTTP ${status}: ${why})`, status) };
  }

  private redact(text: string): string {
    return redactCredentials(text, this.credentials);
  }
}

/** Alpaca's `{"message": …}` (with a `code` on some answers), or the start of whatever came instead. */
const messageOf = (text: string): string => {
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
};
