// What an order invocation is found by: its message's intent id as the correlation id (a batch of several orders'
// messages has none of its own) and the messages' account, symbol and intent id in X-Ray.
import { annotationsOf, type TraceAnnotations } from '../../adapters/powertools/tracing';
import { onlyOne, sqsBodies, text } from '../support/event-fields';
import type { InvocationKeys } from '../support/invocation';

/** An order queue message: an approval names its intent, a cancel the intent, a broker update its client order id (the intent id). */
const messageOf = (body: unknown): TraceAnnotations => ({
  account: text(body, 'detail', 'meta', 'account'),
  symbol: text(body, 'detail', 'data', 'intent', 'symbol') ?? text(body, 'detail', 'data', 'symbol') ?? text(body, 'detail', 'data', 'update', 'order', 'symbol'),
  intentId:
    text(body, 'detail', 'data', 'intent', 'intentId') ?? text(body, 'detail', 'data', 'intentId') ?? text(body, 'detail', 'data', 'update', 'order', 'clientOrderId'),
});

/** A cancel-all names no intent: its envelope's correlation id (the request) stands for it. */
const correlationOf = (body: unknown): string | undefined => messageOf(body).intentId ?? text(body, 'detail', 'meta', 'correlationId');

export const orderInvocationKeys: InvocationKeys = {
  correlationId: (event) => onlyOne(sqsBodies(event).map(correlationOf)),
  annotate: (event) => annotationsOf(sqsBodies(event).map(messageOf)),
};
