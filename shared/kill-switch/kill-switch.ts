// The kill switch: a named person stops all trading of an account with one call, and only a different
// person can lift it. Invariants: KILLED is written first and durably (conditional, audited, with the
// activation record in the same transaction) and nothing later undoes it; on-call is paged right after that
// write, before anything slower, and whether the page went out is stored, so a retried activation pages
// exactly when no page was sent; the hard stop and the cancels are always attempted, even when an earlier
// step failed, because both only lower risk, and the cancels stop starting at the request's deadline; every
// step's outcome is reported and a failed step is never reported done (fail closed). Release never goes
// straight to ACTIVE: it moves KILLED → HALTED and marks the activation released in one transaction, and
// hands recovery to the breaker's state machine.
import * as z from 'zod';
import { AccountIdSchema } from '../events/ids';
import { parseOrThrow } from '../errors/zod-issues';
import { valueLedger, type LedgerTotals, type PositionValuation } from '../ledger/valuation';
import { isOpenStatus, ORDER_STATUSES, type OrderStatus } from '../orders/order-record';
import type { Clock } from '../ports/clock';
import type { ControlPlane, IntakeStatus } from '../ports/control-plane';
import type { ReconciliationRecord, ReconciliationStore } from '../ports/reconciliation-store';
import type { KillSwitchRecord, TradingStateStore } from '../ports/trading-state-store';
import { utcNow } from '../time/utc';
import type { CancelAllOptions, CancelAllResult } from '../order-service/cancellation';
import type { Pager } from '../ports/pager';
import type { BreakerStage, BreakerStore } from '../ports/breaker-store';
import type { FeedHeartbeat } from '../market/marks';
import type { MarketDataStore } from '../ports/market-data-store';
import type { RecoveryStart } from './release-trip';
import { stoppedBy } from './stopped-by';
import type { StateChangeOutcome } from '../trading-state/state-change';
import type { TradingState } from '../trading-state/trading-state';

export const KillSwitchRequestSchema = z
  .object({
    account: AccountIdSchema,
    /** The person: an IAM principal ARN in AWS, the X-Principal stand-in locally. Never a component. */
    principal: z.string({ error: 'must be a string' }).trim().min(3, { error: 'must name the person (at least 3 characters)' }).max(2048),
    reason: z.string({ error: 'must give a reason' }).trim().min(1, { error: 'must give a reason' }).max(1000, { error: 'must be at most 1000 characters' }),
    /** The API request id: the correlation id of the state change, the cancels and the page. */
    requestId: z.string({ error: 'must be a string' }).min(1, { error: 'must be the request id' }).max(200),
  })
  .strict();
export type KillSwitchRequest = z.infer<typeof KillSwitchRequestSchema>;

export interface KillSwitchDeps {
  tradingStateStore: TradingStateStore;
  /** Status reads: the breaker's execution, the open orders and positions valued at the latest marks, the latest reconciliation. */
  breakerStore: Pick<BreakerStore, 'getBreakerExecution'>;
  reconciliationStore: Pick<ReconciliationStore, 'getReconciliation' | 'listOrders' | 'listPositions'>;
  marketDataStore: Pick<MarketDataStore, 'getMarks' | 'getFeedHeartbeat'>;
  controlPlane: ControlPlane;
  pager: Pager;
  clock: Clock;
  /**
   * Cancels every open order of the account (the order service's cancelAllOrders in production); no
   * per-order cancel starts at or after `deadlineMs` (epoch ms by `clock`).
   */
  cancelAll(account: string, requestedBy: string, requestId: string, reason?: string, options?: CancelAllOptions): Promise<CancelAllResult>;
  /**
   * Starts the breaker's recovery (cooldown → evaluate → reducing → approval) for a released account: an
   * execution in mode 'recovery' (shared/breaker/release-trip.ts). A duplicate start is done; a failure throws.
   */
  startRecovery(release: RecoveryStart): Promise<void>;
}

export type KillSwitchStep = 'state' | 'page' | 'stop-intake' | 'cancel-orders' | 'close-positions' | 'resume-intake' | 'start-recovery';

