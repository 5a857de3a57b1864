// The kill-switch API's administration doors, each with its own permission (shared/operators/operator-config.ts):
// POST /strategy/disable and /strategy/enable (one strategy stopped, the account trading on), GET and PUT /limits
// (an account's limits override, validated whole before it is written), POST /reference (reference data loaded by
// a person). The caller is the person; the body never names one. Input is validated whole before anything is
// read or written; an account that is not the environment's answers 404 before anything is touched.
import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { AccountIdSchema } from '../../shared/events/ids';
import { disableStrategy, enableStrategy, StrategySwitchRequestSchema, type StrategySwitchDeps } from '../../shared/kill-switch/strategy-switch';
import { loadReference, LoadReferenceRequestSchema, type ReferenceLoadDeps } from '../../shared/feed/reference-load';
import type { Clock } from '../../shared/ports/clock';
import type { Log } from '../../shared/ports/log';
import type { Telemetry } from '../../shared/ports/telemetry';
import { setLimits, SetLimitsRequestSchema, showLimits, type LimitsAdminDeps } from '../../shared/risk/limits-admin';
import { parseInput, parseJson } from '../support/handler-support';
import { bodyText, json, unknownAccount } from './responses';

const FUNCTION = 'kill-switch';

export type AdminRoute = 'strategy-disable' | 'strategy-enable' | 'limits-show' | 'limits-set' | 'reference-load';

export const adminRouteOf = (method: string, path: string): AdminRoute | undefined => {
  if (method === 'POST' && path === '/strategy/disable') return 'strategy-disable';
  if (method === 'POST' && path === '/strategy/enable') return 'strategy-enable';
  if (method === 'GET' && path === '/limits') return 'limits-show';
  if (method === 'PUT' && path === '/limits') return 'limits-set';
  if (method === 'POST' && path === '/reference') return 'reference-load';
  return undefined;
};

export interface AdminRouteDeps {
  telemetry: Telemetry;
  logger: Pick<Log, 'error' | 'info'>;
  clock: Clock;
  accounts: readonly string[];
  /** The per-strategy switch for POST /strategy/disable|enable (and the status's strategies); without it those routes answer 503. */
  strategySwitch?: Omit<StrategySwitchDeps, 'clock'>;
  /** The limits override's store and the environment's defaults for GET and PUT /limits; without it they answer 503. */
  limits?: Omit<LimitsAdminDeps, 'clock'>;
  /** The reference item and the audit trail for POST /reference; without it the route answers 503. */
  reference?: Omit<ReferenceLoadDeps, 'clock' | 'accounts'>;
}

/** A strategy switch names the strategy; the person is the caller. */
export const StrategySwitchBodySchema = StrategySwitchRequestSchema.pick({ account: true, strategy: true, reason: true }).strict();
export const SetLimitsBodySchema = SetLimitsRequestSchema.omit({ principal: true, requestId: true }).strict();
export const LoadReferenceBodySchema = LoadReferenceRequestSchema.omit({ principal: true, requestId: true }).strict();
const AccountQuerySchema = z.object({ account: AccountIdSchema });

interface AdminRequest {
  body?: string | null | undefined;
  isBase64Encoded?: boolean | undefined;
  queryStringParameters?: Record<string, string | undefined> | null | undefined;
}

const unavailable = (what: string) => json(503, { error: 'Unavailable', message: `${what} is not configured for this API` });

export const handleAdminRoute = async (
  route: AdminRoute,
  request: AdminRequest,
  d: AdminRouteDeps,
  caller: { principal: string; requestId: string; deadlineMs: number | undefined },
): Promise<APIGatewayProxyResult> => {
  const { principal, requestId } = caller;
  const body = () => parseJson(d, FUNCTION, bodyText(request), 'body');
  if (route === 'limits-show') {
    if (!d.limits) return unavailable('the limits store');
    const { account } = parseInput(d, FUNCTION, AccountQuerySchema, request.queryStringParameters ?? {}, 'query');
    if (!d.accounts.includes(account)) return unknownAccount(account, d.accounts);
    return json(200, await showLimits(d.limits, account));
  }
  if (route === 'limits-set') {
    if (!d.limits) return unavailable('the limits store');
    const parsed = parseInput(d, FUNCTION, SetLimitsBodySchema, body(), 'body');
    if (!d.accounts.includes(parsed.account)) return unknownAccount(parsed.account, d.accounts);
    const result = await setLimits({ ...d.limits, clock: d.clock }, { ...parsed, principal, requestId });
    d.logger.info('limits set', { account: parsed.account, principal, requestId, outcome: result.outcome });
    return result.outcome === 'refused' ? json(409, { error: 'LimitsRefused', reason: result.reason, message: result.message }) : json(200, result);
  }
  if (route === 'reference-load') {
    if (!d.reference) return unavailable('reference loading');
    const parsed = parseInput(d, FUNCTION, LoadReferenceBodySchema, body(), 'body');
    const result = await loadReference({ ...d.reference, clock: d.clock, accounts: d.accounts }, { ...parsed, principal, requestId });
    d.logger.info('reference loaded', { principal, requestId, symbols: result.symbols });
    return json(200, result);
  }
  if (!d.strategySwitch) return unavailable('the strategy switch');
  const parsed = parseInput(d, FUNCTION, StrategySwitchBodySchema, body(), 'body');
  const input = parseInput(d, FUNCTION, StrategySwitchRequestSchema, { ...parsed, principal, requestId });
  if (!d.accounts.includes(input.account)) return unknownAccount(input.account, d.accounts);
  const deps = { ...d.strategySwitch, clock: d.clock };
  if (route === 'strategy-enable') {
    const result = await enableStrategy(deps, input);
    d.logger.info('strategy enable', { account: input.account, strategy: input.strategy, principal, requestId, result });
    return result.outcome === 'refused' ? json(409, { error: 'EnableRefused', reason: result.reason, message: result.message }) : json(200, result);
  }
  const result = await disableStrategy(deps, input, caller.deadlineMs === undefined ? {} : { deadlineMs: caller.deadlineMs });
  d.logger.info('strategy disable', { account: input.account, strategy: input.strategy, principal, requestId, result });
  return json(result.complete ? 200 : 207, result);
};
