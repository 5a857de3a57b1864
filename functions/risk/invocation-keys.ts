// What a risk invocation is found by: its intent's id as the correlation id (a queue batch of several intents has
// none of its own; each decision's line carries its intent id) and its intents' account, symbol and intent id in X-Ray.
import { annotationsOf, type TraceAnnotations } from '../../adapters/powertools/tracing';
import { isQueueBatch, onlyOne, sqsBodies, text } from '../support/event-fields';
import type { InvocationKeys } from '../support/invocation';

/** An OrderIntended event as EventBridge delivers it (the top-level `account` is the AWS account, not ours). */
const intentOf = (event: unknown): TraceAnnotations => ({
  account: text(event, 'detail', 'meta', 'account'),
  symbol: text(event, 'detail', 'data', 'symbol'),
  intentId: text(event, 'detail', 'data', 'intentId'),
});

const isScheduled = (event: unknown): boolean => text(event, 'source') === 'aws.events';

/** The intents an invocation carries: a queue batch's, one direct delivery's, or none (the sweep's schedule). */
const intentsOf = (event: unknown): TraceAnnotations[] => {
  if (isQueueBatch(event)) return sqsBodies(event).map(intentOf);
  return isScheduled(event) ? [] : [intentOf(event)];
};

export const riskInvocationKeys: InvocationKeys = {
  correlationId: (event) => (isScheduled(event) ? text(event, 'id') : onlyOne(intentsOf(event).map((intent) => intent.intentId))),
  annotate: (event) => annotationsOf(intentsOf(event)),
};
