// The reconnecting socket's sense of time: liveness limits, backoff schedules and the clock, timers, sleep
// and randomness they run on — all injectable, so tests drive them by hand instead of waiting.
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../../shared/ports/clock';

/** setTimeout and clearTimeout, as the socket uses them (tests pass a manual implementation). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Liveness {
  /** From opening a connection to live (logged in and subscribed); a stalled handshake is dropped. */
  handshakeTimeoutMs: number;
  /** A ping this often once open; 0 sends none. */
  pingIntervalMs: number;
  /** The pong due this long after each ping, else the connection is dead; less than the ping interval. */
  pongTimeoutMs: number;
  /** No message for this long: the connection is dead; 0 does not watch (a market may be quiet for hours). */
  silenceMs: number;
}

/** The official Alpaca client's ping every 10 s with a pong due within 5 s. */
export const DEFAULT_LIVENESS: Liveness = { handshakeTimeoutMs: 10_000, pingIntervalMs: 10_000, pongTimeoutMs: 5_000, silenceMs: 0 };

/** Delay before reconnect attempt n: min(cap, base × 2^n), jittered. */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, capMs: 30_000 };
/** After a refusal (bad keys, a connection or plan limit): slow, so a person can act before the next try. */
export const DEFAULT_REFUSED_BACKOFF: Backoff = { baseMs: 30_000, capMs: 300_000 };

export interface SocketTuning {
  liveness?: Partial<Liveness>;
  backoff?: Partial<Backoff>;
  refusedBackoff?: Partial<Backoff>;
  clock?: Clock;
  timers?: Timers;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); jitters the backoff. */
  random?: () => number;
}

export interface SocketTiming {
  liveness: Liveness;
  backoff: Backoff;
  refusedBackoff: Backoff;
  clock: Clock;
  timers: Timers;
  /** Undefined: a real sleep, cut short by close(). */
  sleep: ((ms: number) => Promise<void>) | undefined;
  random: () => number;
}

const systemClock: Clock = { now: () => Date.now() };

const checked = <T extends object>(what: string, values: T): T => {
  for (const [key, value] of Object.entries(values)) {
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${what}.${key} must be a finite number >= 0, got ${String(value)}`);
  }
  return values;
};

/** The defaults with the tuning's overrides; a negative or non-finite limit is a configuration error. */
export const resolveTiming = (tuning: SocketTuning): SocketTiming => {
  const liveness = checked('liveness', { ...DEFAULT_LIVENESS, ...tuning.liveness });
  if (liveness.pingIntervalMs > 0 && !(liveness.pongTimeoutMs > 0 && liveness.pongTimeoutMs < liveness.pingIntervalMs)) {
    throw new RangeError(`liveness.pongTimeoutMs must be above 0 and below pingIntervalMs (${liveness.pingIntervalMs}), got ${liveness.pongTimeoutMs}`);
  }
  if (!(liveness.handshakeTimeoutMs > 0)) throw new RangeError('liveness.handshakeTimeoutMs must be above 0');
  return {
    liveness,
    backoff: checked('backoff', { ...DEFAULT_BACKOFF, ...tuning.backoff }),
    refusedBackoff: checked('refusedBackoff', { ...DEFAULT_REFUSED_BACKOFF, ...tuning.refusedBackoff }),
    clock: tuning.clock ?? systemClock,
    timers: tuning.timers ?? systemTimers,
    sleep: tuning.sleep,
    random: tuning.random ?? Math.random,
  };
};

/**
 * The wait before reconnect attempt `attempt` (0 first): min(cap, base × 2^attempt) scaled into
 * [floor, 1) by `random` — floor 0 is full jitter, 0.5 never waits less than half.
 */
export const backoffDelayMs = (attempt: number, backoff: Backoff, random: () => number, floor: number): number => {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
  return ceiling * (floor + (1 - floor) * random());
};

/** Sleeps `ms` on the timing's sleep, a real one when it has none; `signal` cuts it short either way. */
export const pause = async (ms: number, timing: Pick<SocketTiming, 'sleep'>, signal: AbortSignal): Promise<void> => {
  if (signal.aborted) return;
  if (!timing.sleep) return delay(ms, undefined, { signal }).catch(() => undefined);
  let onAbort = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  await Promise.race([timing.sleep(ms), stopped]);
  signal.removeEventListener('abort', onAbort);
};
