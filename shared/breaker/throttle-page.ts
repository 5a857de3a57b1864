// The page for an execution-throttle trip, sent by the breaker function (the one routed function with a
// pager) when the risk function's ExecutionThrottleTripped event arrives. Invariant: it pages and writes
// nothing; a page that cannot be sent throws, so EventBridge retries the event and finally keeps it in the
// rule's dead-letter queue (never dropped silently). A retried event may page twice: better than none.
import type { ExecutionThrottleTrippedDetail } from '../events/throttle-events';
import type { Page, Pager } from '../ports/pager';

export const throttleTripPage = (detail: ExecutionThrottleTrippedDetail): Page => {
  const { account, scope, fills, intentId, trippedAt } = detail.data;
  const what = scope === '*' ? 'the whole account' : `strategy ${scope}`;
  return {
    severity: 'critical',
    account,
    subject: `execution throttle tripped on ${account}: ${what} disabled after ${fills} fills within its window`,
    message: [
      `tripped at ${trippedAt} by the decision on intent ${intentId}; every order of ${what} is denied EXECUTION_THROTTLE_DISABLED`,
      `a person re-enables it, after looking: POST /execution/reenable {"account":"${account}",${scope === '*' ? '' : `"strategy":"${scope}",`}"reason":"…"}`,
      'the person who re-enabled its previous trip cannot re-enable this one',
    ].join('\n'),
    correlationId: `throttle:${account}:${scope}:${trippedAt}`,
  };
};

export const pageThrottleTrip = async (deps: { pager: Pager }, detail: ExecutionThrottleTrippedDetail): Promise<{ outcome: 'paged'; account: string; scope: string }> => {
  await deps.pager.page(throttleTripPage(detail));
  return { outcome: 'paged', account: detail.data.account, scope: detail.data.scope };
};
