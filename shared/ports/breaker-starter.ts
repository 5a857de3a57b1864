// Starting the circuit breaker: one execution per breach, named after the breach id, so however many
// decisions, alarms or retries report the same breach, it runs once (Step Functions refuses a second
// execution of the same name with ExecutionAlreadyExists; the local adapter refuses it the same way).
// A trip is the execution's input: what broke, on which account, when, and for a release who was involved.
import * as z from 'zod';
import { AccountIdSchema, UtcTimestampSchema } from '../events/ids';

/** RELEASE: not a trip but a kill-switch release handing the account to the recovery part (mode 'recovery'). */
export const BreakerTripKindSchema = z.enum(['DAILY_LOSS', 'DRAWDOWN', 'ORDER_RATE', 'INTENT_RATE', 'INTENT_FLOOD', 'FEED_STALE', 'RECONCILIATION_BREAK', 'ALARM', 'MANUAL', 'RELEASE']);
export type BreakerTripKind = z.infer<typeof BreakerTripKindSchema>;

/** Who stopped and who released the account, carried by a release's recovery execution (four eyes on approval). */
export const ReleasePartiesSchema = z.object({ activatedBy: z.string().min(1), releasedBy: z.string().min(1) });

/** What starts an execution (the execution is named after breachId). Unknown fields are dropped, not refused. */
export const BreakerTripSchema = z.object({
  breachId: z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/, { error: 'must be 1-80 characters usable as a Step Functions execution name' }),
  account: AccountIdSchema,
  kind: BreakerTripKindSchema,
  reason: z.string().min(1),
  detectedAt: UtcTimestampSchema,
  /** Absent: a trip (halt first). 'recovery': the ASL's Entry choice skips the halt and the trip count. */
  mode: z.literal('recovery', { error: 'must be "recovery" or absent' }).optional(),
  release: ReleasePartiesSchema.optional(),
});
export type BreakerTrip = z.infer<typeof BreakerTripSchema>;

export interface BreakerStarter {
  /** 'duplicate' when an execution for this breach id exists already (running or finished). */
  start(trip: BreakerTrip): Promise<'started' | 'duplicate'>;
}
