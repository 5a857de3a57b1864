// Risk function: EventBridge delivers one OrderIntended event; the pre-trade engine decides, records and
// queues. The one-minute schedule sweeps the intents parked for a decider that died or went quiet. Bad input
// is rejected (named field and rule, counted) before anything is read or written.
import type { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { DETAIL_TYPES } from '../../shared/events/catalog';
import { EVENT_SOURCES } from '../../shared/events/envelope';
import { OrderIntendedEventDetailSchema } from '../../shared/events/order-events';
import { systemClock } from '../../adapters/system/system-clock';
import { decideIntent, decideParked, type IntentOutcome, type RiskServiceDeps } from '../../shared/risk/risk-service';
import { InfrastructureError } from '../../shared/errors/errors';
import { createLogger, parseInput } from '../support/handler-support';
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

/** The schedule's events come from aws.events; everything else is taken for an intent (and validated as one). */
const isScheduled = (event: unknown): boolean => typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.events';

let awsDeps: RiskSweepDeps | undefined;
const fromEnvironment = (): RiskSweepDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  if (!adapters.queue) throw new InfrastructureError('ORDER_QUEUE_URL is required by the risk function', 'config');
  awsDeps = {
    riskStore: adapters.stores.riskStore,
    decisionIntake: adapters.stores.decisionIntake,
    queue: adapters.queue,
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
const sweep = createRiskSweepHandler(fromEnvironment);
export const handler = withStoredCalendars(
  () => awsStoredCalendars(awsAdapters().stores.marketDataStore, 'risk'),
  (event: unknown): Promise<IntentOutcome | SweepOutcome> => (isScheduled(event) ? sweep(event) : decide(event)),
);
