// What a breaker invocation is found by: the breach id (its state machine execution's name) as the correlation
// id, else the EventBridge event's id, and the account (and a throttle trip's intent) in X-Ray.
import { text } from '../support/event-fields';
import type { InvocationKeys } from '../support/invocation';

/** A Task state's payload carries the execution state in `input`; a routed event its detail (an alarm names no account). */
export const breakerInvocationKeys: InvocationKeys = {
  correlationId: (event) => text(event, 'input', 'breachId') ?? text(event, 'detail', 'data', 'breachId') ?? text(event, 'id'),
  annotate: (event) => ({
    account: text(event, 'input', 'account') ?? text(event, 'detail', 'data', 'account') ?? text(event, 'detail', 'meta', 'account'),
    intentId: text(event, 'detail', 'data', 'intentId'),
  }),
};
