// When a run's flood of intents began and which layer stopped it: the creation times of the intents the risk
// function received, against the account's order-rate limit, and the first breach that started the breaker.
// A flood begins with the first intent that makes more intents within one order-rate window than the account
// may send in it: from there on the strategy proposes more than risk may ever approve.
import type { LocalReport } from './report';

export type StoppedBy = NonNullable<LocalReport['runaway']>['stoppedBy'];

/** Which layer a breach kind belongs to. */
export const layerOf = (kind: string | undefined): StoppedBy => {
  switch (kind) {
    case undefined:
      return 'not-stopped';
    case 'INTENT_RATE':
      return 'source-guard';
    case 'INTENT_FLOOD':
      return 'risk-intent-flood';
    case 'ORDER_RATE':
      return 'risk-order-rate';
    default:
      return 'other-breach';
  }
};

export class FloodTimeline {
  private readonly createdAtMs: number[] = [];

  /** An intent event as the risk route received it (its creation time, as its host stamped it). */
  record(event: unknown): void {
    const createdAt = (event as { detail?: { data?: { createdAt?: unknown } } } | undefined)?.detail?.data?.createdAt;
    const ms = typeof createdAt === 'string' ? Date.parse(createdAt) : Number.NaN;
    if (Number.isFinite(ms)) this.createdAtMs.push(ms);
  }

  /** Epoch ms of the first intent beyond `maxOrders` within `windowMs` (sliding), or undefined when none was. */
  floodStartMs(maxOrders: number, windowMs: number): number | undefined {
    const times = [...this.createdAtMs].sort((a, b) => a - b);
    let first = 0;
    for (let i = 0; i < times.length; i++) {
      const at = times[i] ?? 0;
      while ((times[first] ?? 0) <= at - windowMs) first++;
      if (i - first + 1 > maxOrders) return at;
    }
    return undefined;
  }
}