export interface StepResult {
  step: KillSwitchStep;
  /** 'incomplete': ran, but left work (orders still being submitted, whose cancel reconciliation finishes). */
  status: 'done' | 'skipped' | 'failed' | 'incomplete';
  detail?: string;
}

export interface ActivationResult {
  account: string;
  /** KILLED once the state write succeeded (now or before); 'UNKNOWN' when it could not be written. */
  state: 'KILLED' | 'UNKNOWN';
  alreadyKilled: boolean;
  /** Who the stored activation names (the first activator, on a repeat). */
  activatedBy: string;
  /**
   * Orders past the submission gate when the stop landed (claimed for submission with no broker id yet, or
   * in flight), by intent id: the cancels wait on them, and reconciliation settles any the cancels did not.
   */
  inTransit: string[];
  steps: StepResult[];
  /** Every step done or skipped: the HTTP layer answers 200 then, 207 otherwise. */
  complete: boolean;
}

export const RELEASE_REFUSALS = ['NOT_KILLED', 'SAME_PRINCIPAL', 'ACTIVATOR_UNKNOWN', 'RECONCILIATION_MISSING', 'RECONCILIATION_NOT_CLEAN', 'RECONCILIATION_STALE'] as const;
export type ReleaseRefusal = (typeof RELEASE_REFUSALS)[number];

export type ReleaseResult =
  | { outcome: 'refused'; account: string; reason: ReleaseRefusal; message: string }
  | { outcome: 'released'; account: string; state: 'HALTED'; steps: StepResult[]; complete: boolean };

const failedText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Runs one step and records its outcome; a throw becomes 'failed' with its message, never 'done'. */
const runStep = async (steps: StepResult[], step: KillSwitchStep, work: () => Promise<Omit<StepResult, 'step'> | void>): Promise<boolean> => {
  try {
    const outcome = await work();
    steps.push({ step, status: 'done', ...(outcome ?? {}) });
    return outcome?.status !== 'failed';
  } catch (error) {
    steps.push({ step, status: 'failed', detail: failedText(error) });
    return false;
  }
};

const isComplete = (steps: readonly StepResult[]): boolean => steps.every((s) => s.status === 'done' || s.status === 'skipped');

export const stepLines = (steps: readonly StepResult[]): string[] => steps.map((s) => `${s.step}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`);

/** How a caller with a time limit bounds the cancels: no per-order cancel starts at or after the deadline. */
export interface ActivationOptions {
  /** Epoch ms by the deps' clock; absent: no limit. */
  cancelDeadlineMs?: number;
}

/**
 * Resolves with the work's outcome, or with 'timed-out' once `ms` real milliseconds passed (the work goes on;
 * its steps only lower risk). A backstop for a broker call that outlasts the deadline the work checks itself.
 */
export const withinMs = async <T>(work: Promise<T>, ms: number): Promise<T | 'timed-out'> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * How long after the deadline a cancel-all that has not returned is given up on: one cancel that started just
 * before the deadline may finish; the answer margin (answer-deadline.ts) is larger.
 */
export const CANCEL_GRACE_MS = 1_000;

/** Cancels the account's orders within the deadline; the step is incomplete while any order is left. */
export const cancelStep = async (
  deps: Pick<KillSwitchDeps, 'cancelAll' | 'clock'>,
  request: { account: string; principal: string; requestId: string; reason: string },
  deadlineMs: number | undefined,
): Promise<{ step: Omit<StepResult, 'step'>; waitingIds: string[] }> => {
  const work = deps.cancelAll(request.account, request.principal, request.requestId, request.reason, deadlineMs === undefined ? undefined : { deadlineMs });
  const result = deadlineMs === undefined ? await work : await withinMs(work, deadlineMs - deps.clock.now() + CANCEL_GRACE_MS);
  if (result === 'timed-out') {
    // Its rejection, if it comes later, has nobody to report to.
    work.catch(() => undefined);
    return { step: { status: 'incomplete', detail: 'cancel-all still running at the deadline: run the kill again, or reconciliation settles what is left' }, waitingIds: [] };
  }
  const notReached = result.notReached ?? [];
  const waitingIds = result.waitingIds ?? [];
  const detail = [
    `requested ${result.requested}, canceled locally ${result.canceledLocally}, waiting ${result.waiting}${waitingIds.length ? ` (${waitingIds.join(', ')})` : ''}`,
    ...(notReached.length ? [`not reached before the deadline ${notReached.length} (${notReached.join(', ')})`] : []),
  ].join('; ');
  // Orders still being submitted have no broker id yet, and orders the deadline left: the step is not done.
  return { step: { status: result.waiting > 0 || notReached.length > 0 ? 'incomplete' : 'done', detail }, waitingIds };
};

