// Environment variables the functions read at cold start. The CDK app sets exactly these keys and the
// local runtime builds the same values, so a missing or malformed one fails at start, not mid-trade.
import * as z from 'zod';
import { EnvironmentNameSchema } from './environments';
import { OperatorPolicySchema, type OperatorPolicy } from '../operators/operator-config';
import { parseOrThrow } from '../errors/zod-issues';

export const RUNTIME_ENV = {
  environment: 'TRADING_ENV',
  tableName: 'TABLE_NAME',
  orderQueueUrl: 'ORDER_QUEUE_URL',
  eventBusName: 'EVENT_BUS_NAME',
  /** ARN of the broker credentials secret; set only on the functions that talk to the broker. */
  brokerSecretId: 'BROKER_SECRET_ID',
  /** The kill switch's hard stop: the order queue → order function event source mapping (UUID). */
  orderEventSourceMappingId: 'ORDER_EVENT_SOURCE_MAPPING_ID',
  /** The kill switch's hard stop: the rule routing OrderIntended events to risk. */
  intentRuleName: 'INTENT_RULE_NAME',
  /** The on-call SNS topic the breaker and the kill switch page through. */
  onCallTopicArn: 'ON_CALL_TOPIC_ARN',
  /** The circuit-breaker state machine: the breaker function starts it on breach events, the kill switch on a release. */
  breakerStateMachineArn: 'BREAKER_STATE_MACHINE_ARN',
  /** The feed task: its id in the heartbeat and its events, and the strategy modules it hosts (comma-separated paths). */
  feedId: 'FEED_ID',
  feedStrategies: 'FEED_STRATEGIES',
  /** The feed task's health port (all interfaces, for the container health check): GET /health and GET /ready. */
  feedHealthPort: 'FEED_HEALTH_PORT',
  /**
   * The feed task's Alpaca endpoints, each replacing the default for its venue and feed: for a proxy, or for the
   * end-to-end test that runs the feed's bundle against local servers. The stack never sets them.
   */
  alpacaMarketDataUrl: 'ALPACA_MARKET_DATA_URL',
  alpacaApiUrl: 'ALPACA_API_URL',
  alpacaStreamUrl: 'ALPACA_STREAM_URL',
  /** The Market Data API's REST base (historical daily bars for the reference refresh); default https://data.alpaca.markets. */
  alpacaDataApiUrl: 'ALPACA_DATA_API_URL',
  /** The kill-switch function: the id of the REST API whose events alone it answers. */
  killSwitchApiId: 'KILL_SWITCH_API_ID',
  /** The kill-switch function: the operator policy (JSON) the stack was synthesized with, who may do what. */
  killSwitchOperators: 'KILL_SWITCH_OPERATORS',
} as const;

/** The feed's health port when FEED_HEALTH_PORT is not set (the container health check asks it). */
export const DEFAULT_FEED_HEALTH_PORT = 8080;

export const RuntimeEnvSchema = z.object({
  [RUNTIME_ENV.environment]: EnvironmentNameSchema,
  [RUNTIME_ENV.tableName]: z.string().min(3, { error: 'must name the trading table' }),
  [RUNTIME_ENV.orderQueueUrl]: z.string().url({ error: 'must be the order queue URL' }).optional(),
  [RUNTIME_ENV.eventBusName]: z.string().min(1, { error: 'must name the event bus' }),
  [RUNTIME_ENV.brokerSecretId]: z.string().min(1, { error: 'must name the broker credentials secret' }).optional(),
  [RUNTIME_ENV.orderEventSourceMappingId]: z.string().min(1, { error: 'must be the event source mapping UUID' }).optional(),
  [RUNTIME_ENV.intentRuleName]: z.string().min(1, { error: 'must name the intent rule' }).optional(),
  [RUNTIME_ENV.onCallTopicArn]: z.string().startsWith('arn:', { error: 'must be the on-call topic ARN' }).optional(),
  [RUNTIME_ENV.breakerStateMachineArn]: z.string().startsWith('arn:', { error: 'must be the circuit-breaker state machine ARN' }).optional(),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnvSchema>;

/** The feed task's environment: the functions' variables it shares, the ones it cannot do without, and its own. */
export const FeedRuntimeEnvSchema = RuntimeEnvSchema.extend({
  [RUNTIME_ENV.orderQueueUrl]: z.string().url({ error: 'must be the order queue URL (the broker relay sends to it)' }),
  [RUNTIME_ENV.brokerSecretId]: z.string().min(1, { error: 'must name the broker credentials secret (market data and trade updates)' }),
  [RUNTIME_ENV.feedId]: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: 'must be 1-128 characters of letters, digits, "_", ".", ":" or "-"' }),
  [RUNTIME_ENV.feedStrategies]: z
    .string()
    .min(1, { error: 'must name at least one strategy module' })
    .transform((text) => text.split(',').map((path) => path.trim()).filter((path) => path.length > 0)),
  [RUNTIME_ENV.feedHealthPort]: z.coerce
    .number({ error: 'must be a port number' })
    .int({ error: 'must be a port number' })
    .min(0, { error: 'must be a port number (0: any free port)' })
    .max(65_535, { error: 'must be a port number' })
    .default(DEFAULT_FEED_HEALTH_PORT),
  [RUNTIME_ENV.alpacaMarketDataUrl]: z.string().regex(/^wss?:\/\/\S+$/, { error: 'must be a ws:// or wss:// URL' }).optional(),
  [RUNTIME_ENV.alpacaApiUrl]: z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' }).optional(),
  [RUNTIME_ENV.alpacaStreamUrl]: z.string().regex(/^wss?:\/\/\S+$/, { error: 'must be a ws:// or wss:// URL' }).optional(),
  [RUNTIME_ENV.alpacaDataApiUrl]: z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' }).optional(),
});
export type FeedRuntimeEnv = z.infer<typeof FeedRuntimeEnvSchema>;

/** The kill-switch function's own variables: without the API id and the operator policy it refuses every request. */
export const KillSwitchRuntimeEnvSchema = z.object({
  [RUNTIME_ENV.environment]: EnvironmentNameSchema,
  [RUNTIME_ENV.killSwitchApiId]: z.string().regex(/^[a-z0-9]{1,32}$/, { error: 'must be the kill-switch REST API id' }),
  [RUNTIME_ENV.killSwitchOperators]: z
    .string({ error: 'must hold the operator policy as JSON' })
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(OperatorPolicySchema),
});

/** What the kill-switch handler trusts about its callers, from its environment (throws naming the variable). */
export const killSwitchRuntimeEnv = (env: NodeJS.ProcessEnv): { apiId: string; stage: string; operators: OperatorPolicy } => {
  const parsed = parseOrThrow(KillSwitchRuntimeEnvSchema, env, 'env');
  return { apiId: parsed[RUNTIME_ENV.killSwitchApiId], stage: parsed[RUNTIME_ENV.environment], operators: parsed[RUNTIME_ENV.killSwitchOperators] };
};
