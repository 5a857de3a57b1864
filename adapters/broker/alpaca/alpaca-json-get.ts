// One JSON GET against an Alpaca REST API, as the read-only adapters (daily bars, the calendar) make it: paced
// by the shared rate limiter, 429s honoured through Retry-After / X-RateLimit-Reset, 429, 5xx, timeouts and lost
// connections retried with full-jitter backoff a bounded number of times. Invariants: the key goes into request
// headers only, never into an error, a cause or a redirect; every failure is the caller's own error class.
import { InvalidInputError } from '../../../shared/errors/errors';
import { quotaSignal, RequestRateLimiter } from './alpaca-rate-limit';
import { AlpacaErrorSchema } from './alpaca-wire';
import { causeWithoutCredentials, redactCredentials, type AlpacaCredentials } from './credentials';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface AlpacaJsonGetOptions {
  /** The API's base (plain http is accepted for localhost only). */
  baseUrl: string;
  credentials: AlpacaCredentials;
  requestsPerMinute: number;
  /** Per attempt, reading the body included; default 10000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, timeouts and connection errors; default 3. */
  maxRetries?: number;
  /** Full-jitter exponential backoff: attempt n waits random() × min(cap, base × 2^n); defaults 250 and 8000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A retry that would wait longer than this (a long Retry-After or reset) is not made; default 30000. */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** The caller's error class: built with the message, the HTTP status when Alpaca answered, and a safe cause. */
export type AlpacaErrorOf = (message: string, status?: number, options?: { cause?: unknown }) => Error;

type Attempt = { ok: true; json: unknown } | { ok: false; error: Error; retryable: boolean; retryAfterMs?: number };

/** An error's message for a log or another error: a validation's issues, or the message and its cause's code. */
export const errorText = (error: unknown): string => {
  if (error instanceof InvalidInputError) return error.issues.map((issue) => `${issue.path}: ${issue.rule}`).join('; ');
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const inner = cause && typeof cause === 'object' ? (typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : '') : '';
  return inner ? `${error.message}: ${inner}` : error.message;
};

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

export class AlpacaJsonGet {
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
  readonly now: () => number;

  /** `what` names the API in the refusal of a non-https base ("Alpaca data URL", "Alpaca baseUrl"). */
  constructor(
    options: AlpacaJsonGetOptions,
    private readonly errorOf: AlpacaErrorOf,
    what: string,
  ) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
      throw new TypeError(`${what} must be https (plain http only for localhost): ${url.origin}`);
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
    this.limiter = new RequestRateLimiter(options.requestsPerMinute, this.maxRetryDelayMs, this.now, this.sleep);
  }

  /** One GET of `path` (with its query) with retries for 429, 5xx, timeouts and lost connections; throws the last failure. */
  async get(path: string): Promise<unknown> {
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

  redact(text: string): string {
    return redactCredentials(text, this.credentials);
  }

  safeCause(error: unknown, source?: string): unknown {
    return causeWithoutCredentials(error, this.credentials, source);
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
      return { ok: false, retryable: true, error: this.errorOf(this.redact(message), undefined, { cause: this.safeCause(error) }) };
    }
    const status = response.status;
    const quota = quotaSignal(response.headers, status, this.now());
    if (quota.exhaustedUntil !== undefined) this.limiter.holdUntil(quota.exhaustedUntil);
    if (status >= 200 && status < 300) {
      try {
        return { ok: true, json: JSON.parse(text) };
      } catch (error) {
        return { ok: false, retryable: false, error: this.errorOf(this.redact(`Alpaca GET ${path} answered ${status} with a body that is not JSON`), status, { cause: this.safeCause(error, text) }) };
      }
    }
    const why = this.redact(messageOf(text));
    if (status === 429 || status >= 500) {
      const what = status === 429 ? 'was rate limited' : 'failed on the server';
      return { ok: false, retryable: true, retryAfterMs: quota.retryAfterMs, error: this.errorOf(`Alpaca GET ${path} ${what} (HTTP ${status}: ${why})`, status) };
    }
    const what = status >= 300 && status < 400 ? 'answered with a redirect, not followed' : 'refused';
    return { ok: false, retryable: false, error: this.errorOf(`Alpaca GET ${path} ${what} (HTTP ${status}: ${why})`, status) };
  }
}
