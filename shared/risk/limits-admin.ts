// Operators read and change an account's limits override through the kill-switch API. A change is validated
// whole before anything is written: the override against its schema, then merged with the environment's
// defaults against the full limits schema and its cross-field rules, so an override the risk function would
// refuse (every intent denied LIMITS_INVALID) is never stored. Every change is audited (who, why, before and
// after) in the same write, conditional on the version the person read.
import * as z from 'zod';
import { auditEntry } from '../audit/audit-entry';
import { InvalidInputError } from '../errors/errors';
import { issuesOf, parseOrThrow } from '../errors/zod-issues';
import { AccountIdSchema } from '../events/ids';
import type { Clock } from '../ports/clock';
import type { LimitsStore } from '../ports/limits-store';
import { utcNow } from '../time/utc';
import { intentFloodIssue, resolveLimits, RiskLimitsOverrideSchema, RiskLimitsSchema, type RiskLimits } from './limits';

export const SetLimitsRequestSchema = z
  .object({
    account: AccountIdSchema,
    /** The whole override: what it leaves out follows the environment's defaults. */
    limits: z.record(z.string(), z.unknown(), { error: 'must be an object: the account override of the limits document' }),
    reason: z.string({ error: 'must give a reason' }).trim().min(1, { error: 'must give a reason' }).max(1000, { error: 'must be at most 1000 characters' }),
    /** The version the person read (GET /limits); absent when the account has no override yet. */
    expectedVersion: z.string().regex(/^\d+$/, { error: 'must be the version GET /limits answered' }).optional(),
    principal: z.string().trim().min(3, { error: 'must name the person (at least 3 characters)' }).max(2048),
    requestId: z.string().min(1).max(200),
  })
  .strict();
export type SetLimitsRequest = z.infer<typeof SetLimitsRequestSchema>;

export interface LimitsView {
  account: string;
  /** The override as stored (null: none), its version, and the limits in force: defaults merged with it. */
  override: unknown;
  version: string | null;
  /** Null when the stored override is invalid: the risk function then denies every intent LIMITS_INVALID. */
  effective: RiskLimits | null;
}

export type SetLimitsResult =
  | { outcome: 'written'; account: string; effective: RiskLimits; changedBy: string; at: string }
  | { outcome: 'refused'; account: string; reason: 'VERSION_MOVED'; message: string };

export interface LimitsAdminDeps {
  limitsStore: LimitsStore;
  defaults: RiskLimits;
  clock: Clock;
}

export const showLimits = async (deps: Pick<LimitsAdminDeps, 'limitsStore' | 'defaults'>, account: string): Promise<LimitsView> => {
  const stored = await deps.limitsStore.getLimitsOverride(account);
  return { account, override: stored.override ?? null, version: stored.version ?? null, effective: resolveLimits(deps.defaults, stored.override) };
};

/** The override's problems, each naming its field under `limits.` (none: it can be stored). */
export const limitsIssues = (defaults: RiskLimits, override: unknown): { path: string; rule: string }[] => {
  const own = RiskLimitsOverrideSchema.safeParse(override);
  if (!own.success) return issuesOf(own.error, 'limits');
  const merged = RiskLimitsSchema.safeParse({ ...defaults, ...own.data });
  if (!merged.success) return issuesOf(merged.error, 'limits');
  const flood = intentFloodIssue(merged.data);
  return flood ? [{ path: 'limits.intentFlood', rule: flood }] : [];
};

export const setLimits = async (deps: LimitsAdminDeps, input: unknown): Promise<SetLimitsResult> => {
  const request = parseOrThrow(SetLimitsRequestSchema, input);
  const issues = limitsIssues(deps.defaults, request.limits);
  if (issues.length > 0) throw new InvalidInputError(issues);
  const before = await deps.limitsStore.getLimitsOverride(request.account);
  const at = utcNow(deps.clock.now());
  if (before.version !== request.expectedVersion) return moved(request, before.version);
  const audit = auditEntry({
    account: request.account,
    occurredAt: at,
    kind: 'LIMITS_CHANGED',
    actor: request.principal,
    correlationId: request.requestId,
    causationId: `operator:${request.principal}`,
    detail: { reason: request.reason, before: before.override ?? null, after: request.limits, version: before.version ?? null },
  });
  const written = await deps.limitsStore.putLimitsOverride(request.account, request.limits, request.expectedVersion, audit);
  if (written === 'moved') return moved(request, undefined);
  return { outcome: 'written', account: request.account, effective: resolveLimits(deps.defaults, request.limits) as RiskLimits, changedBy: request.principal, at };
};

const moved = (request: SetLimitsRequest, stored: string | undefined): SetLimitsResult => ({
  outcome: 'refused',
  account: request.account,
  reason: 'VERSION_MOVED',
  message: `the override of ${request.account} changed since version ${request.expectedVersion ?? '(none)'} was read${stored ? ` (now ${stored})` : ''}: read it again (limits show) and reapply the change`,
});
