// The broker in a Lambda container, and the order service's adapters over it. Kept out of aws-wiring.ts so the
// risk function, which never talks to the broker, bundles neither the broker nor the Secrets Manager client.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import type { Broker } from '../../shared/ports/broker';
import type { AwsAdapters } from '../aws-wiring';
import { createBroker } from '../broker/broker-from-config';
import { systemClock } from '../system/system-clock';
import { captured } from './client-capture';

let broker: Broker | undefined;

/** The configured broker, built on first use, once per container; throws when the environment cannot trade (see createBroker). */
export const awsBroker = (adapters: AwsAdapters): Broker => {
  broker ??= createBroker(adapters.config, { secretId: adapters.runtime[RUNTIME_ENV.brokerSecretId], secrets: captured(new SecretsManagerClient({})) });
  return broker;
};

/** What the order service runs on in AWS: the order function, reconciliation's settlement and every cancel-all. */
export const orderServiceAdapters = (adapters: AwsAdapters) => ({
  orderStore: adapters.stores.orderStore,
  tradingStateStore: adapters.stores.tradingStateStore,
  broker: awsBroker(adapters),
  bus: adapters.bus,
  clock: systemClock,
});
