// The network and server in front of every simulated broker call: reachability, latency, then an injected
// fault or the effect. Invariants: latency and faults come only from their own PRNG streams, drawn in call
// order; a timed-out call looks the same whether or not it took effect; a result never shares memory with the book.
import { BrokerCallError } from '../../shared/broker/broker-call-error';
import type { BrokerCallName } from '../../shared/ports/broker';

export const SIMULATED_FAULT_KINDS = ['server-error', 'timeout-after-effect', 'timeout-before-effect', 'rate-limited', 'connection-reset'] as const;
export type SimulatedFaultKind = (typeof SIMULATED_FAULT_KINDS)[number];

export interface SimulatedFaults {
  /** Probability that a call fails; the failure is one of the kinds below, chosen at random. */
  rate: number;
  /** Which failures may happen (default: all). */
  kinds?: SimulatedFaultKind[];
  /** Probability that an order update is never delivered to subscribers (the stream loses it). */
  lostUpdateRate?: number;
  /** Which calls may fail (default: all). */
  calls?: BrokerCallName[];
}

/** The options the network reads, at each call (so they mean what they say at the time of the call). */
export interface SimulatedNetworkOptions {
  latencyMs?: { min: number; max: number };
  sleep?: (ms: number) => Promise<void>;
  faults?: SimulatedFaults;
}

/** The random streams the network draws from. */
export interface SimulatedNetworkRandom {
  faults: () => number;
  latency: () => number;
}

export interface InjectedFault {
  call: BrokerCallName;
  kind: SimulatedFaultKind;
}

const faultError = (call: BrokerCallName, kind: SimulatedFaultKind): BrokerCallError => {
  switch (kind) {
    case 'server-error':
      return new BrokerCallError(`simulated broker: ${call} failed with 503`, 'ambiguous', { status: 503 });
    case 'rate-limited':
      return new BrokerCallError(`simulated broker: ${call} rate limited (429)`, 'ambiguous', { status: 429, retryAfterMs: 1000 });
    case 'connection-reset':
      return new BrokerCallError(`simulated broker: ${call} connection reset`, 'ambiguous', { code: 'ECONNRESET' });
    case 'timeout-before-effect':
    case 'timeout-after-effect':
      // Deliberately identical: a caller cannot tell whether a timed-out request took effect.
      return new BrokerCallError(`simulated broker: ${call} timed out`, 'ambiguous', { code: 'ETIMEDOUT' });
  }
};

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SimulatedNetwork {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly injected: InjectedFault[] = [];
  private unavailable = false;

  constructor(
    private readonly options: SimulatedNetworkOptions,
    private readonly random: SimulatedNetworkRandom,
  ) {
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Runs one broker call: unreachable, or latency then an injected fault or the effect (its result copied). */
  async call<T>(name: BrokerCallName, effect: () => T): Promise<T> {
    if (this.unavailable) throw new BrokerCallError('simulated broker is unreachable', 'ambiguous', { code: 'ECONNREFUSED' });
    await this.latency();
    const fault = this.drawFault(name);
    if (fault === undefined) return structuredClone(effect());
    this.injected.push({ call: name, kind: fault });
    if (fault === 'timeout-after-effect') {
      // The broker did the work; only the response was lost. A refusal it would have sent is lost too.
      try {
        effect();
      } catch (error) {
        if (!(error instanceof BrokerCallError)) throw error;
      }
    }
    throw faultError(name, fault);
  }

  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  faultCount(): Record<SimulatedFaultKind, number> {
    const counts = Object.fromEntries(SIMULATED_FAULT_KINDS.map((k) => [k, 0])) as Record<SimulatedFaultKind, number>;
    for (const f of this.injected) counts[f.kind]++;
    return counts;
  }

  faultLog(): InjectedFault[] {
    return structuredClone(this.injected);
  }

  private async latency(): Promise<void> {
    const range = this.options.latencyMs;
    if (!range) return;
    const min = Math.max(0, Math.floor(range.min));
    const max = Math.max(min, Math.floor(range.max));
    if (max === 0) return;
    const ms = min + Math.floor(this.random.latency() * (max - min + 1));
    if (ms > 0) await this.sleep(ms);
  }

  private drawFault(name: BrokerCallName): SimulatedFaultKind | undefined {
    const faults = this.options.faults;
    if (!faults || faults.rate <= 0) return undefined;
    if (faults.calls && !faults.calls.includes(name)) return undefined;
    if (this.random.faults() >= faults.rate) return undefined;
    const kinds = faults.kinds && faults.kinds.length > 0 ? faults.kinds : SIMULATED_FAULT_KINDS;
    return kinds[Math.floor(this.random.faults() * kinds.length)] ?? 'server-error';
  }
}
