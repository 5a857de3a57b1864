// Operator actions on risk state that only a named person may take: re-enabling execution after the
// repeated-execution throttle tripped (the RTS 6 human re-arm). Each is audited with the person as the actor
// in the same write as the change; the kill-switch API exposes it as POST /execution/reenable, with the
// person taken from the caller's identity. Invariants: only a scope disabled now is re-enabled; the person
// who lifted the scope's previous trip may not lift the next one (strategies have no owner in the
// configuration, so a strategy that keeps tripping gets a second person's look every other time).
import * as z from 'zod';
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
    person: z.string().trim().min(3, { error: 'must name the person re-enabling (at least 3 characters)' }).max(2048),
    reason: z.string().trim().min(1, { error: 'must give a reason' }).max(1000),
  })
  .strict();
export type ReenableExecution = z.infer<typeof ReenableExecutionSchema>;

export const REENABLE_REFUSALS = ['NOT_DISABLED', 'SAME_PERSON'] as const;
export type ReenableRefusal = (typeof REENABLE_REFUSALS)[number];

export type ReenableResult =
  | { outcome: 'reenabled'; account: string; strategy: string; reenabledBy: string; at: string }
  | { outcome: 'refused'; account: string; strategy: string; reason: ReenableRefusal; message: string };

/** Lifts an execution-throttle trip; fills before this moment no longer count towards the throttle. */
export const reenableExecution = async (deps: { riskStore: Pick<RiskStore, 'reenableExecution'>; clock: Clock }, input: unknown): Promise<ReenableResult> => {
  const { account, strategy, person, reason } = parseOrThrow(ReenableExecutionSchema, input);
  const nowMs = deps.clock.now();
  const at = utcNow(nowMs);
  const outcome = await deps.riskStore.reenableExecution(
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
  const scope = strategy === ACCOUNT_SCOPE ? 'the account' : `strategy ${strategy}`;
  if (outcome === 'reenabled') return { outcome, account, strategy, reenabledBy: person, at };
  if (outcome === 'same-person') {
    return { outcome: 'refused', account, strategy, reason: 'SAME_PERSON', message: `${person} re-enabled ${scope} after its previous trip; a different person must re-enable it this time` };
  }
  return { outcome: 'refused', account, strategy, reason: 'NOT_DISABLED', message: `the execution throttle has not disabled ${scope} of ${account}: nothing to re-enable` };
};
