// The circuit breaker's task cores, one per Task state of statemachines/circuit-breaker.asl.json, over
// ports only. Invariants: a state change goes through the trading-state store's conditional, audited changeTradingState
// (actor 'breaker', correlation = breach id); a recovery evaluation that cannot read something says "not ok"
// (fail closed); a page that cannot be sent throws, so the state machine's Catch keeps trading halted.
import * as z from 'zod';
import { sessionStartMs } from '../calendar/trading-calendar';
import * as fx from '../money/fixed';
import type { Clock } from '../ports/clock';
import type { Pager } from '../ports/pager';
import { BreakerTripSchema, type BreakerTrip } from '../ports/breaker-starter';
import type { ReconciliationStore } from '../ports/reconciliation-store';
import type { RiskStore } from '../ports/risk-store';
import type { TradingStateStore } from '../ports/trading-state-store';
import { resolveCompiledLimits, type RiskLimits } from '../risk/limits';
import { assessLoss } from '../risk/loss';
import { valueAccount } from '../risk/portfolio';
import { isoToEpochMs } from '../time/iso-time';
import type { StateChangeOutcome } from '../trading-state/state-change';
import { TRADABLE_STATES, type TradingState } from '../trading-state/trading-state';
import { InvalidInputError } from '../errors/errors';
import type { BreakerConfig } from './breaker-config';
import type { BreakerStage, BreakerStore } from '../ports/breaker-store';

/** The actor every breaker state change and page is attributed to. */
export const BREAKER_ACTOR = 'breaker';

const StepErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
const RecoveryResultSchema = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

/**
 * The execution's state as the tasks receive it ("input.$": "$"): the breach that started it plus what
 * earlier states added (ResultPath). Unknown fields are dropped, not refused: the ASL owns the rest.
 */
export const BreakerExecutionStateSchema = BreakerTripSchema.extend({
  recovery: RecoveryResultSchema.optional(),
  probation: RecoveryResultSchema.optional(),
  approvalError: StepErrorSchema.optional(),
  error: StepErrorSchema.optional(),
})
  // A release without its parties could not enforce four eyes on the approval: refused (fail closed).
  .refine((s) => s.kind !== 'RELEASE' || (s.mode === 'recovery' && s.release !== undefined), {
    error: 'a RELEASE starts in mode "recovery" and names who activated and who released',
    path: ['release'],
  });
export type BreakerExecutionState = z.infer<typeof BreakerExecutionStateSchema>;

export interface CancelAllSummary {
  requested: number;
  canceledLocally: number;
  waiting: number;
}

export interface BreakerDeps {
  breakerStore: Pick<BreakerStore, 'recordBreakerTrip' | 'recordBreakerStage' | 'recordBreakerApproval' | 'getBreakerExecution'>;
  tradingStateStore: Pick<TradingStateStore, 'changeTradingState'>;
  /** The recovery evaluation reads the account as risk does (book, marks, session, limits) and the latest reconciliation. */
  riskStore: Pick<RiskStore, 'loadRiskSnapshot'>;
  reconciliationStore: Pick<ReconciliationStore, 'getReconciliation'>;
  pager: Pager;
  clock: Clock;
  /** Cancels every open order of the account (the order service's cancelAllOrders in production). */
  cancelAll: (account: string, requestedBy: string, requestId: string) => Promise<CancelAllSummary>;
  config: BreakerConfig;
  /** The environment's default limits: the drawdown check reads the account's loss limits from them and its override. */
  riskLimits: RiskLimits;
}

/**
 * A recovery step found trading in a state it must not move from (a person killed or re-activated it
 * meanwhile). Not retried: the state machine's Catch sends it to the fail-closed path.
 */
export class BreakerStateRefusedError extends Error {
  override readonly name = 'Breaker.StateRefused';
}

// --- RecordTrip ------------------------------------------------------------------------------------------

export interface TripRecord {
  /** Trips of the account within the escalation window, this one included. */
  trips: number;
  escalate: boolean;
  /** The resolved configuration: the ASL's waits and bounds read it from the execution state. */
  config: BreakerConfig;
}

/**
 * Stores the trip (once per breach id) and counts the account's trips in the escalation window. Runs after
 * SetHalted, so the execution record (stage TRIPPED, claimed by this execution) never delays the halt.
 */
