// What a reconciliation run is found by: the schedule event's id (the run key) as the correlation id; the
// deployment's run (an empty payload) has none, so the Lambda request id stands in. It covers every account.
import { text } from '../support/event-fields';
import type { InvocationKeys } from '../support/invocation';

export const reconciliationInvocationKeys: InvocationKeys = {
  correlationId: (event) => text(event, 'id'),
  annotate: () => ({}),
};
