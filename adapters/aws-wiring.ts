// Builds the AWS adapters a Lambda needs from its environment variables, once per container. Handlers call
// these lazily so tests can import a handler module without AWS credentials. The broker is built on first
// access only: the risk function never talks to the broker and has no BROKER_SECRET_ID.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAuditLog } from './dynamodb/dynamo-audit-log';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import { RUNTIME_ENV, RuntimeEnvSchema } from '../shared/config/runtime-env';
import { parseOrThrow } from '../shared/errors/zod-issues';
import type { Broker } from '../shared/ports/broker';
import { createBroker } from './broker/broker-from-config';
import { dynamoStores, type TradingStores } from './dynamodb/dynamo-stores';
import { EventBridgeBus } from './eventbridge/eventbridge-bus';
import { SqsOrderQueue } from './sqs/sqs-order-queue';
import { systemClock } from './system/system-clock';
import { captured } from './aws/client-capture';

export interface AwsAdapters {
  config: EnvironmentConfig;
  /** The trading table, one adapter per role port. */
  stores: TradingStores;
  /** The audit trail's read side (the same table). */
  auditLog: DynamoAuditLog;
  bus: EventBridgeBus;
  queue: SqsOrderQueue | undefined;
  /** The configured broker; reading it throws when the environment cannot trade (see createBroker). */
  broker: Broker;
}

/** How long a worker's claim on an order lasts in AWS (the order function's and every cancel-all's). */
export const ORDER_LEASE_MS = 60_000;

let cached: AwsAdapters | undefined;

export const awsAdapters = (env: NodeJS.ProcessEnv = process.env): AwsAdapters => {
  if (cached) return cached;
  const runtime = parseOrThrow(RuntimeEnvSchema, env, 'env');
  const queueUrl = runtime[RUNTIME_ENV.orderQueueUrl];
  const config = loadEnvironmentConfig(runtime[RUNTIME_ENV.environment]);
  let broker: Broker | undefined;
  const ddb = captured(new DynamoDBClient({}));
  cached = {
    config,
    stores: dynamoStores(ddb, runtime[RUNTIME_ENV.tableName]),
    auditLog: new DynamoAuditLog(ddb, runtime[RUNTIME_ENV.tableName]),
    bus: new EventBridgeBus(captured(new EventBridgeClient({})), runtime[RUNTIME_ENV.eventBusName]),
    queue: queueUrl ? new SqsOrderQueue(captured(new SQSClient({})), queueUrl) : undefined,
    get broker(): Broker {
      broker ??= createBroker(config, { secretId: runtime[RUNTIME_ENV.brokerSecretId], secrets: captured(new SecretsManagerClient({})) });
      return broker;
    },
  };
  return cached;
};

/** What the order service runs on in AWS: the order function, reconciliation's settlement and every cancel-all. */
export const orderServiceAdapters = (adapters: AwsAdapters) => ({
  orderStore: adapters.stores.orderStore,
  tradingStateStore: adapters.stores.tradingStateStore,
  broker: adapters.broker,
  bus: adapters.bus,
  clock: systemClock,
});