export const recordTrip = async (deps: BreakerDeps, trip: BreakerTrip): Promise<TripRecord> => {
  const windowMs = deps.config.escalation.windowMinutes * 60_000;
  const trips = await deps.breakerStore.recordBreakerTrip(trip.account, trip.breachId, isoToEpochMs(trip.detectedAt), windowMs);
  await recordStage(deps, trip, 'TRIPPED', true);
  return { trips: trips.length, escalate: trips.length >= deps.config.escalation.trips, config: deps.config };
};

// --- LoadRecoveryConfig / StartRecovery (the recovery entry after a kill-switch release) ------------------

/**
 * The recovery entry's stand-in for RecordTrip: no trip is recorded (a release is not a breach, and
 * counting it would escalate a kill from repeated trips straight back to KILLED), but the resolved config
 * is returned in the same shape, so the waits read `$.trip.config` whichever way the execution entered.
 */
export const recoveryConfig = async (deps: BreakerDeps, state: BreakerTrip): Promise<TripRecord> => {
  await recordStage(deps, state, 'COOLDOWN', true);
  return { trips: 0, escalate: false, config: deps.config };
};

/** StartRecovery: the execution cools down (and evaluates) from here. The ASL itself resets its evaluation counter. */
export const enterCooldown = async (deps: BreakerDeps, state: BreakerTrip): Promise<{ stage: BreakerStage }> => {
  await recordStage(deps, state, 'COOLDOWN');
  return { stage: 'COOLDOWN' };
};

// --- The execution record (GET /status) ------------------------------------------------------------------

/**
 * Writes the execution's stage. `start` claims the account's record (RecordTrip, LoadRecoveryConfig); later
 * stages are written only while this execution owns it, so a superseded execution's 'superseded' is
 * ignored: its stage no longer describes the account. A failed write throws like any task failure (Retry,
 * then FailClosed): by then trading is already halted, and the halt itself never waits for this.
 */
export const recordStage = (deps: Pick<BreakerDeps, 'breakerStore' | 'clock'>, state: BreakerTrip, stage: BreakerStage, start = false): Promise<'recorded' | 'superseded'> =>
  deps.breakerStore.recordBreakerStage(
    { account: state.account, breachId: state.breachId, kind: state.kind, stage, since: new Date(deps.clock.now()).toISOString(), detectedAtMs: isoToEpochMs(state.detectedAt) },
    start,
  );

// --- SetHalted / SetKilled / SetReducing / SetActive -----------------------------------------------------

/** How restrictive a state is: a refusal to loosen trading is fine when the state is already as strict. */
const STRICTNESS: Record<TradingState, number> = { ACTIVE: 0, WARNING: 1, REDUCING: 2, HALTED: 3, KILLED: 4 };

export interface SetStateResult {
  outcome: StateChangeOutcome['outcome'];
  previous: TradingState | null;
}

/**
 * Moves the account's trading state. A refusal is an error only when it leaves trading looser than asked
 * (e.g. REDUCING refused because a person re-activated): halting a KILLED account, or one with no state
 * (which denies every order anyway), leaves it at least as strict and is not a failure.
 */
export const changeState = async (
  deps: Pick<BreakerDeps, 'tradingStateStore' | 'clock'>,
  trip: BreakerTrip,
  to: TradingState,
  from: readonly TradingState[],
  reason: string,
): Promise<SetStateResult> => {
  const change = await deps.tradingStateStore.changeTradingState({
    account: trip.account,
    from,
    to,
    actor: BREAKER_ACTOR,
    reason: `${reason} (${trip.kind}: ${trip.reason})`,
    correlationId: trip.breachId,
    at: new Date(deps.clock.now()).toISOString(),
  });
  if (change.outcome === 'refused') {
    const looser = change.previous !== undefined && STRICTNESS[change.previous] < STRICTNESS[to];
    // Recovery steps (REDUCING, ACTIVE) must actually happen; a state set by someone else ends the recovery.
    if (looser || to === 'REDUCING' || to === 'ACTIVE') {
      throw new BreakerStateRefusedError(`trading state of ${trip.account} is ${change.previous ?? 'missing'}: the breaker may not move it to ${to}`);
    }
  }
  return { outcome: change.outcome, previous: change.previous ?? null };
};

