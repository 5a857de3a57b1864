// Who is calling the kill-switch API and whether they may take this route's action, decided before anything is
// read or written: the event must carry API Gateway's request context for this API and stage, the caller must be a
// person of the operator policy (operator-identity.ts), and that person must hold the route's permission.
// Invariants: every route maps to exactly one action (unknown routes are 404); any doubt answers 403.
import * as z from 'zod';
import { ROUTE_ACTIONS, type OperatorAction, type OperatorPolicy } from '../../shared/operators/operator-config';
import { identifyAwsPrincipal, identifyLocalName } from '../../shared/operators/operator-identity';

/** What the handler trusts about where an event came from. */
export interface CallerAccess {
  /** Who may act, and what each may do. */
  operators: OperatorPolicy;
  /** The REST API id and stage this function serves (in AWS from KILL_SWITCH_API_ID and the environment name). */
  apiId: string;
  stage: string;
}


/** The fields API Gateway's REST proxy integration always sets; a hand-made event tends to lack some. */
const GatewayEventSchema = z.object({
  httpMethod: z.string(),
  path: z.string(),
  headers: z.record(z.string(), z.string().optional()).nullish(),
  requestContext: z.object({
    requestId: z.string().min(1),
    apiId: z.string().min(1),
    stage: z.string().min(1),
    accountId: z.string().regex(/^\d{12}$/),
    httpMethod: z.string().min(1),
    identity: z.object({ userArn: z.string().nullish() }),
  }),
});

export type CallerCheck =
  | { ok: true; principal: string; action: OperatorAction }
  | { ok: false; statusCode: 403 | 404; error: 'Forbidden' | 'NotFound'; message: string };

const forbidden = (message: string): CallerCheck => ({ ok: false, statusCode: 403, error: 'Forbidden', message });

const routeKeyOf = (method: string, path: string): string => `${method} ${path.length > 1 ? path.replace(/\/+$/, '') : path}`;

const headerOf = (headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

/**
 * The person behind `event` and the action its route takes, or the refusal. `principalFrom: 'header'` is the local
 * stand-in (the X-Principal name); everywhere else the IAM principal API Gateway authenticated.
 */
export const authorizeCaller = (event: unknown, access: CallerAccess, principalFrom: 'iam' | 'header'): CallerCheck => {
  const parsed = GatewayEventSchema.safeParse(event);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    return forbidden(`not a request from the kill-switch API: ${fields} missing or malformed (API Gateway sets them)`);
  }
  const { requestContext: context, httpMethod, path, headers } = parsed.data;
  if (context.apiId !== access.apiId || context.stage !== access.stage) {
    return forbidden(`not a request from this kill-switch API (apiId ${context.apiId}, stage ${context.stage})`);
  }
  if (context.httpMethod !== httpMethod) return forbidden('not a request from the kill-switch API: requestContext.httpMethod differs from httpMethod');

  const key = routeKeyOf(httpMethod, path);
  const action: OperatorAction | undefined = (ROUTE_ACTIONS as Record<string, OperatorAction>)[key];
  if (!action) return { ok: false, statusCode: 404, error: 'NotFound', message: `no route ${httpMethod} ${path}` };

  let identified;
  if (principalFrom === 'header') {
    const name = headerOf(headers, 'x-principal')?.trim();
    if (!name) return forbidden('the caller has no principal (the X-Principal header names the person locally)');
    identified = identifyLocalName(name, access.operators);
  } else {
    const userArn = context.identity.userArn?.trim();
    if (!userArn) return forbidden('the caller has no principal (an IAM identity is required)');
    identified = identifyAwsPrincipal(userArn, access.operators, context.accountId);
  }
  if (!identified.ok) return forbidden(identified.message);
  if (!identified.actions.includes(action)) return forbidden(`${identified.person} may not ${action}: ${key} needs the "${action}" permission`);
  return { ok: true, principal: identified.person, action };
};
