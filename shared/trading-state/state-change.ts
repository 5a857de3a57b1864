// A change of an account's trading state by the breaker, the kill switch or a person: allowed only from the
// states named, written with its audit entry in one conditional write, so two racing changes cannot both
// win and no change goes unrecorded. Re-applying the current state changes nothing (idempotent).
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
import type { TradingState } from './trading-state';

export interface TradingStateChange {
  account: string;
  /** The states the change may start from; empty means any state, or none stored yet. */
  from: readonly TradingState[];
  /** Only when no state is stored yet (an account's first state); refused otherwise, whatever `from` says. */
  onlyIfMissing?: boolean;
  to: TradingState;
  /** The component or person changing it. */
  actor: string;
  reason: string;
  /** What the change answers: a breach id, a kill-switch request id, an execution name. */
  correlationId: string;
  at: string;
}

export type StateChangeOutcome =
  | { outcome: 'changed'; previous: TradingState | undefined }
  | { outcome: 'unchanged'; previous: TradingState }
  | { outcome: 'refused'; previous: TradingState | undefined };

/** The audit entry of a change; its id is stable per (account, correlation, from, to) so a replay adds nothing. */
export const stateChangeAudit = (change: TradingStateChange, previous: TradingState | undefined): AuditEntry =>
  auditEntry({
    account: change.account,
    occurredAt: change.at,
    kind: 'TRADING_STATE_CHANGED',
    actor: change.actor,
    correlationId: change.correlationId,
    causationId: change.correlationId,
    discriminator: `${previous ?? 'NONE'}>${change.to}`,
    detail: { from: previous ?? null, to: change.to, reason: change.reason },
  });