/**
 * The only changes the state machine makes: halt from a tradable state, kill from any state but KILLED, and the
 * recovery's HALTED → REDUCING → ACTIVE. Nothing leaves KILLED (a person releases it through the kill switch)
 * and nothing reaches ACTIVE but from REDUCING, whoever invokes the task.
 */
export const BREAKER_TRANSITIONS: Readonly<Partial<Record<TradingState, readonly TradingState[]>>> = {
  HALTED: TRADABLE_STATES,
  KILLED: [...TRADABLE_STATES, 'HALTED'],
  REDUCING: ['HALTED'],
  ACTIVE: ['REDUCING'],
};

/** Refuses a change the state machine never asks for (an empty `from` would mean any state, KILLED included). */
const assertBreakerTransition = (to: TradingState, from: readonly TradingState[]): void => {
  const allowed = BREAKER_TRANSITIONS[to];
  if (!allowed) throw new InvalidInputError([{ path: 'to', rule: `the breaker never moves trading to ${to}` }]);
  if (from.length === 0) throw new InvalidInputError([{ path: 'from', rule: `must name the states to ${to} is allowed from (${allowed.join(', ')})` }]);
  const stray = from.filter((state) => !allowed.includes(state));
  if (stray.length > 0) throw new InvalidInputError([{ path: 'from', rule: `the breaker moves to ${to} only from ${allowed.join(', ')}, not from ${stray.join(', ')}` }]);
};

/**
 * A person's approval is taken from the execution record by the kill-switch API (in the same write as its
 * BREAKER_APPROVED audit entry) before the token is sent. A task token alone (seen in the execution history,
 * sent by anyone allowed SendTaskSuccess) leaves the approval pending in the record: the return to ACTIVE is
 * then refused, and the state machine fails closed.
 */
const assertApprovalTaken = async (deps: Pick<BreakerDeps, 'breakerStore'>, trip: BreakerTrip): Promise<void> => {
  const record = await deps.breakerStore.getBreakerExecution(trip.account);
  if (!record || record.breachId !== trip.breachId) {
    throw new BreakerStateRefusedError(`execution ${trip.breachId} no longer owns ${trip.account}'s breaker record: its approval cannot be verified`);
  }
  if (record.approval) {
    throw new BreakerStateRefusedError(`the approval of ${trip.breachId} is still pending in the record: the task token was answered without the kill-switch API`);
  }
};

/** The Set* tasks: the state change, then the execution's stage when the task names one. */
export const setState = async (
  deps: BreakerDeps,
  trip: BreakerTrip,
  to: TradingState,
  from: readonly TradingState[],
  reason: string,
  /** The execution's stage once the state is set (SetHalted names none: the halt never waits for bookkeeping). */
  stage?: BreakerStage,
): Promise<SetStateResult> => {
  assertBreakerTransition(to, from);
  if (to === 'ACTIVE') await assertApprovalTaken(deps, trip);
  const result = await changeState(deps, trip, to, from, reason);
  // After the state: the record follows what happened, never the other way round.
  if (stage) await recordStage(deps, trip, stage);
  return result;
};

// --- CancelAll -------------------------------------------------------------------------------------------

export const cancelAll = (deps: BreakerDeps, trip: BreakerTrip): Promise<CancelAllSummary> => deps.cancelAll(trip.account, BREAKER_ACTOR, trip.breachId);

// --- PageOnCall / PageKilled / PageStayingHalted / FailClosedPage / AwaitApproval ------------------------

export const BreakerPageEventSchema = z.enum(['HALTED', 'KILLED', 'STAYING_HALTED', 'FAIL_CLOSED', 'AWAITING_APPROVAL']);
export type BreakerPageEvent = z.infer<typeof BreakerPageEventSchema>;

const failedChecks = (result: z.infer<typeof RecoveryResultSchema> | undefined): string =>
  result ? result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join('; ') : '';

