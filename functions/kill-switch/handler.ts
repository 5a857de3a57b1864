// Kill-switch API: API Gateway REST proxy events, IAM-authenticated. Routes: POST /kill-switch,
// POST /kill-switch/release, POST /breaker/approve, POST /breaker/reject, POST /arm, POST /execution/reenable,
// POST /flatten, GET /status, GET /timeline, and the administration doors of admin-routes.ts (strategies, limits,
// reference data). Before anything else, caller-access.ts checks that API Gateway sent the event for
// this API, names the person (the normalized IAM identity; locally, and only when created with
// { principalFrom: 'header' }, the X-Principal name) and checks the route's permission: 403 otherwise, with
// nothing read or written.
// Input is validated whole before the core runs, so a 400 has written nothing. Activation answers 200
// when every step is done, 207 when KILLED is stored but a later step failed or is incomplete (the steps
// say which), 503 when KILLED could not be stored; a flatten answers like an activation. A refused release,
// approval, rejection, arm, re-enable or flatten is 409 with its coded reason. An account that is not one of the environment's answers 404 on every route, before
// anything is read or written (a mistyped account must not look like a done kill).
import type { AuditLog } from '../../shared/ports/audit-log';
import { readTimeline, TimelineQuerySchema } from '../../shared/timeline/timeline';
import { awsCancelAll, awsCancelStrategyOrders, onCallPager } from '../../adapters/aws/safety-wiring';
import { breakerControl, orderIntakeControlPlane } from '../../adapters/aws/kill-switch-wiring';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import { awsAdapters } from '../../adapters/aws-wiring';
import { awsBroker } from '../../adapters/aws/broker-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { approveRecovery, rejectRecovery, type BreakerApprovalDeps } from '../../shared/breaker/approval';
import { armAccount } from '../../shared/bring-up/account-bring-up';
import { armSettingsFor, type ArmSettings } from '../../shared/config/arm-settings';
import type { MarketDataStore } from '../../shared/ports/market-data-store';
import type { Telemetry } from '../../shared/ports/telemetry';
import { startRecoveryWith } from '../../shared/kill-switch/release-trip';
import { answerDeadlineMs } from '../../shared/kill-switch/answer-deadline';
import { flattenAccount, type FlattenDeps } from '../../shared/kill-switch/flatten';
import { reenableExecution, ReenableExecutionSchema } from '../../shared/risk/operator-actions';
import { ACCOUNT_SCOPE } from '../../shared/risk/scopes';
import type { RiskStore } from '../../shared/ports/risk-store';
import { InfrastructureError, InvalidInputError } from '../../shared/errors/errors';
import { AccountIdSchema } from '../../shared/events/ids';
import {
  activateKillSwitch,
  killSwitchStatus,
  KillSwitchRequestSchema,
  releaseKillSwitch,
  type KillSwitchDeps,
} from '../../shared/kill-switch/kill-switch';
import { systemClock } from '../../adapters/system/system-clock';
import { withDeployProbe } from '../support/deploy-probe';
import { createLogger, parseInput, parseJson } from '../support/handler-support';
import { observed } from '../support/invocation';
import { killSwitchInvocationKeys } from './invocation-keys';
import { authorizeCaller, type CallerAccess } from './caller-access';
import { adminRouteOf, handleAdminRoute, type AdminRouteDeps } from './admin-routes';
import { bodyText, json, unknownAccount } from './responses';
import { killSwitchRuntimeEnv } from '../../shared/config/runtime-env';
import { METRICS } from '../../shared/telemetry/metrics';
import { awsStoredCalendars, withStoredCalendars } from '../support/stored-calendars';

const FUNCTION = 'kill-switch';

/** The approval routes answer the breaker execution waiting for a person (SendTaskSuccess / SendTaskFailure). */
export type KillSwitchHandlerDeps = KillSwitchDeps &
  BreakerApprovalDeps & {
  telemetry: Telemetry;
  logger: Pick<Logger, 'error' | 'info'>;
  /** The environment's accounts: the only ones any route acts on or reports. */
  accounts: readonly string[];
  /** Which API may send events, and who may take which action. */
  callers: CallerAccess;
  /** What POST /arm judges a brought-up account by; without it the route answers 503 (nothing is armed). */
  arm?: ArmSettings & { marketDataStore: Pick<MarketDataStore, 'getMarks' | 'getFeedHeartbeat'> };
  /** POST /execution/reenable lifts a throttle trip in the risk store. */
  riskStore: Pick<RiskStore, 'reenableExecution'>;
  /** The broker's close-all and the audit trail for POST /flatten; without it the route answers 503. */
  flatten?: FlattenDeps;
  /** The audit trail's read side for GET /timeline; without it the route answers 503. */
  auditLog?: AuditLog;
} & AdminRouteDeps;

export interface KillSwitchHandlerOptions {
  /** 'iam' (default, AWS): requestContext.identity.userArn, normalized. 'header': X-Principal, the local stand-in only. */
  principalFrom?: 'iam' | 'header';
}

