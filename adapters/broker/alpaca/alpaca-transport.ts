// The transport settings every Alpaca REST client shares (the broker, and the read-only JSON GET): the base URL
// (https, or plain http for localhost only), the key, the per-attempt timeout and the bounded full-jitter retry
// policy. Invariant: a retry never waits longer than maxRetryDelayMs; past it the caller gives up.
import type { AlpacaCredentials } from './credentials';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface AlpacaTransportOptions {
  /** The API's base (plain http is accepted for localhost only). */
  baseUrl: string;
  credentials: AlpacaCredentials;
  /** Per attempt, reading the body included; the default is the client's. */
  timeoutMs?: number;
  /** Retries after the first attempt, for 429, 5xx, timeouts and connection errors; default 3. */
  maxRetries?: number;
  /** Full-jitter exponential backoff: attempt n waits random() × min(cap, base × 2^n); defaults 250 and 8000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /**
   * A retry that would have to wait longer than this (a long Retry-After or X-RateLimit-Reset) is not made,
   * and no request is held back longer than this for a spent quota; default 30000.
   */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export class AlpacaTransport {
  readonly baseUrl: string;
  readonly credentials: AlpacaCredentials;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxRetryDelayMs: number;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly random: () => number;

  /** `what` names the API in the refusal of a non-https base ("Alpaca data URL", "Alpaca baseUrl"). */
  constructor(options: AlpacaTransportOptions, defaultTimeoutMs: number, what: string) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
      throw new TypeError(`${what} must be https (plain http only for localhost): ${url.origin}`);
    }
    this.baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.maxRetries = options.maxRetries ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffCapMs = options.backoffCapMs ?? 8000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /**
   * The wait before the retry that follows failed attempt `attempt` (0-based): full-jitter backoff, at least the
   * server's `retryAfterMs`; undefined when no retry is left or the wait would exceed maxRetryDelayMs.
   */
  retryDelay(attempt: number, retryAfterMs?: number): number | undefined {
    if (attempt >= this.maxRetries) return undefined;
    const backoff = this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** attempt);
    const delay = Math.max(backoff, retryAfterMs ?? 0);
    return delay > this.maxRetryDelayMs ? undefined : delay;
  }
}
