// The circuit breaker's storage port: the account's recent trips (escalation counts them) and its current
// execution as GET /status shows it: which execution (breach id), what it is doing (stage) and since when,
// and its pending approval. Invariants: the newest execution owns the record (a start replaces an older
// one; a later stage is written only by the owner); the bookkeeping is written after the halt and never
// gates it.
import * as z from 'zod';
import type { AuditEntry } from '../audit/audit-entry';

/**
 * What the execution is doing, as the tasks observe it (docs/circuit-breaker.md, "Execution record"):
 * TRIPPED (halted, cancelling and paging) → COOLDOWN (cooldowns and recovery evaluations) → REDUCING
 * (probation) → AWAITING_APPROVAL → ACTIVE; or KILLED, STAYED_HALTED, FAILED_CLOSED.
 */
export const BreakerStageSchema = z.enum(['TRIPPED', 'COOLDOWN', 'REDUCING', 'AWAITING_APPROVAL', 'ACTIVE', 'KILLED', 'STAYED_HALTED', 'FAILED_CLOSED']);
export type BreakerStage = z.infer<typeof BreakerStageSchema>;

/** Stages after which the execution has ended. */
export const FINAL_BREAKER_STAGES: readonly BreakerStage[] = ['ACTIVE', 'KILLED', 'STAYED_HALTED', 'FAILED_CLOSED'];

/** The approval an execution waits for (one per account: the current execution's). */
export interface PendingBreakerApproval {
  account: string;
  breachId: string;
  /** The Step Functions task token: a capability, never shown by status. */
  taskToken: string;
  /** ISO-8601. */
  requestedAt: string;
  /** Principals who may not approve this recovery (four eyes: who killed and who released). */
  excludedApprovers: string[];
}

export interface BreakerExecutionRecord {
  account: string;
  breachId: string;
  kind: string;
  stage: BreakerStage;
  /** ISO-8601: when the execution entered the stage. */
  since: string;
  /** Present while the execution waits for a person (stage AWAITING_APPROVAL). */
  approval?: PendingBreakerApproval;
}

/** One stage write of an execution; `detectedAtMs` (the breach's time) orders executions of one account. */
export interface BreakerStageWrite {
  account: string;
  breachId: string;
  kind: string;
  stage: BreakerStage;
  since: string;
  detectedAtMs: number;
}

/** One breaker trip remembered for the escalation window. */
export interface BreakerTripEntry {
  breachId: string;
  atMs: number;
}

export interface BreakerStore {
  /**
   * Records a breaker trip of the account, once per breach id (a replay adds nothing), and returns the
   * account's trips within [atMs - windowMs, atMs], this one included; older trips are dropped from the item.
   */
  recordBreakerTrip(account: string, breachId: string, atMs: number, windowMs: number): Promise<readonly BreakerTripEntry[]>;
  /**
   * Writes the stage of an execution. `start`: the execution claims the record, replacing the one of an
   * execution whose breach was detected no later than this one; otherwise only the record's owner (or the
   * first writer) moves it. Any stage but AWAITING_APPROVAL drops a pending approval. 'superseded': a newer
   * execution owns the record and nothing was written.
   */
  recordBreakerStage(write: BreakerStageWrite, start: boolean): Promise<'recorded' | 'superseded'>;
  /** The owner stores its approval token and moves to AWAITING_APPROVAL; 'superseded' as above. */
  recordBreakerApproval(approval: PendingBreakerApproval, write: Omit<BreakerStageWrite, 'stage'>): Promise<'recorded' | 'superseded'>;
  /** Strongly consistent. */
  getBreakerExecution(account: string): Promise<BreakerExecutionRecord | undefined>;
  /**
   * Removes the pending approval if it still holds `taskToken`, with the audit entry of the person's decision,
   * in one write: 'gone' when another decision (or the execution moving on) removed it first.
   */
  takeBreakerApproval(account: string, taskToken: string, audit: AuditEntry): Promise<'taken' | 'gone'>;
  /** Puts a taken approval back after its delivery failed, only if the execution still waits for it. */
  restoreBreakerApproval(approval: PendingBreakerApproval): Promise<'restored' | 'moved'>;
}