/** The parts of a REST proxy event the API reads; API Gateway sends many more, which are ignored. */
export const KillSwitchApiEventSchema = z.object({
  httpMethod: z.string(),
  path: z.string(),
  headers: z.record(z.string(), z.string().optional()).nullish(),
  queryStringParameters: z.record(z.string(), z.string().optional()).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().optional(),
  requestContext: z.object({
    requestId: z.string().min(1),
    identity: z.object({ userArn: z.string().nullish() }).partial().nullish(),
  }),
});

export const KillSwitchBodySchema = KillSwitchRequestSchema.pick({ account: true, reason: true }).strict();
/** Re-enable names the throttle scope: a strategy, or '*' (the default) for an account-wide trip. */
export const ReenableBodySchema = ReenableExecutionSchema.pick({ account: true, reason: true })
  .extend({ strategy: ReenableExecutionSchema.shape.strategy.optional() })
  .strict();
export const StatusQuerySchema = z.object({ account: AccountIdSchema });


type Route = 'activate' | 'release' | 'approve' | 'reject' | 'arm' | 'reenable' | 'flatten' | 'status' | 'timeline';
const routeOf = (method: string, path: string): Route | undefined => {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (method === 'POST' && p === '/kill-switch') return 'activate';
  if (method === 'POST' && p === '/kill-switch/release') return 'release';
  if (method === 'POST' && p === '/breaker/approve') return 'approve';
  if (method === 'POST' && p === '/breaker/reject') return 'reject';
  if (method === 'POST' && p === '/arm') return 'arm';
  if (method === 'POST' && p === '/execution/reenable') return 'reenable';
  if (method === 'POST' && p === '/flatten') return 'flatten';
  if (method === 'GET' && p === '/status') return 'status';
  if (method === 'GET' && p === '/timeline') return 'timeline';
  return undefined;
};


export const createKillSwitchHandler =
  (deps: () => KillSwitchHandlerDeps, options: KillSwitchHandlerOptions = {}) =>
  async (event: unknown, context?: Partial<Pick<Context, 'getRemainingTimeInMillis'>>): Promise<APIGatewayProxyResult> => {
    const d = deps();
    try {
      const caller = authorizeCaller(event, d.callers, options.principalFrom ?? 'iam');
      if (!caller.ok) {
        d.logger.info('caller refused', { status: caller.statusCode, message: caller.message });
        return json(caller.statusCode, { error: caller.error, message: caller.message });
      }
      const request = parseInput(d, FUNCTION, KillSwitchApiEventSchema, event, 'event');
      const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
      const admin = adminRouteOf(request.httpMethod, path);
      const route = routeOf(request.httpMethod, path);
      const { principal } = caller;
      const requestId = request.requestContext.requestId;
      if (admin) return await handleAdminRoute(admin, request, d, { principal, requestId, deadlineMs: answerDeadlineMs(d.clock.now(), context?.getRemainingTimeInMillis?.()) });
      if (!route) return json(404, { error: 'NotFound', message: `no route ${request.httpMethod} ${request.path}` });

      if (route === 'status') {
        const { account } = parseInput(d, FUNCTION, StatusQuerySchema, request.queryStringParameters ?? {});
        if (!d.accounts.includes(account)) return unknownAccount(account, d.accounts);
        const [status, strategies] = await Promise.all([killSwitchStatus(d, account), d.strategySwitch?.strategySwitchStore.getStrategySwitches(account)]);
        return json(200, { ...status, ...(strategies ? { strategies } : {}) });
      }

      if (route === 'timeline') {
        if (!d.auditLog) return json(503, { error: 'Unavailable', message: 'the audit trail is not readable through this API' });
        const query = parseInput(d, FUNCTION, TimelineQuerySchema, request.queryStringParameters ?? {}, 'query');
        if (!d.accounts.includes(query.account)) return unknownAccount(query.account, d.accounts);
        return json(200, await readTimeline(d.auditLog, query));
      }

      const text = bodyText(request);
      const parsed: { account: string; reason: string; strategy?: string } = parseInput(d, FUNCTION, route === 'reenable' ? ReenableBodySchema : KillSwitchBodySchema, parseJson(d, FUNCTION, text, 'body'));
      const { strategy, ...body } = parsed;
      // The whole request, principal included, is valid before anything is written.
      const input = parseInput(d, FUNCTION, KillSwitchRequestSchema, { ...body, principal, requestId });
      if (!d.accounts.includes(input.account)) return unknownAccount(input.account, d.accounts);

      if (route === 'activate') {
        // The cancels stop starting in time for the answer to reach the caller before API Gateway's 29 s.
        const result = await activateKillSwitch(d, input, { cancelDeadlineMs: answerDeadlineMs(d.clock.now(), context?.getRemainingTimeInMillis?.()) });
        d.logger.info('kill switch activated', { account: input.account, principal, requestId, steps: result.steps });
        if (result.state === 'KILLED' && !result.alreadyKilled) d.telemetry.count(METRICS.killSwitchActivated, { account: input.account });
        return json(result.state !== 'KILLED' ? 503 : result.complete ? 200 : 207, result);
      }
      if (route === 'arm') {
        if (!d.arm) return json(503, { error: 'Unavailable', message: 'arming is not configured for this API' });
        const result = await armAccount({ ...d, ...d.arm }, input);
        d.logger.info('arm', { account: input.account, principal, requestId, result });
        if (result.outcome === 'refused') return json(409, { error: 'ArmRefused', reason: result.reason, message: result.message });
        return json(200, result);
      }
      if (route === 'reenable') {
        const result = await reenableExecution(d, { account: input.account, strategy: strategy ?? ACCOUNT_SCOPE, person: principal, reason: input.reason });
        d.logger.info('execution re-enable', { account: input.account, principal, requestId, result });
        if (result.outcome === 'refused') return json(409, { error: 'ReenableRefused', reason: result.reason, message: result.message });
        return json(200, result);
      }
      if (route === 'flatten') {
        if (!d.flatten) return json(503, { error: 'Unavailable', message: 'flatten is not configured for this API' });
        const result = await flattenAccount({ ...d, flatten: d.flatten }, input, { deadlineMs: answerDeadlineMs(d.clock.now(), context?.getRemainingTimeInMillis?.()) });
        d.logger.info('flatten', { account: input.account, principal, requestId, result });
        if (result.outcome === 'refused') return json(409, { error: 'FlattenRefused', reason: result.reason, message: result.message });
        return json(result.complete ? 200 : 207, result);
      }
      if (route === 'approve' || route === 'reject') {
        const result = await (route === 'approve' ? approveRecovery : rejectRecovery)(d, input);
        d.logger.info(`breaker ${route}`, { account: input.account, principal, requestId, result });
        if (result.outcome === 'refused') return json(409, { error: 'ApprovalRefused', reason: result.reason, message: result.message });
        return json(200, result);
      }
      const result = await releaseKillSwitch(d, input);
      d.logger.info('kill switch release', { account: input.account, principal, requestId, result });
      if (result.outcome === 'refused') return json(409, { error: 'ReleaseRefused', reason: result.reason, message: result.message });
      return json(result.complete ? 200 : 207, result);
    } catch (error) {
      if (error instanceof InvalidInputError) return json(400, { error: 'InvalidInput', issues: error.issues });
      d.logger.error('kill-switch request failed', { error });
      if (error instanceof InfrastructureError) return json(503, { error: 'Unavailable', message: error.message });
      return json(500, { error: 'InternalError' });
    }
  };

