// What the cost model assumes where a local run cannot measure: the calendar, cold starts, operator traffic,
// Lambda's pollers, sizes of lines the local wiring does not write. Each value carries why it is what it is; the
// estimate prints them all, and a reader who disagrees changes one here.
import { Decimal } from '../../shared/money/decimal';

/**
 * The envelope Powertools Logger adds to every line with the Lambda context added (functions/support/invocation.ts):
 * a representative prod line without its message and attributes, which the meter measures.
 */
const SAMPLE_LOG_ENVELOPE = JSON.stringify({
  level: 'INFO',
  message: '',
  timestamp: '2026-12-04T14:30:00.000Z',
  service: 'reconciliation',
  cold_start: false,
  function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:TradingSafety-prod-ReconciliationFunction147D7B99-AbCdEfGhIjKl:live',
  function_memory_size: '512',
  function_name: 'TradingSafety-prod-ReconciliationFunction147D7B99-AbCdEfGhIjKl',
  function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  sampling_rate: 0,
  xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
  correlation_id: 'local-scheduled-1764858600000-1',
});

export interface Assumptions {
  tradingDaysPerMonth: number;
  calendarDaysPerYear: number;
  sessionClockHours: number;
  coldStartsPerFunctionPerDay: number;
  initDurationMs: number;
  operatorApiRequestsPerDay: number;
  apiInvocationMs: number;
  breakerExecutionsPerDay: number;
  breakerTransitionsPerExecution: number;
  sqsPollersPerMapping: number;
  sqsPollWaitSeconds: number;
  feedImageGb: number;
  feedStartsPerDay: number;
  leaseRenewalsPerHeartbeat: number;
  kmsCallersPerKey: number;
  logEnvelopeBytes: number;
  deadManLogLineBytes: number;
  apiAccessLogBytes: number;
  stateMachineLogEventBytes: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  tradingDaysPerMonth: 21,
  calendarDaysPerYear: 365,
  sessionClockHours: 7,
  coldStartsPerFunctionPerDay: 24,
  initDurationMs: 800,
  operatorApiRequestsPerDay: 20,
  apiInvocationMs: 300,
  breakerExecutionsPerDay: 0,
  breakerTransitionsPerExecution: 12,
  sqsPollersPerMapping: 5,
  sqsPollWaitSeconds: 20,
  feedImageGb: 0.15,
  feedStartsPerDay: 1,
  leaseRenewalsPerHeartbeat: 1,
  kmsCallersPerKey: 6,
  logEnvelopeBytes: Buffer.byteLength(SAMPLE_LOG_ENVELOPE, 'utf8') + 1,
  deadManLogLineBytes: Buffer.byteLength('feed live{"checkedAt":"2026-12-04T14:30:00.000Z"}', 'utf8'),
  apiAccessLogBytes: 320,
  stateMachineLogEventBytes: 400,
};

export const ASSUMPTION_NOTES: Record<keyof Assumptions, string> = {
  tradingDaysPerMonth: 'NYSE sessions in an average month (252 a year / 12). Per-session costs are paid on these days only.',
  calendarDaysPerYear: 'A month is a twelfth of it (30.42 days). Schedules (reconciliation, the dead-man switch, the parked-intent sweep), the feed task and its heartbeat run around the clock.',
  sessionClockHours: 'A 09:30–16:00 session publishes metrics in seven clock hours; CloudWatch prorates custom metrics by the hour.',
  coldStartsPerFunctionPerDay: 'Not measurable locally: one new execution environment per function per hour (Lambda recycles environments within hours); the INIT phase is billed since 2025-08-01.',
  initDurationMs: 'Not measurable locally: a bundled Node 22 function with the AWS SDK and Powertools starting on Arm.',
  operatorApiRequestsPerDay: 'Kill-switch API calls on a quiet day (status checks from the CLI); the normal local run makes none.',
  apiInvocationMs: 'Duration of one kill-switch API invocation when the run measured none.',
  breakerExecutionsPerDay: 'A normal day trips no breaker; one trip adds its transitions and invocations (see the Step Functions line).',
  breakerTransitionsPerExecution: 'Transitions of one breaker execution when the run measured none (halt, cancel, cool down, probation, approval, recover).',
  sqsPollersPerMapping: "Lambda keeps five long polls open on each SQS event source mapping (the documented minimum of its pollers).",
  sqsPollWaitSeconds: 'Lambda long-polls with the 20-second maximum wait, so an idle poller makes three requests a minute.',
  feedImageGb: 'Compressed size of the feed image in ECR (node:22-slim plus the bundle).',
  feedStartsPerDay: 'The feed task reads the broker secret once when it starts (a deploy or a replacement).',
  leaseRenewalsPerHeartbeat: 'The deployed feed renews its leadership lease with every heartbeat (shared/feed/feed-leadership.ts); the local feed runs without a lease.',
  kmsCallersPerKey:
    'A service encrypting with a customer managed key asks KMS for a data key about every five minutes per caller (SQS reuses one for 300 s by default; DynamoDB and CloudWatch Logs cache theirs similarly): six callers per key (the functions and the feed task).',
  logEnvelopeBytes: 'Bytes Powertools Logger adds to each line (level, timestamp, service, the Lambda context, trace and correlation ids): a representative prod line.',
  deadManLogLineBytes: "The 'feed live' line the deployed dead-man switch writes per run (functions/dead-man-switch/handler.ts); the local session calls the switch without its handler.",
  apiAccessLogBytes: "One line of the kill-switch API's access log (its JSON format in infra/kill-switch-api.ts).",
  stateMachineLogEventBytes: 'One execution-history event the breaker state machine logs (level ALL, without execution data).',
};

/** Calendar days in an average month, for quantities (what runs around the clock runs this many days). */
export const calendarDaysPerMonth = (a: Assumptions): number => a.calendarDaysPerYear / 12;

/** The same, exact, for money. */
export const calendarDaysPerMonthExact = (a: Assumptions): Decimal => new Decimal(a.calendarDaysPerYear).div(12);
