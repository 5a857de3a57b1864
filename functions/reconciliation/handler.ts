// Reconciliation function: on each scheduled event, reconciles every configured account with the broker
// (in-flight orders, orders, positions, cash; see docs/reconciliation.md) and publishes the breaks. A run id
// derived from the schedule event makes reruns dedupe.
import type { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { deterministicId } from '../../shared/events/ids';
import { systemClock } from '../../shared/ports/clock';
import type { ReconciliationRecord } from '../../shared/ports/trading-store';
import { reconcileAccount, type ReconciliationDeps } from '../../shared/reconciliation/reconciliation-service';
import { createLogger, parseInput } from '../support/handler-support';

export const ScheduledEventSchema = EventBridgeSchema.extend({
  source: z.literal('aws.events', { error: 'must be aws.events' }),
  'detail-type': z.literal('Scheduled Event', { error: 'must be "Scheduled Event"' }),
});

export type ReconciliationHandlerDeps = ReconciliationDeps & {
  accounts: readonly string[];
  logger: Pick<Logger, 'error' | 'info'>;
};

export const createReconciliationHandler =
  (deps: () => ReconciliationHandlerDeps) =>
  async (event: unknown): Promise<ReconciliationRecord[]> => {
    const d = deps();
    const scheduled = parseInput(d, 'reconciliation', ScheduledEventSchema, event);
    const results: ReconciliationRecord[] = [];
    for (const account of d.accounts) {
      results.push(await reconcileAccount(d, account, deterministicId('rec', scheduled.id, account)));
    }
    return results;
  };

let awsDeps: ReconciliationHandlerDeps | undefined;
const fromEnvironment = (): ReconciliationHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  awsDeps = {
    store: adapters.store,
    broker: adapters.broker,
    bus: adapters.bus,
    clock: systemClock,
    telemetry: new PowertoolsTelemetry(),
    accounts: adapters.config.accounts,
    logger: createLogger('reconciliation'),
  };
  return awsDeps;
};

export const handler = createReconciliationHandler(fromEnvironment);