/** Orders past the submission gate: claimed with no broker id yet, or in flight (the broker's answer unknown). */
const listInTransit = async (deps: Pick<KillSwitchDeps, 'reconciliationStore'>, account: string): Promise<string[]> =>
  (await deps.reconciliationStore.listOrders(account, ['SUBMITTED', 'IN_FLIGHT']))
    .filter((o) => o.status === 'IN_FLIGHT' || !o.brokerOrderId)
    .map((o) => o.intent.intentId);

export const activateKillSwitch = async (deps: KillSwitchDeps, input: unknown, options: ActivationOptions = {}): Promise<ActivationResult> => {
  // Parsed before anything is written: bad input changes nothing.
  const { account, principal, reason, requestId } = parseOrThrow(KillSwitchRequestSchema, input);
  const at = utcNow(deps.clock.now());
  const steps: StepResult[] = [];
  let outcome: StateChangeOutcome | undefined;

  await runStep(steps, 'state', async () => {
    // From any state: the kill switch outranks every other state, including one the breaker set. The
    // activation record is written in the same transaction when the state changes, replacing any older one.
    outcome = await deps.tradingStateStore.changeTradingState(
      { account, from: [], to: 'KILLED', actor: principal, reason, correlationId: requestId, at },
      { kind: 'activate', activation: { activatedBy: principal, reason, at, requestId } },
    );
    if (outcome.outcome === 'refused') return { status: 'failed', detail: `state change refused from ${outcome.previous ?? 'none'}` };
    return { status: 'done', detail: outcome.outcome === 'changed' ? `${outcome.previous ?? 'NONE'} -> KILLED` : 'already KILLED' };
  });
  const killed = outcome !== undefined && outcome.outcome !== 'refused';
  const alreadyKilled = outcome?.outcome === 'unchanged';

  // On a repeat: who wrote KILLED (the first activator) and whether its page went out. Unknown is paged.
  let activatedBy = principal;
  let activationId: string | undefined = killed && !alreadyKilled ? requestId : undefined;
  let pagedAt: string | undefined;
  if (alreadyKilled) {
    try {
      const [state, record] = await Promise.all([deps.tradingStateStore.getTradingStateRecord(account), deps.tradingStateStore.getKillSwitch(account)]);
      const stopper = stoppedBy(state, record);
      activatedBy = stopper?.by ?? principal;
      activationId = stopper?.activation?.requestId;
      pagedAt = stopper?.activation?.pagedAt;
    } catch {
      // Whether a page went out is unknown: page (a page too many is cheaper than none).
    }
  }

  // The page first, right after the durable write: nothing slower (the stop, the cancels) may hold it back.
  let inTransit: string[] | undefined;
  if (pagedAt !== undefined) {
    steps.push({ step: 'page', status: 'skipped', detail: `paged at ${pagedAt} for the activation by ${activatedBy}` });
  } else {
    inTransit = await listInTransit(deps, account).catch(() => undefined);
    await runStep(steps, 'page', async () => {
      await deps.pager.page({
        severity: 'critical',
        account,
        // A failed state write pages too: a person asked for a stop that is not durable.
        subject: killed
          ? `trading KILLED on ${account} by ${activatedBy}${alreadyKilled ? ` (pressed again by ${principal})` : ''}: ${reason}`
          : `kill switch on ${account} FAILED to store KILLED (${principal}): ${reason}`,
        message: [
          ...stepLines(steps),
          `orders in transit at the stop: ${inTransit === undefined ? 'unknown (the read failed)' : inTransit.length ? inTransit.join(', ') : 'none'}`,
          'the hard stop and the cancels follow; the API answer lists their outcome',
        ].join('\n'),
        correlationId: requestId,
      });
      if (activationId === undefined) return;
      // Stored so a retried activation knows the page went out; if storing fails, a retry pages again.
      const marked = await deps.tradingStateStore.markKillSwitchPaged(account, activationId, utcNow(deps.clock.now())).catch(() => 'failed' as const);
      if (marked !== 'marked') return { status: 'done', detail: `sent; not recorded as sent (${marked}): a retry pages again` };
    });
  }

  // Always attempted, on a repeat too: it finishes an activation whose stop or cancels failed before.
  await runStep(steps, 'stop-intake', () => deps.controlPlane.stopOrderIntake(reason));
  let waitingIds: string[] = [];
  await runStep(steps, 'cancel-orders', async () => {
    const cancelled = await cancelStep(deps, { account, principal, requestId, reason }, options.cancelDeadlineMs);
    waitingIds = cancelled.waitingIds;
    return cancelled.step;
  });

  return {
    account,
    state: killed ? 'KILLED' : 'UNKNOWN',
    alreadyKilled,
    activatedBy,
    inTransit: [...new Set([...(inTransit ?? []), ...waitingIds])],
    steps,
    complete: isComplete(steps),
  };
};

