// Which breaker execution a breach event starts: maps RiskBreach.v1 and ReconciliationBreak.v1 details to
// the state machine's input (BreakerTrip). Pure. Invariant: every breachId is a valid Step Functions
// execution name (1-80 characters of [A-Za-z0-9_.:-]), because the execution is named after it and a
// second start with the same name is refused: the id decides how often one breach trips the breaker.
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { ReconciliationBreakFoundDetailSchema } from '../events/reconciliation-events';
import type { RiskBreachDetail } from '../events/risk-events';
import type { BreakerTrip } from './breaker-tasks';

export type ReconciliationBreakDetail = z.infer<typeof ReconciliationBreakFoundDetailSchema>;

const EXECUTION_NAME_MAX = 80;
const INVALID_NAME_CHARS = /[^A-Za-z0-9_.:-]/g;

const sanitize = (part: string): string => part.replace(INVALID_NAME_CHARS, '_');

/** "2026-11-23T14:59:00.000Z" → "20261123T14": the UTC hour the break was seen in. */
export const utcHourBucket = (iso: string): string => new Date(iso).toISOString().slice(0, 13).replace(/-/g, '');

/** The risk function already builds a stable, valid id per kind, account and session: used as given. */
export const tripFromRiskBreach = (detail: RiskBreachDetail): BreakerTrip => {
  const { data } = detail;
  return {
    breachId: data.breachId,
    account: data.account,
    kind: data.kind,
    reason: `${data.kind} ${data.observed} >= ${data.threshold}`,
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
export const reconciliationBreachId = (account: string, breakKind: string, occurredAt: string): string => {
  const kind = sanitize(breakKind);
  const hour = utcHourBucket(occurredAt);
  const build = (acct: string) => `RECONCILIATION.${acct}.${kind}.${hour}`;
  const full = build(sanitize(account));
  if (full.length <= EXECUTION_NAME_MAX) return full;
  // Too long (accounts may have 64 characters): keep a prefix of the account and a hash of all of it, so
  // two long accounts sharing a prefix still get distinct ids.
  const hash = createHash('sha256').update(account).digest('hex').slice(0, 8);
  const room = EXECUTION_NAME_MAX - build(`-${hash}`).length;
  return build(`${sanitize(account).slice(0, Math.max(0, room))}-${hash}`).slice(0, EXECUTION_NAME_MAX);
};

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
