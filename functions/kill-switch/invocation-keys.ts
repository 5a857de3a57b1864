// What a kill-switch API call is found by: API Gateway's request id as the correlation id (the same id the
// responses and the audit trail carry) and the account it names, from the body or the query, in X-Ray.
import { Buffer } from 'node:buffer';
import { field, jsonOf, text } from '../support/event-fields';
import type { InvocationKeys } from '../support/invocation';

const bodyOf = (event: unknown): unknown => {
  const body = text(event, 'body');
  if (body === undefined) return undefined;
  return jsonOf(field(event, 'isBase64Encoded') === true ? Buffer.from(body, 'base64').toString('utf8') : body);
};

export const killSwitchInvocationKeys: InvocationKeys = {
  correlationId: (event) => text(event, 'requestContext', 'requestId'),
  annotate: (event) => ({ account: text(event, 'queryStringParameters', 'account') ?? text(bodyOf(event), 'account') }),
};