/** Why the breaker leaves trading halted, from what the execution state carries. */
const stayingHaltedBecause = (state: BreakerExecutionState): string => {
  const { approvalError } = state;
  if (approvalError?.Error === 'Breaker.ApprovalRejected' && approvalError.Cause) return `no approval (${approvalError.Error}: ${approvalError.Cause})`;
  if (approvalError) return `no approval (${approvalError.Error})`;
  if (state.probation && !state.probation.ok) return `probation evaluation failed: ${failedChecks(state.probation)}`;
  if (state.recovery && !state.recovery.ok) return `recovery evaluation failed: ${failedChecks(state.recovery)}`;
  return 'recovery not completed';
};

export const composePage = (state: BreakerExecutionState, event: BreakerPageEvent): Parameters<Pager['page']>[0] => {
  const base = { account: state.account, correlationId: state.breachId };
  switch (event) {
    case 'HALTED':
      return { ...base, severity: 'critical', subject: `trading HALTED on ${state.account}: ${state.kind}`, message: state.reason };
    case 'KILLED':
      return { ...base, severity: 'critical', subject: `trading KILLED on ${state.account}: repeated breaker trips`, message: `${state.kind}: ${state.reason}. Recovery only by a person through the kill-switch release.` };
    case 'STAYING_HALTED':
      return { ...base, severity: 'critical', subject: `trading stays HALTED on ${state.account}`, message: stayingHaltedBecause(state) };
    case 'FAIL_CLOSED':
      return {
        ...base,
        severity: 'critical',
        subject: `circuit breaker failed on ${state.account}: trading kept HALTED`,
        message: state.error ? `${state.error.Error}: ${state.error.Cause ?? ''}` : 'a breaker task failed',
      };
    case 'AWAITING_APPROVAL':
      return {
        ...base,
        severity: 'warning',
        subject: `approve return to ACTIVE on ${state.account}`,
        message: [
          `recovery checks passed after ${state.kind}; trading is REDUCING until approved`,
          `POST /breaker/approve or /breaker/reject with { "account": "${state.account}", "reason": "..." }`,
          ...(state.release ? [`not approvable by ${state.release.activatedBy} (activated the kill switch) or ${state.release.releasedBy} (released it)`] : []),
        ].join('\n'),
      };
  }
};

export const page = async (deps: BreakerDeps, state: BreakerExecutionState, event: BreakerPageEvent): Promise<{ paged: BreakerPageEvent }> => {
  await deps.pager.page(composePage(state, event));
  return { paged: event };
};

// --- AwaitApproval (lambda:invoke.waitForTaskToken) ------------------------------------------------------

/** Who may never approve this execution's recovery (docs/kill-switch.md, "Approval rule"). */
export const excludedApproversOf = (state: BreakerTrip): string[] =>
  [...new Set([BREAKER_ACTOR, ...(state.release ? [state.release.activatedBy, state.release.releasedBy] : [])])];

/**
 * Stores the task token as the account's pending approval (the approval API sends it back), then pages for
 * a person. An execution that no longer owns the account's record (a newer breach started meanwhile) must
 * not ask: nobody could find its token, and the newer execution decides; Breaker.StateRefused → FailClosed.
 */
export const requestApproval = async (deps: BreakerDeps, state: BreakerExecutionState, taskToken: string): Promise<{ paged: BreakerPageEvent }> => {
  const requestedAt = new Date(deps.clock.now()).toISOString();
  const stored = await deps.breakerStore.recordBreakerApproval(
    { account: state.account, breachId: state.breachId, taskToken, requestedAt, excludedApprovers: excludedApproversOf(state) },
    { account: state.account, breachId: state.breachId, kind: state.kind, since: requestedAt, detectedAtMs: isoToEpochMs(state.detectedAt) },
  );
  if (stored === 'superseded') throw new BreakerStateRefusedError(`execution ${state.breachId} was superseded on ${state.account}: it does not ask for approval`);
  return page(deps, state, 'AWAITING_APPROVAL');
};

// --- EvaluateRecovery ------------------------------------------------------------------------------------

export interface RecoveryCheck {
  name: 'loss' | 'reconciliation' | 'feed';
  ok: boolean;
  detail: string;
}

export interface RecoveryEvaluation {
  ok: boolean;
  checks: RecoveryCheck[];
}

