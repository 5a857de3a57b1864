// Risk function: the intake queue delivers OrderIntended events ten at a time (EventBridge's rule puts each
// one there); the pre-trade engine counts, decides, records and queues them, each account's together. One
// event on its own (a direct delivery) is taken the same way. The one-minute schedule sweeps the intents
// parked for a decider that died or went quiet. Bad input is rejected (named field and rule, counted) before
// anything is read or written; a rejected or failed record is reported failed, so it is delivered again and
// ends in the dead-letter queue, never dropped.
import type { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import * as z from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { awsOrderQueue } from '../../adapters/aws/order-queue-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { EVENT_SOURCES } from '../../shared/events/envelope';
import { OrderIntendedEventDetailSchema } from '../../shared/events/order-events';
import { systemClock } from '../../adapters/system/system-clock';
import { decideIntent, decideIntentBatch, decideParked, type IntakeItem, type IntentOutcome, type RiskServiceDeps } from '../../shared/risk/risk-service';
import { createLogger, parseInput, parseJson } from '../support/handler-support';
import { withDeployProbe } from '../support/deploy-probe';
import { resolveCompiledLimits } from '../../shared/risk/limits';
import { observed } from '../support/invocation';
import { riskInvocationKeys } from './invocation-keys';
import { ScheduledEventSchema } from '../support/scheduled-event';
import { awsStoredCalendars, withStoredCalendars } from '../support/stored-calendars';

export const OrderIntendedEventSchema = EventBridgeSchema.extend({
  source: z.literal(EVENT_SOURCES.feed, { error: `must be ${EVENT_SOURCES.feed}` }),
  'detail-type': z.literal(DETAIL_TYPES.OrderIntended, { error: `must be ${DETAIL_TYPES.OrderIntended}` }),
  detail: OrderIntendedEventDetailSchema,
});

export interface RiskHandlerDeps extends RiskServiceDeps {
  logger: Pick<Logger, 'error' | 'info'>;
}

export const createRiskHandler =
  (deps: () => RiskHandlerDeps) =>
  async (event: unknown): Promise<IntentOutcome> => {
    const d = deps();
    const parsed = parseInput(d, 'risk', OrderIntendedEventSchema, event);
    return decideIntent(d, parsed.detail);
  };

/**
 * The intake queue's batch: every well-formed intent taken together (each account's in one count, one park and
 * one decision batch), every other record reported failed. Not Powertools' batch processor: that takes records
 * one by one, and the point of the batch is to take an account's intents together.
 */
export const createRiskBatchHandler =
  (deps: () => RiskHandlerDeps) =>
  async (event: unknown): Promise<SQSBatchResponse> => {
    const d = deps();
    const sqsEvent = parseInput(d, 'risk', SqsSchema, event);
    const failed: string[] = [];
    const taken: (IntakeItem & { messageId: string })[] = [];
    for (const record of sqsEvent.Records) {
      try {
        const body = parseJson(d, 'risk', record.body, 'body');
        const intended = parseInput(d, 'risk', OrderIntendedEventSchema, body, 'body').detail;
        taken.push({ messageId: record.messageId, intended, arrivedAtMs: Number(record.attributes.SentTimestamp) });
      } catch {
        failed.push(record.messageId);
      }
    }
    const results = await decideIntentBatch(d, taken);
    results.forEach((result, i) => {
      if (!('error' in result)) return;
      const record = taken[i];
      if (record) failed.push(record.messageId);
      d.logger.error('intent not taken: it will be delivered again', { correlationId: result.intentId, error: result.error instanceof Error ? result.error.message : String(result.error) });
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };

export interface RiskSweepDeps extends RiskHandlerDeps {
  /** The environment's accounts: the sweep looks at each one's parked intents. */
  accounts: readonly string[];
}

/** What the sweep did: how many parked intents it decided. */
export interface SweepOutcome {
  swept: number;
}

export const createRiskSweepHandler =
  (deps: () => RiskSweepDeps) =>
  async (event: unknown): Promise<SweepOutcome> => {
    const d = deps();
    parseInput(d, 'risk', ScheduledEventSchema, event);
    const swept = await decideParked(d, d.accounts);
    if (swept > 0) d.logger.info('parked intents swept', { swept });
    return { swept };
  };

/** The schedule's events come from aws.events; the queue's carry Records; everything else is taken for an intent (and validated as one). */
const isScheduled = (event: unknown): boolean => typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.events';
const isQueueBatch = (event: unknown): boolean => typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);

let awsDeps: RiskSweepDeps | undefined;
const fromEnvironment = (): RiskSweepDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  awsDeps = {
    riskStore: adapters.stores.riskStore,
    decisionIntake: adapters.stores.decisionIntake,
    queue: awsOrderQueue(adapters),
    bus: adapters.bus,
    clock: systemClock,
    telemetry: new PowertoolsTelemetry(),
    defaults: adapters.config.riskLimits,
    accounts: adapters.config.accounts,
    logger: createLogger('risk'),
  };
  return awsDeps;
};

// The broker's calendar, as the feed stored it, is installed before each decision (read at most every 5 minutes).
const decide = createRiskHandler(fromEnvironment);
const decideBatch = createRiskBatchHandler(fromEnvironment);
const sweep = createRiskSweepHandler(fromEnvironment);
// Traced, and every log line carries the invocation's correlation id (functions/support/invocation.ts).
export const handler = observed(
  'risk',
  riskInvocationKeys,
  withDeployProbe('risk', () => ({
    // The limits in force compile for every account (an override that does not would deny every intent), read as a decision reads them.
    decisionSnapshot: () =>
      Promise.all(
        fromEnvironment().accounts.map(async (account) => {
          const snapshot = await fromEnvironment().riskStore.loadDecisionSnapshot(account, ['deploy-probe'], []);
          if (!resolveCompiledLimits(fromEnvironment().defaults, snapshot.limitsOverride, snapshot.limitsVersion)) throw new Error(`the limits of ${account} do not compile`);
        }),
      ),
  }), withStoredCalendars(
    () => awsStoredCalendars(awsAdapters().stores.marketDataStore, 'risk'),
    (event: unknown): Promise<IntentOutcome | SQSBatchResponse | SweepOutcome> => (isScheduled(event) ? sweep(event) : isQueueBatch(event) ? decideBatch(event) : decide(event)),
  )),
);