let awsDeps: KillSwitchHandlerDeps | undefined;
const fromEnvironment = (): KillSwitchHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  const runtime = killSwitchRuntimeEnv(process.env);
  const telemetry = new PowertoolsTelemetry();
  const breaker = breakerControl();
  awsDeps = {
    ...adapters.stores,
    controlPlane: orderIntakeControlPlane(),
    // Without a topic the page step reports failed (fail closed), never done.
    pager: onCallPager(),
    clock: systemClock,
    // The order function's consumer is stopped by now, so the cancels go to the broker from here.
    cancelAll: awsCancelAll(adapters, telemetry, FUNCTION),
    // The breaker state machine owns recovery. Without its ARN the step fails (the account stays HALTED).
    startRecovery: startRecoveryWith(breaker.starter),
    approvals: breaker.approvals,
    telemetry,
    logger: createLogger(FUNCTION),
    accounts: adapters.config.accounts,
    callers: runtime,
    arm: { ...armSettingsFor(adapters.config), marketDataStore: adapters.stores.marketDataStore },
    flatten: { closeAllPositions: () => awsBroker(adapters).closeAllPositions(), audit: adapters.stores.orderStore },
    auditLog: adapters.auditLog,
    strategySwitch: { strategySwitchStore: adapters.stores.strategySwitchStore, cancelStrategyOrders: awsCancelStrategyOrders(adapters, telemetry, FUNCTION) },
    limits: { limitsStore: adapters.stores.limitsStore, defaults: adapters.config.riskLimits },
    reference: { marketDataStore: adapters.stores.marketDataStore, audit: adapters.stores.orderStore },
  };
  return awsDeps;
};

// The broker's calendar, as the feed stored it, is installed before each decision (read at most every 5 minutes).
// Traced, and every log line carries the invocation's correlation id (functions/support/invocation.ts).
export const handler = observed(
  FUNCTION,
  killSwitchInvocationKeys,
  withDeployProbe(
    FUNCTION,
    // What GET /status reads (the table, the intake rule, the marks, the heartbeat), without its caller checks.
    () => ({ status: () => Promise.all(fromEnvironment().accounts.map((account) => killSwitchStatus(fromEnvironment(), account))) }),
    withStoredCalendars(() => awsStoredCalendars(awsAdapters().stores.marketDataStore, FUNCTION), createKillSwitchHandler(fromEnvironment)),
  ),
);
