// Builds the AWS adapters every Lambda needs from its environment variables, once per container: the configuration,
// the table and the bus. Handlers call these lazily so tests can import a handler module without AWS credentials.
// What only some functions use is wired beside this (adapters/aws/*-wiring.ts), so the others do not bundle it.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAuditLog } from './dynamodb/dynamo-audit-log';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../shared/config/environments';
import { RUNTIME_ENV, RuntimeEnvSchema, type RuntimeEnv } from '../shared/config/runtime-env';
import { parseOrThrow } from '../shared/errors/zod-issues';
import { dynamoStores, type TradingStores } from './dynamodb/dynamo-stores';
import { EventBridgeBus } from './eventbridge/eventbridge-bus';
import { captured } from './aws/client-capture';

export interface AwsAdapters {
  config: EnvironmentConfig;
  /** The function's environment variables, validated. */
  runtime: RuntimeEnv;
  /** The trading table, one adapter per role port. */
  stores: TradingStores;
  /** The audit trail's read side (the same table). */
  auditLog: DynamoAuditLog;
  bus: EventBridgeBus;
}

/** How long a worker's claim on an order lasts in AWS (the order function's and every cancel-all's). */
export const ORDER_LEASE_MS = 60_000;

let cached: AwsAdapters | undefined;

export const awsAdapters = (env: NodeJS.ProcessEnv = process.env): AwsAdapters => {
  if (cached) return cached;
  const runtime = parseOrThrow(RuntimeEnvSchema, env, 'env');
  const config = loadEnvironmentConfig(runtime[RUNTIME_ENV.environment]);
  const ddb = captured(new DynamoDBClient({}));
  cached = {
    config,
    runtime,
    stores: dynamoStores(ddb, runtime[RUNTIME_ENV.tableName]),
    auditLog: new DynamoAuditLog(ddb, runtime[RUNTIME_ENV.tableName]),
    bus: new EventBridgeBus(captured(new EventBridgeClient({})), runtime[RUNTIME_ENV.eventBusName]),
  };
  return cached;
};
