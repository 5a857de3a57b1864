// The account's current breaker execution as GET /status shows it: which execution (breach id), what it
// is doing (stage) and since when, and its pending approval. Invariants: the newest execution owns the
// record (a start replaces an older one; a later stage is written only by the owner); the bookkeeping is
// written after the halt and never gates it.
import { z } from 'zod';

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
