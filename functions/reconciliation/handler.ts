// Reconciliation function: after each deploy and on each scheduled event, reconciles every configured account with the broker
// (in-flight orders, orders, positions, cash; see docs/reconciliation.md) and publishes the breaks. A run id
// derived from the schedule event makes reruns dedupe. It never writes the trading state: a new account has
// none (every intent denied) until a person arms it through the kill-switch API.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { awsAdapters } from '../../adapters/aws-wiring';
import { orderServiceAdapters } from '../../adapters/aws/broker-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { deterministicId } from '../../shared/events/ids';
import type { ReconciliationRecord } from '../../shared/ports/reconciliation-store';
import { reconcileAccount, type ReconciliationDeps } from '../../shared/reconciliation/reconciliation-service';
import { withDeployProbe } from '../support/deploy-probe';
import { createLogger, parseInput } from '../support/handler-support';
import { observed } from '../support/invocation';
import { reconciliationInvocationKeys } from './invocation-keys';
import { ScheduledEventSchema } from '../support/scheduled-event';

export type ReconciliationHandlerDeps = ReconciliationDeps & {
  accounts: readonly string[];
  logger: Pick<Logger, 'error' | 'info'>;
};

/**
 * The deployment trigger (infra/trading-stack.ts) invokes the function with an empty payload after every
 * deploy that changes it: the start-up run, so a new version never trades on a table it has not compared
 * with the broker for up to a schedule period.
 */
const isDeploymentRun = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && !Array.isArray(event) && Object.keys(event).length === 0;

export const createReconciliationHandler =
  (deps: () => ReconciliationHandlerDeps) =>
  async (event: unknown, context?: Pick<Context, 'awsRequestId'>): Promise<ReconciliationRecord[]> => {
    const d = deps();
    const runKey = isDeploymentRun(event)
      ? `deploy:${context?.awsRequestId ?? d.clock.now()}`
      : parseInput(d, 'reconciliation', ScheduledEventSchema, event).id;
    const results: ReconciliationRecord[] = [];
    for (const account of d.accounts) {
      results.push(await reconcileAccount(d, account, deterministicId('rec', runKey, account)));
    }
    return results;
  };

let awsDeps: ReconciliationHandlerDeps | undefined;
const fromEnvironment = (): ReconciliationHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  awsDeps = {
    reconciliationStore: adapters.stores.reconciliationStore,
    ...orderServiceAdapters(adapters),
    telemetry: new PowertoolsTelemetry(),
    accounts: adapters.config.accounts,
    logger: createLogger('reconciliation'),
  };
  return awsDeps;
};

// Traced, and every log line carries the invocation's correlation id (functions/support/invocation.ts).
export const handler = observed(
  'reconciliation',
  reconciliationInvocationKeys,
  withDeployProbe(
    'reconciliation',
    () => ({
      broker: () => fromEnvironment().broker.listOpenOrders(),
      lastRuns: () => Promise.all(fromEnvironment().accounts.map((account) => fromEnvironment().reconciliationStore.getReconciliation(account))),
    }),
    createReconciliationHandler(fromEnvironment),
  ),
);
