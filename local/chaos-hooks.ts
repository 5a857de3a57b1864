// Where a session lets chaos in: the functions' DynamoDB client, the bus, the order function's ports and the
// queues' deliveries. Invariant: without chaos rates (every scenario but chaos) each hook is the identity.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Broker } from '../shared/ports/broker';
import type { EventBatchBus, EventBus } from '../shared/ports/event-bus';
import type { OrderStore } from '../shared/ports/order-store';
import { ChaosInjector, injectStorageFaults, type ChaosRates } from './chaos';
import { chaoticBus, mortal, mortalPorts, redelivering, type QueueInvoke } from './chaos-delivery';
import type { LocalEventRouter } from './event-router';

export interface ChaosHooks {
  /** The injector (chaos only): its counts, and disarm() before the checks that judge the run. */
  injector: ChaosInjector | undefined;
  /** The client the functions' stores use: a client of its own that throttles and conflicts (never the seeder's or the report's). */
  storageClient(base: DynamoDBClient): DynamoDBClient;
  /** The bus the functions and the feed publish to. */
  bus(router: LocalEventRouter): EventBus & EventBatchBus;
  /** The order function's ports, able to die between steps. */
  orderPorts<D extends { orderStore: OrderStore; broker: Broker; bus: EventBus }>(deps: D): D;
  /** The order function's invocation from its queue: mortal, and sometimes given a message twice. */
  orderInvoke(invoke: QueueInvoke): QueueInvoke;
  /** The risk function's invocation from the intents' queue: sometimes given a message twice. */
  intakeInvoke(invoke: QueueInvoke): QueueInvoke;
}

const NO_CHAOS: ChaosHooks = {
  injector: undefined,
  storageClient: (base) => base,
  bus: (router) => router,
  orderPorts: (deps) => deps,
  orderInvoke: (invoke) => invoke,
  intakeInvoke: (invoke) => invoke,
};

/** A client to the same DynamoDB as `base` (endpoint, region, credentials), with no middleware of `base`'s. */
const sibling = (base: DynamoDBClient): DynamoDBClient =>
  new DynamoDBClient({ region: base.config.region, credentials: base.config.credentials, endpoint: base.config.endpoint });

export const chaosHooks = (rates: ChaosRates | undefined, seed: number): ChaosHooks => {
  if (!rates) return NO_CHAOS;
  const chaos = new ChaosInjector(rates, seed);
  return {
    injector: chaos,
    storageClient: (base) => injectStorageFaults(sibling(base), chaos),
    bus: (router) => chaoticBus(router, chaos),
    orderPorts: (deps) => mortalPorts(chaos, deps),
    orderInvoke: (invoke) => redelivering(chaos, mortal(invoke)),
    intakeInvoke: (invoke) => redelivering(chaos, invoke),
  };
};