const guarded = async (name: RecoveryCheck['name'], check: () => Promise<Omit<RecoveryCheck, 'name'>>): Promise<RecoveryCheck> => {
  try {
    return { name, ...(await check()) };
  } catch (error) {
    return { name, ok: false, detail: `could not be evaluated: ${error instanceof Error ? error.message : String(error)}` };
  }
};

/**
 * May trading resume (REDUCING, then ACTIVE)? Three checks, all must pass:
 * - loss: the account's daily loss and drawdown are below their breaker thresholds, measured as the risk
 *   function measures them (assessLoss over the stored session, the book and the latest marks);
 * - reconciliation: the latest run is clean and completed after the breach was detected;
 * - feed: the newest mark, and the mark of every symbol held, is younger than feedMaxAgeSeconds.
 */
export const evaluateRecovery = async (deps: BreakerDeps, trip: BreakerTrip): Promise<RecoveryEvaluation> => {
  const nowMs = deps.clock.now();
  // One consistent read of the book, marks, session and limits override (the order looked up never exists).
  // Strategy 'breaker' is never a real strategy: '*' would repeat the account-scope throttle key in the BatchGet.
  const snapshot = deps.riskStore.loadRiskSnapshot(trip.account, BREAKER_ACTOR, `breaker-${trip.breachId}`);
  // Each check that reads the snapshot reports its failure; this only keeps the rejection from going unhandled.
  snapshot.catch(() => undefined);

  const checks = [
    await guarded('loss', async () => {
      const s = await snapshot;
      const limits = resolveCompiledLimits(deps.riskLimits, s.limitsOverride, s.limitsVersion);
      if (!limits) return { ok: false, detail: 'the account limits are invalid' };
      if (!s.session) return { ok: false, detail: 'no risk session: drawdown cannot be measured' };
      const valuation = valueAccount(`breaker:${trip.account}`, s.book, s.marks, s.reference);
      if (valuation.unmarked.length > 0) return { ok: false, detail: `unmarked positions: ${valuation.unmarked.join(', ')}` };
      const assessment = assessLoss(limits.loss, s.session, sessionStartMs(limits.lossCalendar, nowMs), valuation.equity);
      const breaker = assessment.findings.filter((f) => f.level === 'breaker');
      return breaker.length > 0
        ? { ok: false, detail: breaker.map((f) => `${f.kind} ${f.observed} >= ${f.threshold}`).join('; ') }
        : { ok: true, detail: `below breaker thresholds (equity ${fx.toDecimalString(valuation.equity)})` };
    }),
    await guarded('reconciliation', async () => {
      const latest = await deps.reconciliationStore.getReconciliation(trip.account);
      if (!latest) return { ok: false, detail: 'no reconciliation recorded' };
      if (latest.status !== 'clean') return { ok: false, detail: `latest run ${latest.runId} is ${latest.status}` };
      if (isoToEpochMs(latest.completedAt) < isoToEpochMs(trip.detectedAt)) {
        return { ok: false, detail: `latest clean run ${latest.runId} completed before the breach` };
      }
      return { ok: true, detail: `run ${latest.runId} clean at ${latest.completedAt}` };
    }),
    await guarded('feed', async () => {
      const s = await snapshot;
      const maxAgeMs = deps.config.feedMaxAgeSeconds * 1000;
      const ages = Object.entries(s.marks).map(([symbol, mark]) => ({ symbol, ageMs: nowMs - isoToEpochMs(mark.at) }));
      if (ages.length === 0) return { ok: false, detail: 'no marks' };
      const newest = Math.min(...ages.map((a) => a.ageMs));
      if (newest > maxAgeMs) return { ok: false, detail: `newest mark is ${Math.round(newest / 1000)}s old` };
      const held = Object.entries(s.book.positions)
        .filter(([, entry]) => fx.sign(fx.parseFixed(entry.quantity)) !== 0)
        .map(([symbol]) => symbol);
      const stale = held.filter((symbol) => {
        const age = ages.find((a) => a.symbol === symbol)?.ageMs;
        return age === undefined || age > maxAgeMs;
      });
      return stale.length > 0 ? { ok: false, detail: `stale or missing marks: ${stale.join(', ')}` } : { ok: true, detail: `marks younger than ${deps.config.feedMaxAgeSeconds}s` };
    }),
  ];
  return { ok: checks.every((c) => c.ok), checks };
};
