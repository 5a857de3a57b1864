// The event bus port: publishes domain events. Adapters: EventBridge (AWS) and the local router.
import type { DomainEvent } from '../events/catalog';

export interface EventBus {
  /** Resolves once every event is accepted; rejects with an InfrastructureError otherwise. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}
