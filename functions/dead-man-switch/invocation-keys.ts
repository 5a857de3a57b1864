// What a dead-man-switch check is found by: the schedule event's id as the correlation id. It covers every account.
import { text } from '../support/event-fields';
import type { InvocationKeys } from '../support/invocation';

export const deadManSwitchInvocationKeys: InvocationKeys = {
  correlationId: (event) => text(event, 'id'),
  annotate: () => ({}),
};
