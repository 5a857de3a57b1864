// Which breaker execution a breach event starts: maps RiskBreach.v1, ReconciliationBreak.v1 and CloudWatch
// alarm state changes to the state machine's input (BreakerTrip). Pure. Invariant: every breachId is a valid Step Functions
// execution name (1-80 characters of [A-Za-z0-9_.:-]), because the execution is named after it and a
// second start with the same name is refused: the id decides how often one breach trips the breaker.
import * as z from 'zod';
import type { BreakerTrip } from '../ports/breaker-starter';
import { utcHourBucket } from '../time/utc';
import { breachIdOf } from '../events/breach-id';
import type { ReconciliationBreakFoundDetailSchema } from '../events/reconciliation-events';
import type { RiskBreachDetail } from '../events/risk-events';

export type ReconciliationBreakDetail = z.infer<typeof ReconciliationBreakFoundDetailSchema>;


/** The risk function already builds a stable, valid id per kind, account and session: used as given. */
export const tripFromRiskBreach = (detail: RiskBreachDetail): BreakerTrip => {
  const { data } = detail;
  return {
    breachId: data.breachId,
    account: data.account,
    kind: data.kind,
    // A producer's own words when it gave them (FEED_STALE names each stale input), else the figures.
    reason: data.reason ?? `${data.kind} ${data.observed} >= ${data.threshold}`,
    detectedAt: data.detectedAt,
  };
};

/**
 * `RECONCILIATION.<account>.<break kind>.<UTC hour YYYYMMDDTHH>`.
 *
 * Why the hour: reconciliation runs every minute and reports a break that persists on every run. The
 * breaker's escalation counts the account's trips in a window (default 3 in 60 minutes → KILLED), so an id
 * per run would escalate one unresolved break to KILLED within three minutes, and an id per break kind
 * alone would trip once ever and never again. One id per account, break kind and UTC hour halts trading at
 * the first report, trips again while the break persists into the next hour, and escalates only after a
 * break has persisted across hours (or several kinds broke at once): counting trips keeps meaning "repeated".
 * The hour is that of the event's occurredAt (the run that saw the break), so retries of one event agree.
 */
export const reconciliationBreachId = (account: string, breakKind: string, occurredAt: string): string =>
  breachIdOf('RECONCILIATION', account, `${breakKind}.${utcHourBucket(occurredAt)}`);

export const tripFromReconciliationBreak = (detail: ReconciliationBreakDetail): BreakerTrip => {
  const { meta, data } = detail;
  const brk = data.break;
  return {
    breachId: reconciliationBreachId(meta.account, brk.kind, meta.occurredAt),
    account: meta.account,
    kind: 'RECONCILIATION_BREAK',
    reason: `${brk.kind}${brk.symbol ? ` ${brk.symbol}` : ''} in run ${data.runId}${brk.message ? `: ${brk.message}` : ''}`,
    detectedAt: meta.occurredAt,
  };
};

/**
 * A break starts the breaker only once two consecutive reconciliation runs reported it: during active
 * trading one comparison can still race a fill in transit, and transient breaks halted trading under the
 * broker-faults scenario. A break without the count (an older producer) counts as a first report.
 */
export const MIN_CONSECUTIVE_RUNS = 2;

export const isPersistentBreak = (detail: ReconciliationBreakDetail): boolean => (detail.data.break.consecutiveRuns ?? 1) >= MIN_CONSECUTIVE_RUNS;

// --- CloudWatch alarms ------------------------------------------------------------------------------------

export const ALARM_STATE_CHANGE = { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change' } as const;

/**
 * The fields of a CloudWatch "Alarm State Change" event the breaker reads (EventBridge delivers it from the
 * default bus); the rest of the detail (configuration, previousState) is not checked.
 */
export const AlarmStateChangeEventSchema = z.object({
  source: z.literal(ALARM_STATE_CHANGE.source, { error: `must be ${ALARM_STATE_CHANGE.source}` }),
  'detail-type': z.literal(ALARM_STATE_CHANGE.detailType, { error: `must be "${ALARM_STATE_CHANGE.detailType}"` }),
  time: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 timestamp' }),
  detail: z.object({
    alarmName: z.string().min(1, { error: 'must not be empty' }).max(255),
    state: z.object({
      value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA'], { error: 'must be OK, ALARM or INSUFFICIENT_DATA' }),
      reason: z.string().optional(),
    }),
  }),
});
export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEventSchema>;

/**
 * `ALARM.<account>.<alarm name>.<UTC hour YYYYMMDDTHH>`, at most 80 characters. The hour for the same reason
 * as reconciliation breaks: an alarm that stays in ALARM sends no new event, one that flaps (ALARM, OK,
 * ALARM) trips once per hour, not once per flap, so escalation to KILLED still means repeated trouble. A
 * too long id keeps a prefix of `<account>.<alarm name>` and appends a hash of both, so ids stay distinct.
 */
export const alarmBreachId = (account: string, alarmName: string, time: string): string =>
  breachIdOf('ALARM', `${account}.${alarmName}`, utcHourBucket(time), `${account}\u001f${alarmName}`);

/**
 * One trip per account: an alarm says something about the whole deployment (a dead-letter queue, failed
 * invocations), not about one account, so every account the environment trades is halted.
 */
export const tripsFromAlarm = (event: AlarmStateChangeEvent, accounts: readonly string[]): BreakerTrip[] => {
  const { alarmName, state } = event.detail;
  const detectedAt = new Date(event.time).toISOString();
  return accounts.map((account) => ({
    breachId: alarmBreachId(account, alarmName, event.time),
    account,
    kind: 'ALARM',
    reason: `alarm ${alarmName} is ALARM${state.reason ? `: ${state.reason}` : ''}`.slice(0, 1000),
    detectedAt,
  }));
};
