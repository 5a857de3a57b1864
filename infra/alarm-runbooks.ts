// The runbook of every alarm: each alarm's description ends with a link to its page in docs/runbooks/, and a
// test holds the alarms of every environment and the runbook files to each other (none without the other).
// The link is the repository path, or under `-c runbookBaseUrl=<https url>` (where the team's copy of
// docs/runbooks is served), so a person paged at night can open it from the notification.
import type { Construct } from 'constructs';
import { HttpsUrlSchema } from '../shared/config/paging';

export const RUNBOOK_DIR = 'docs/runbooks';

export const RUNBOOKS = [
  'risk-function-errors',
  'order-function-errors',
  'reconciliation-function-errors',
  'breaker-function-errors',
  'dead-man-switch-function-errors',
  'kill-switch-function-errors',
  'function-throttled',
  'breaker-execution-failed',
  'dead-man-switch-silent',
  'trading-calendar-coverage',
  'order-dead-letters',
  'event-dead-letters',
  'failed-invocations',
  'broker-order-id-changed',
  'broker-update-rejected',
  'daily-loss-near-limit',
  'drawdown-warning',
  'gross-exposure-near-cap',
  'account-killed',
  'stale-market-data',
  'decision-latency',
  'rejection-rate',
  'order-queue-oldest-message',
  'intent-queue-oldest-message',
  'feed-failover',
  'reconciliation-breaks',
  'execution-throttle-tripped',
  'kill-switch-activated',
  'deployment-rollback',
] as const;
export type Runbook = (typeof RUNBOOKS)[number];

/** CloudWatch's limit on an alarm's description. */
const MAX_DESCRIPTION = 1024;

/** Where the runbooks are linked from: `-c runbookBaseUrl`, validated, or the repository path. */
export const runbookBase = (scope: Construct): string => {
  const given: unknown = scope.node.tryGetContext('runbookBaseUrl');
  if (given === undefined || given === null || given === '') return RUNBOOK_DIR;
  const parsed = HttpsUrlSchema.safeParse(given);
  if (!parsed.success) throw new Error(`-c runbookBaseUrl=${String(given)}: must be an https:// URL`);
  return parsed.data.replace(/\/+$/, '');
};

/** An alarm's description: what it means, in a sentence, then its runbook's link. */
export const describeAlarm = (scope: Construct, summary: string, runbook: Runbook): string => {
  const text = `${summary.replace(/\.?\s*$/, '.')} Runbook: ${runbookBase(scope)}/${runbook}.md`;
  if (text.length > MAX_DESCRIPTION) throw new Error(`the description of the alarm for ${runbook} is ${text.length} characters, over CloudWatch's ${MAX_DESCRIPTION}`);
  return text;
};
