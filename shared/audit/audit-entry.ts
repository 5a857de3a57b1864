// Audit entries: append-only records of every decision and order transition, with a UTC timestamp, the
// correlation id and the actor. Entry ids are deterministic so a replay writes nothing new.
import { deterministicId } from '../events/ids';

export const AUDIT_KINDS = [
  'RISK_DECISION',
  'TRADING_STATE_CHANGED',
  'LOSS_WARNING_REACHED',
  'EXECUTION_THROTTLE_TRIPPED',
  'EXECUTION_REENABLED',
  'STRATEGY_DISABLED',
  'STRATEGY_ENABLED',
  'LIMITS_CHANGED',
  'REFERENCE_LOADED',
  'ORDER_BLOCKED',
  'ORDER_SUBMITTED',
  'ORDER_TRANSITION',
  'ORDER_ANOMALY',
  'BROKER_UPDATE_REJECTED',
  'FILL_APPLIED',
  'ORDER_ADOPTED',
  'CANCEL_REQUESTED',
  'CANCEL_ALL_REQUESTED',
  'FLATTEN_REQUESTED',
  'RECONCILIATION_RUN',
  'CASH_SYNCED',
  'BREAKER_APPROVED',
  'BREAKER_REJECTED',
  'LEDGER_RESTORED',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditEntry {
  entryId: string;
  account: string;
  occurredAt: string;
  kind: AuditKind;
  /** The component or person that acted. */
  actor: string;
  correlationId: string;
  causationId: string;
  detail: Record<string, unknown>;
}

export const auditEntry = (input: Omit<AuditEntry, 'entryId'> & { discriminator?: string }): AuditEntry => {
  const { discriminator, ...entry } = input;
  return {
    ...entry,
    entryId: deterministicId('aud', entry.kind, entry.account, entry.correlationId, discriminator ?? ''),
  };
};
