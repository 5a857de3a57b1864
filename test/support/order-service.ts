// The order service's test world: the pipeline fixture (DynamoDB Local, recording bus, manual clock), a
// simulated broker whose updates are collected, the service's deps, and approvals recorded as risk does.
import { beforeEach } from 'vitest';
import { SimulatedBroker, type SimulatedBrokerOptions } from '../../adapters/broker/simulated-broker';
import type { BrokerUpdate } from '../../shared/broker/broker-order';
import type { BookEntry } from '../../shared/ledger/account-book';
import type { OrderServiceDeps } from '../../shared/order-service/context';
import type { ApprovedOrderMessage } from '../../shared/ports/order-queue';
import { recordApproval } from './approvals';
import { ACCOUNT, STRATEGY, type intentFor } from './fixtures';
import { usePipelineFixture, type PipelineFixture } from './pipeline';

export class OrderServiceWorld {
  broker!: SimulatedBroker;
  updates: BrokerUpdate[] = [];

  constructor(readonly f: PipelineFixture) {}

  /** A fresh venue at price 100 (seed 11 unless given), whose updates are collected in `updates`. */
  useBroker(options: Partial<SimulatedBrokerOptions> = {}): void {
    this.broker = new SimulatedBroker({ priceOf: () => '100', clock: this.f.clock, seed: 11, ...options });
    this.updates = [];
    this.broker.subscribe((u) => void this.updates.push(u));
  }

  deps(over: Partial<OrderServiceDeps> = {}): OrderServiceDeps {
    return {
      ...this.f.stores,
      broker: this.broker,
      bus: this.f.bus,
      clock: this.f.clock,
      telemetry: this.f.telemetry,
      workerId: 'w-1',
      leaseMs: 10_000,
      inFlightGraceMs: 5_000,
      ...over,
    };
  }

  approve(intentId: string, over: Parameters<typeof intentFor>[1] = {}, strategy: string = STRATEGY): Promise<ApprovedOrderMessage> {
    return recordApproval(this.f.stores.riskStore, intentId, over, strategy);
  }

  /** AAPL's entry in the account book (quantity and in-flight sizes). */
  async book(): Promise<BookEntry | undefined> {
    return (await this.f.stores.riskStore.loadRiskSnapshot(ACCOUNT, STRATEGY, 'x')).book.positions.AAPL;
  }
}

export const useOrderServiceFixture = (): OrderServiceWorld => {
  const world = new OrderServiceWorld(usePipelineFixture());
  beforeEach(() => world.useBroker());
  return world;
};