const refuse = (account: string, reason: ReleaseRefusal, message: string): ReleaseResult => ({ outcome: 'refused', account, reason, message });

/**
 * Release: refused unless KILLED, asked by someone other than the activator, and the last reconciliation
 * is clean and ran after the activation (a clean run from before the kill says nothing about now). The
 * activator and the kill's time are those of the KILLED stored now (stopped-by.ts), never of an older record.
 */
export const releaseKillSwitch = async (deps: KillSwitchDeps, input: unknown): Promise<ReleaseResult> => {
  const { account, principal, reason, requestId } = parseOrThrow(KillSwitchRequestSchema, input);
  const at = utcNow(deps.clock.now());

  const stateRecord = await deps.tradingStateStore.getTradingStateRecord(account);
  const { state } = stateRecord;
  if (state !== 'KILLED') return refuse(account, 'NOT_KILLED', `trading state is ${state ?? 'missing'}, not KILLED`);

  // The activator: whoever wrote the KILLED stored now (a person's activation, or the breaker's escalation).
  const stopper = stoppedBy(stateRecord, await deps.tradingStateStore.getKillSwitch(account));
  if (!stopper) return refuse(account, 'ACTIVATOR_UNKNOWN', 'who set KILLED is not recorded: release refused (fail closed)');
  const { by: activator, at: activatedAt } = stopper;
  if (activator === principal) return refuse(account, 'SAME_PRINCIPAL', `${principal} activated the kill switch; a different person must release it`);

  const reconciliation = await deps.reconciliationStore.getReconciliation(account);
  if (!reconciliation) return refuse(account, 'RECONCILIATION_MISSING', 'no reconciliation has run for the account');
  if (reconciliation.status !== 'clean') {
    return refuse(account, 'RECONCILIATION_NOT_CLEAN', `last reconciliation ${reconciliation.runId} is ${reconciliation.status} (${reconciliation.breaks.length} break(s))`);
  }
  if (reconciliation.completedAt < activatedAt) {
    return refuse(account, 'RECONCILIATION_STALE', `last clean reconciliation (${reconciliation.completedAt}) predates the activation (${activatedAt})`);
  }

  // One transaction: KILLED → HALTED (only while it is the KILLED judged above), its audit entry, and the
  // activation marked released. A racing release or a new kill makes this one refused, writing nothing.
  const change = await deps.tradingStateStore.changeTradingState(
    { account, from: ['KILLED'], to: 'HALTED', actor: principal, reason, correlationId: requestId, at },
    { kind: 'release', release: { releasedBy: principal, reason, at, requestId }, killedAt: activatedAt, ...(stopper.activation ? { activationRequestId: stopper.activation.requestId } : {}) },
  );
  if (change.outcome !== 'changed') return refuse(account, 'NOT_KILLED', `trading state moved to ${change.previous ?? 'missing'}, or was killed again, meanwhile`);

  const steps: StepResult[] = [{ step: 'state', status: 'done', detail: `KILLED -> HALTED${stopper.activation ? ', activation released' : ` (KILLED set by ${activator})`}` }];
  // Safe while HALTED: risk denies new intents and the order function blocks queued approvals at its re-check.
  await runStep(steps, 'resume-intake', () => deps.controlPlane.resumeOrderIntake());
  await runStep(steps, 'start-recovery', () => deps.startRecovery({ account, reason, releasedAt: at, activatedBy: activator, releasedBy: principal }));
  await runStep(steps, 'page', () =>
    deps.pager.page({
      severity: 'warning',
      account,
      subject: `kill switch on ${account} released by ${principal} (activated by ${activator}): trading HALTED, recovery started`,
      message: [`reason: ${reason}`, ...stepLines(steps)].join('\n'),
      correlationId: requestId,
    }),
  );
  return { outcome: 'released', account, state: 'HALTED', steps, complete: isComplete(steps) };
};

