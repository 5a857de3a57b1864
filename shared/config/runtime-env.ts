// Environment variables the functions read at cold start. The CDK app sets exactly these keys and the
// local runtime builds the same values, so a missing or malformed one fails at start, not mid-trade.
import { z } from 'zod';
import { EnvironmentNameSchema } from './environments';

export const RUNTIME_ENV = {
  environment: 'TRADING_ENV',
  tableName: 'TABLE_NAME',
  orderQueueUrl: 'ORDER_QUEUE_URL',
  eventBusName: 'EVENT_BUS_NAME',
  /** ARN of the broker credentials secret; set only on the functions that talk to the broker. */
  brokerSecretId: 'BROKER_SECRET_ID',
} as const;

export const RuntimeEnvSchema = z.object({
  [RUNTIME_ENV.environment]: EnvironmentNameSchema,
  [RUNTIME_ENV.tableName]: z.string().min(3, { error: 'must name the trading table' }),
  [RUNTIME_ENV.orderQueueUrl]: z.string().url({ error: 'must be the order queue URL' }).optional(),
  [RUNTIME_ENV.eventBusName]: z.string().min(1, { error: 'must name the event bus' }),
  [RUNTIME_ENV.brokerSecretId]: z.string().min(1, { error: 'must name the broker credentials secret' }).optional(),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;
