// Dead-man-switch function: the dead-man switch on its one-minute schedule (SCHEDULE_ROUTES). Thin: validate the
// schedule event, run one check of every configured account (shared/dead-man-switch/dead-man-switch.ts), and fail
// the invocation when a step failed (a breach not published, a cancel-all not done), so it is retried and
// its error alarm, which halts trading through the breaker, goes off.
import { awsCancelAll } from '../../adapters/aws/safety-wiring';
import type { Logger } from '@aws-lambda-powertools/logger';
import { awsAdapters } from '../../adapters/aws-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { InfrastructureError } from '../../shared/errors/errors';
import { systemClock } from '../../adapters/system/system-clock';
import { checkFeedLiveness, DEAD_MAN_SWITCH_ACTOR, type DeadManSwitchDeps, type DeadManSwitchResult } from '../../shared/dead-man-switch/dead-man-switch';
import { resolveDeadManSwitchConfig } from '../../shared/dead-man-switch/dead-man-switch-config';
import { withDeployProbe } from '../support/deploy-probe';
import { createLogger, parseInput } from '../support/handler-support';
import { observed } from '../support/invocation';
import { deadManSwitchInvocationKeys } from './invocation-keys';
import { ScheduledEventSchema } from '../support/scheduled-event';
import { awsStoredCalendars, withStoredCalendars } from '../support/stored-calendars';

export type DeadManSwitchHandlerDeps = DeadManSwitchDeps & { logger: Pick<Logger, 'error' | 'info'> };

export const createDeadManSwitchHandler =
  (deps: () => DeadManSwitchHandlerDeps) =>
  async (event: unknown): Promise<DeadManSwitchResult> => {
    const d = deps();
    parseInput(d, 'dead-man-switch', ScheduledEventSchema, event);
    const result = await checkFeedLiveness(d, d.clock.now());
    if (result.stale) d.logger.error('feed stale', { accounts: result.accounts });
    else d.logger.info('feed live', { checkedAt: result.checkedAt });
    const failed = result.accounts.filter((a) => a.errors.length > 0);
    if (failed.length > 0) {
      throw new InfrastructureError(`dead-man switch incomplete: ${failed.map((a) => `${a.account}: ${a.errors.join('; ')}`).join(' | ')}`, 'dead-man-switch');
    }
    return result;
  };

let awsDeps: DeadManSwitchHandlerDeps | undefined;
const fromEnvironment = (): DeadManSwitchHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  const telemetry = new PowertoolsTelemetry();
  awsDeps = {
    marketDataStore: adapters.stores.marketDataStore,
    reconciliationStore: adapters.stores.reconciliationStore,
    orderStore: adapters.stores.orderStore,
    tradingStateStore: adapters.stores.tradingStateStore,
    bus: adapters.bus,
    // Cancel-all talks to the broker: this function gets BROKER_SECRET_ID like the breaker.
    cancelAll: awsCancelAll(adapters, telemetry, DEAD_MAN_SWITCH_ACTOR, 'feed stale'),
    clock: systemClock,
    accounts: adapters.config.accounts,
    config: resolveDeadManSwitchConfig(adapters.config.deadManSwitch),
    riskLimits: adapters.config.riskLimits,
    telemetry,
    logger: createLogger('dead-man-switch'),
  };
  return awsDeps;
};

// The broker's calendar, as the feed stored it, is installed before each decision (read at most every 5 minutes).
// Traced, and every log line carries the invocation's correlation id (functions/support/invocation.ts).
export const handler = observed(
  'dead-man-switch',
  deadManSwitchInvocationKeys,
  withDeployProbe(
    'dead-man-switch',
    () => ({ heartbeat: () => fromEnvironment().marketDataStore.getFeedHeartbeat() }),
    withStoredCalendars(() => awsStoredCalendars(awsAdapters().stores.marketDataStore, 'dead-man-switch'), createDeadManSwitchHandler(fromEnvironment)),
  ),
);
