// The simulated broker's order updates and their subscribers. Invariants: an update is published after the
// change that caused it is complete; whether it is lost is drawn from its own PRNG stream whether or not anyone
// listens; listeners get copies, in order, and one that throws cannot stop delivery or corrupt the book.
import type { BrokerFill, BrokerOrder, BrokerUpdate } from '../../shared/broker/broker-order';
import type { BrokerUpdateStream } from '../../shared/ports/broker';
import type { SimulatedFaults } from './simulated-network';

/** The update stream adapter, plus what a test needs to wait for asynchronous delivery. */
export interface SimulatedUpdateStream extends BrokerUpdateStream {
  /** Resolves once every update received so far has been handled. */
  idle(): Promise<void>;
  /** Errors thrown or rejected by onUpdate (delivery carries on with the next update). */
  handlerErrors(): unknown[];
}

export class SimulatedUpdateFeed {
  private readonly listeners = new Set<(update: BrokerUpdate) => void>();
  private readonly listenerFailures: unknown[] = [];
  private lost = 0;

  /** `options.faults` is read at each update; `drawLoss` is the updates' own random stream. */
  constructor(
    private readonly options: { faults?: SimulatedFaults },
    private readonly drawLoss: () => number,
  ) {}

  /** Delivers every update that is not lost, synchronously and in order; returns the unsubscribe function. */
  subscribe(listener: (update: BrokerUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A BrokerUpdateStream over subscribe: handlers run one at a time, in order, after the change that caused them. */
  stream(): SimulatedUpdateStream {
    let unsubscribe: (() => void) | undefined;
    let delivery: Promise<void> = Promise.resolve();
    const failures: unknown[] = [];
    return {
      start: async ({ onUpdate, onStatus }) => {
        unsubscribe?.();
        unsubscribe = this.subscribe((update) => {
          delivery = delivery
            .then(() => onUpdate(update))
            .catch((error: unknown) => {
              failures.push(error);
            });
        });
        onStatus?.('connected');
      },
      close: async () => {
        unsubscribe?.();
        unsubscribe = undefined;
        await delivery;
      },
      idle: () => delivery,
      handlerErrors: () => [...failures],
    };
  }

  /** Called after the change is complete, so a listener that calls back in sees a consistent book. */
  publish(event: string, order: BrokerOrder, fill?: BrokerFill): void {
    const update: BrokerUpdate = {
      event,
      order: structuredClone(order),
      ...(fill ? { fill: structuredClone(fill) } : {}),
      at: order.updatedAt,
    };
    // Drawn whether or not anyone listens, so subscribing does not change what is lost.
    const lostRate = this.options.faults?.lostUpdateRate ?? 0;
    if (lostRate > 0 && this.drawLoss() < lostRate) {
      this.lost++;
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(structuredClone(update));
      } catch (error) {
        this.listenerFailures.push(error);
      }
    }
  }

  /** A restarted venue goes on counting from what it had lost before. */
  restoreLostCount(lost: number): void {
    this.lost = lost;
  }

  lostUpdateCount(): number {
    return this.lost;
  }

  listenerErrors(): unknown[] {
    return [...this.listenerFailures];
  }
}
