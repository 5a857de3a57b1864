// Operator actions on risk state that only a named person may take. Each is audited with the person as the
// actor; the kill-switch API (issue 5) exposes them over IAM-authenticated HTTP.
import { z } from 'zod';
import { auditEntry } from '../audit/audit-entry';
import { AccountIdSchema, StrategyIdSchema } from '../events/ids';
import { parseOrThrow } from '../errors/zod-issues';
import { ACCOUNT_SCOPE } from './scopes';
import { utcNow } from '../time/utc';
import type { Clock } from '../ports/clock';
import type { RiskStore } from '../ports/risk-store';

export const ReenableExecutionSchema = z
  .object({
    account: AccountIdSchema,
    /** A strategy id, or '*' for a trip that disabled the whole account. */
    strategy: z.union([StrategyIdSchema, z.literal(ACCOUNT_SCOPE)]),
    /** The person taking responsibility: a name or an IAM principal, never a component. */
    person: z.string().trim().min(3, { error: 'must name the person re-enabling (at least 3 characters)' }).max(200),
    reason: z.string().trim().min(1, { error: 'must give a reason' }).max(1000),
  })
  .strict();
export type ReenableExecution = z.infer<typeof ReenableExecutionSchema>;

/** Lifts an execution-throttle trip; fills before this moment no longer count towards the throttle. */
export const reenableExecution = async (deps: { riskStore: Pick<RiskStore, 'reenableExecution'>; clock: Clock }, input: unknown): Promise<'reenabled' | 'not-disabled'> => {
  const { account, strategy, person, reason } = parseOrThrow(ReenableExecutionSchema, input);
  const nowMs = deps.clock.now();
  const at = utcNow(nowMs);
  return deps.riskStore.reenableExecution(
    account,
    strategy,
    person,
    nowMs,
    auditEntry({
      account,
      occurredAt: at,
      kind: 'EXECUTION_REENABLED',
      actor: person,
      correlationId: `throttle:${strategy}`,
      causationId: `operator:${person}`,
      discriminator: at,
      detail: { strategy, reason },
    }),
  );
};
