// One JSON GET against an Alpaca REST API, as the read-only adapters (daily bars, the calendar) make it: paced
// by the shared rate limiter, 429s honoured through Retry-After / X-RateLimit-Reset, 429, 5xx, timeouts and lost
// connections retried with full-jitter backoff a bounded number of times. Invariants: the key goes into request
// headers only, never into an error, a cause or a redirect; every failure is the caller's own error class.
import { InvalidInputError } from '../../../shared/errors/errors';
import { quotaSignal, RequestRateLimiter } from './alpaca-rate-limit';
import { AlpacaErrorSchema } from './alpaca-wire';
import { AlpacaTransport, type AlpacaTransportOptions } from './alpaca-transport';
import { causeWithoutCredentials, redactCredentials } from './credentials';

export interface AlpacaJsonGetOptions extends AlpacaTransportOptions {
  requestsPerMinute: number;
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
  private readonly http: AlpacaTransport;
  private readonly limiter: RequestRateLimiter;
  readonly now: () => number;

  /** `what` names the API in the refusal of a non-https base ("Alpaca data URL", "Alpaca baseUrl"). */
  constructor(
    options: AlpacaJsonGetOptions,
    private readonly errorOf: AlpacaErrorOf,
    what: string,
  ) {
    this.http = new AlpacaTransport(options, 10_000, what);
    this.now = this.http.now;
    this.limiter = new RequestRateLimiter(options.requestsPerMinute, this.http.maxRetryDelayMs, this.now, this.http.sleep);
  }

  /** One GET of `path` (with its query) with retries for 429, 5xx, timeouts and lost connections; throws the last failure. */
  async get(path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt(path);
      if (result.ok) return result.json;
      const delay = result.retryable ? this.http.retryDelay(attempt, result.retryAfterMs) : undefined;
      if (delay === undefined) throw result.error;
      await this.http.sleep(delay);
    }
  }

  redact(text: string): string {
    return redactCredentials(text, this.http.credentials);
  }

  safeCause(error: unknown, source?: string): unknown {
    return causeWithoutCredentials(error, this.http.credentials, source);
  }

  private async attempt(path: string): Promise<Attempt> {
    await this.limiter.take();
    const signal = AbortSignal.timeout(this.http.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.http.fetch(`${this.http.baseUrl}${path}`, {
        method: 'GET',
        headers: { 'APCA-API-KEY-ID': this.http.credentials.keyId, 'APCA-API-SECRET-KEY': this.http.credentials.secretKey, accept: 'application/json' },
        signal,
        // A redirect would carry the APCA headers to wherever it points; Alpaca's API never redirects.
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      const timedOut = signal.aborted || (error instanceof Error && error.name === 'TimeoutError');
      const message = timedOut ? `Alpaca GET ${path} timed out after ${this.http.timeoutMs} ms` : `Alpaca GET ${path} failed without a response (${errorText(error)})`;
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
