// Pacing against Alpaca's request quota: this adapter's own window (no more than `perMinute` request starts
// in any 60 seconds) and the quota Alpaca reports on every answer (X-RateLimit-Remaining and -Reset), which
// every other process using the same key spends too. Invariants: waiters are served in arrival order; a hold
// Alpaca asks for never lasts longer than `maxHoldMs`, so a bogus reset time cannot stall the adapter.

const WINDOW_MS = 60_000;

/**
 * A bucket of `perMinute` tokens in which each token comes back exactly one minute after it was taken, so
 * no 60-second window ever holds more than `perMinute` request starts. (A bucket refilled continuously
 * would allow nearly twice that across the edge of a window: a full burst, then the refill.) On top of it,
 * `holdUntil` stops every start until Alpaca's quota is back.
 */
export class RequestRateLimiter {
  private readonly taken: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private heldUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly perMinute: number,
    private readonly maxHoldMs: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  take(): Promise<void> {
    const turn = this.queue.then(() => this.waitForToken());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** No request starts before `at` (epoch ms), capped at `maxHoldMs` from now. */
  holdUntil(at: number): void {
    this.heldUntil = Math.max(this.heldUntil, Math.min(at, this.now() + this.maxHoldMs));
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.now();
      if (now < this.heldUntil) {
        await this.sleep(this.heldUntil - now);
        continue;
      }
      while (this.taken.length > 0 && (this.taken[0] as number) + WINDOW_MS <= now) this.taken.shift();
      if (this.taken.length < this.perMinute) {
        this.taken.push(now);
        return;
      }
      await this.sleep((this.taken[0] as number) + WINDOW_MS - now);
    }
  }
}

/** Retry-After is delay-seconds or an HTTP date. */
const parseRetryAfter = (value: string | null, now: number): number | undefined => {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/** X-RateLimit-Reset: the epoch second at which the quota comes back. */
const parseReset = (value: string | null): number | undefined => {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
};

/** What one answer's headers say about the quota. */
export interface QuotaSignal {
  /** How long to wait before retrying this request (429 and 5xx): Retry-After, else until the reset (429 only). */
  retryAfterMs?: number;
  /** When the quota is spent (Remaining 0, or a 429): the epoch ms at which it comes back. */
  exhaustedUntil?: number;
}

export const quotaSignal = (headers: Headers, status: number, now: number): QuotaSignal => {
  const reset = parseReset(headers.get('x-ratelimit-reset'));
  const untilReset = reset === undefined ? undefined : Math.max(0, reset - now);
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  const retryAfterMs = retryAfter ?? (status === 429 ? untilReset : undefined);
  const spent = status === 429 || headers.get('x-ratelimit-remaining')?.trim() === '0';
  const exhaustedUntil = !spent ? undefined : status === 429 && retryAfterMs !== undefined ? now + retryAfterMs : reset;
  return {
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(exhaustedUntil !== undefined && exhaustedUntil > now ? { exhaustedUntil } : {}),
  };
};
