// Builds the AWS adapters a Lambda needs from its environment variables, once per container. Handlers call
// these lazily so tests can import a handler module without AWS credentials.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import { RUNTIME_ENV, RuntimeEnvSchema } from '../shared/config/runtime-env';
import { parseOrThrow } from '../shared/errors/zod-issues';
import { DynamoTradingStore } from './dynamodb/dynamo-trading-store';
import { EventBridgeBus } from './eventbridge/eventbridge-bus';
import { SqsOrderQueue } from './sqs/sqs-order-queue';

export interface AwsAdapters {
  config: EnvironmentConfig;
  store: DynamoTradingStore;
  bus: EventBridgeBus;
  queue: SqsOrderQueue | undefined;
}

let cached: AwsAdapters | undefined;

export const awsAdapters = (env: NodeJS.ProcessEnv = process.env): AwsAdapters => {
  if (cached) return cached;
  const runtime = parseOrThrow(RuntimeEnvSchema, env, 'env');
  const queueUrl = runtime[RUNTIME_ENV.orderQueueUrl];
  cached = {
    config: loadEnvironmentConfig(runtime[RUNTIME_ENV.environment]),
    store: new DynamoTradingStore(new DynamoDBClient({}), runtime[RUNTIME_ENV.tableName]),
    bus: new EventBridgeBus(new EventBridgeClient({}), runtime[RUNTIME_ENV.eventBusName]),
    queue: queueUrl ? new SqsOrderQueue(new SQSClient({}), queueUrl) : undefined,
  };
  return cached;
};