export interface OpenOrderSummary {
  intentId: string;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: string;
  filledQuantity: string;
  status: OrderStatus;
}

export interface KillSwitchStatus {
  account: string;
  tradingState: TradingState | null;
  killSwitch: KillSwitchRecord | null;
  intake: IntakeStatus;
  openOrders: { count: number; orders: OpenOrderSummary[] };
  positions: PositionValuation[];
  /** Null totals when an open position has no mark (valueLedger never sums a partial book). */
  totals: LedgerTotals;
  unpriced: string[];
  lastReconciliation: ReconciliationRecord | null;
  /** The account's current (or last) breaker execution; null when none has run. Never the approval token. */
  breaker: BreakerStatus | null;
  /** The feed's latest heartbeat (which feed, when, running since when); null when no feed ever wrote one. */
  feed: FeedHeartbeat | null;
}

export interface BreakerStatus {
  breachId: string;
  kind: string;
  stage: BreakerStage;
  /** ISO-8601: when the execution entered the stage. */
  since: string;
  /** An approval is pending: POST /breaker/approve or /breaker/reject decides it. */
  awaitingApproval: boolean;
}

const OPEN_STATUSES = ORDER_STATUSES.filter(isOpenStatus);

export const killSwitchStatus = async (deps: Pick<KillSwitchDeps, 'tradingStateStore' | 'breakerStore' | 'reconciliationStore' | 'marketDataStore' | 'controlPlane'>, account: string): Promise<KillSwitchStatus> => {
  const [tradingState, killSwitch, orders, positions, marks, lastReconciliation, intake, execution, feed] = await Promise.all([
    deps.tradingStateStore.getTradingState(account),
    deps.tradingStateStore.getKillSwitch(account),
    deps.reconciliationStore.listOrders(account, OPEN_STATUSES),
    deps.reconciliationStore.listPositions(account),
    deps.marketDataStore.getMarks(),
    deps.reconciliationStore.getReconciliation(account),
    deps.controlPlane.intakeStatus().catch((): IntakeStatus => 'unknown'),
    deps.breakerStore.getBreakerExecution(account),
    deps.marketDataStore.getFeedHeartbeat(),
  ]);
  const valuation = valueLedger(positions, marks);
  return {
    account,
    tradingState: tradingState ?? null,
    killSwitch: killSwitch ?? null,
    intake,
    openOrders: {
      count: orders.length,
      orders: orders.map((o) => ({
        intentId: o.intent.intentId,
        symbol: o.intent.symbol,
        side: o.intent.side,
        quantity: o.approvedQuantity ?? o.intent.quantity,
        filledQuantity: o.filledQuantity,
        status: o.status,
      })),
    },
    positions: valuation.positions,
    totals: valuation.totals,
    unpriced: valuation.unpriced,
    lastReconciliation: lastReconciliation ?? null,
    breaker: execution
      ? { breachId: execution.breachId, kind: execution.kind, stage: execution.stage, since: execution.since, awaitingApproval: execution.approval !== undefined }
      : null,
    feed: feed ?? null,
  };
};
