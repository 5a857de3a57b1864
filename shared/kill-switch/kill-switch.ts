// The kill switch: a named person stops all trading of an account with one call, and only a different
// person can lift it. Invariants: KILLED is written first and durably (conditional, audited) and nothing
// later undoes it; the hard stop and the cancels are always attempted, even when an earlier step failed,
// because both only lower risk; every step's outcome is reported and a failed step is never reported done
// (fail closed); a repeated activation pages nobody again. Release never goes straight to ACTIVE: it moves
// KILLED → HALTED and hands recovery to the breaker's state machine.
import { z } from 'zod';
import { AccountIdSchema } from '../events/ids';
import { parseOrThrow } from '../errors/zod-issues';
import { valueLedger, type LedgerTotals, type PositionValuation } from '../ledger/valuation';
import { isOpenStatus, ORDER_STATUSES, type OrderStatus } from '../orders/order-record';
import type { Clock } from '../ports/clock';
import type { ControlPlane, IntakeStatus } from '../ports/control-plane';
import type { ReconciliationRecord, ReconciliationStore } from '../ports/reconciliation-store';
import type { KillSwitchRecord, TradingStateStore } from '../ports/trading-state-store';
import { utcNow } from '../time/utc';
import type { CancelAllResult } from '../order-service/cancellation';
import type { Pager } from '../ports/pager';
import type { BreakerStage, BreakerStore } from '../ports/breaker-store';
import type { FeedHeartbeat } from '../market/marks';
import type { MarketDataStore } from '../ports/market-data-store';
import type { RecoveryStart } from './release-trip';
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
  /** Cancels every open order of the account (the order service's cancelAllOrders in production). */
  cancelAll(account: string, requestedBy: string, requestId: string, reason?: string): Promise<CancelAllResult>;
  /**
   * Starts the breaker's recovery (cooldown → evaluate → reducing → approval) for a released account: an
   * execution in mode 'recovery' (shared/breaker/release-trip.ts). A duplicate start is done; a failure throws.
   */
  startRecovery(release: RecoveryStart): Promise<void>;
}

export type KillSwitchStep = 'state' | 'record' | 'stop-intake' | 'cancel-orders' | 'page' | 'resume-intake' | 'start-recovery';

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

export const activateKillSwitch = async (deps: KillSwitchDeps, input: unknown): Promise<ActivationResult> => {
  // Parsed before anything is written: bad input changes nothing.
  const { account, principal, reason, requestId } = parseOrThrow(KillSwitchRequestSchema, input);
  const at = utcNow(deps.clock.now());
  const steps: StepResult[] = [];
  let outcome: StateChangeOutcome | undefined;
  let activatedBy = principal;

  await runStep(steps, 'state', async () => {
    // From any state: the kill switch outranks every other state, including one the breaker set.
    outcome = await deps.tradingStateStore.changeTradingState({ account, from: [], to: 'KILLED', actor: principal, reason, correlationId: requestId, at });
    if (outcome.outcome === 'refused') return { status: 'failed', detail: `state change refused from ${outcome.previous ?? 'none'}` };
    return { status: 'done', detail: outcome.outcome === 'changed' ? `${outcome.previous ?? 'NONE'} -> KILLED` : 'already KILLED' };
  });
  const killed = outcome !== undefined && outcome.outcome !== 'refused';
  const alreadyKilled = outcome?.outcome === 'unchanged';

  if (killed) {
    await runStep(steps, 'record', async () => {
      const stored = await deps.tradingStateStore.recordKillSwitch(account, { activatedBy: principal, reason, at, requestId });
      if (stored === 'recorded') return;
      const existing = await deps.tradingStateStore.getKillSwitch(account);
      activatedBy = existing?.activatedBy ?? principal;
      return { status: 'skipped', detail: `activation by ${activatedBy} at ${existing?.at ?? '?'} kept` };
    });
  } else {
    // Without KILLED stored, a record would name an activator of a kill that did not happen.
    steps.push({ step: 'record', status: 'skipped', detail: 'state not written' });
  }

  // Always attempted, on a repeat too: it finishes an activation whose stop or cancels failed before.
  await runStep(steps, 'stop-intake', () => deps.controlPlane.stopOrderIntake(reason));
  await runStep(steps, 'cancel-orders', async () => {
    const result = await deps.cancelAll(account, principal, requestId, reason);
    const detail = `requested ${result.requested}, canceled locally ${result.canceledLocally}, waiting ${result.waiting}`;
    // Orders still being submitted have no broker id yet: their cancel is not done, so the step is not either.
    return { status: result.waiting > 0 ? 'incomplete' : 'done', detail };
  });

  // Paged once per activation: the store's 'unchanged' is the dedupe. A failed state write pages too: a
  // person asked for a stop that is not durable.
  if (alreadyKilled) {
    steps.push({ step: 'page', status: 'skipped', detail: 'already KILLED: paged at the first activation' });
  } else {
    await runStep(steps, 'page', () =>
      deps.pager.page({
        severity: 'critical',
        account,
        subject: killed ? `trading KILLED on ${account} by ${principal}: ${reason}` : `kill switch on ${account} FAILED to store KILLED (${principal}): ${reason}`,
        message: steps.map((s) => `${s.step}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`).join('\n'),
        correlationId: requestId,
      }),
    );
  }

  return { account, state: killed ? 'KILLED' : 'UNKNOWN', alreadyKilled, activatedBy, steps, complete: isComplete(steps) };
};

const refuse = (account: string, reason: ReleaseRefusal, message: string): ReleaseResult => ({ outcome: 'refused', account, reason, message });

/**
 * Release: refused unless KILLED, asked by someone other than the activator, and the last reconciliation
 * is clean and ran after the activation (a clean run from before the kill says nothing about now).
 */
export const releaseKillSwitch = async (deps: KillSwitchDeps, input: unknown): Promise<ReleaseResult> => {
  const { account, principal, reason, requestId } = parseOrThrow(KillSwitchRequestSchema, input);
  const at = utcNow(deps.clock.now());

  const stateRecord = await deps.tradingStateStore.getTradingStateRecord(account);
  const { state } = stateRecord;
  if (state !== 'KILLED') return refuse(account, 'NOT_KILLED', `trading state is ${state ?? 'missing'}, not KILLED`);

  // The activator: the stored activation, or whoever set KILLED (the breaker's escalation writes no record).
  const record = await deps.tradingStateStore.getKillSwitch(account);
  const active = record && !record.release ? record : undefined;
  const activator = active?.activatedBy ?? stateRecord.updatedBy;
  const activatedAt = active?.at ?? stateRecord.updatedAt;
  if (!activator || !activatedAt) return refuse(account, 'ACTIVATOR_UNKNOWN', 'who set KILLED is not recorded: release refused (fail closed)');
  if (activator === principal) return refuse(account, 'SAME_PRINCIPAL', `${principal} activated the kill switch; a different person must release it`);

  const reconciliation = await deps.reconciliationStore.getReconciliation(account);
  if (!reconciliation) return refuse(account, 'RECONCILIATION_MISSING', 'no reconciliation has run for the account');
  if (reconciliation.status !== 'clean') {
    return refuse(account, 'RECONCILIATION_NOT_CLEAN', `last reconciliation ${reconciliation.runId} is ${reconciliation.status} (${reconciliation.breaks.length} break(s))`);
  }
  if (reconciliation.completedAt < activatedAt) {
    return refuse(account, 'RECONCILIATION_STALE', `last clean reconciliation (${reconciliation.completedAt}) predates the activation (${activatedAt})`);
  }

  // Conditional on KILLED: a racing release (or anything else moving the state) makes this one refused.
  const change = await deps.tradingStateStore.changeTradingState({ account, from: ['KILLED'], to: 'HALTED', actor: principal, reason, correlationId: requestId, at });
  if (change.outcome !== 'changed') return refuse(account, 'NOT_KILLED', `trading state moved to ${change.previous ?? 'missing'} meanwhile`);

  const steps: StepResult[] = [{ step: 'state', status: 'done', detail: 'KILLED -> HALTED' }];
  if (active) {
    await runStep(steps, 'record', async () => {
      const released = await deps.tradingStateStore.releaseKillSwitch(account, { releasedBy: principal, reason, at, requestId });
      return released === 'released' ? undefined : { status: 'skipped', detail: 'activation already released' };
    });
  }
  // Safe while HALTED: risk denies new intents and the order function blocks queued approvals at its re-check.
  await runStep(steps, 'resume-intake', () => deps.controlPlane.resumeOrderIntake());
  await runStep(steps, 'start-recovery', () => deps.startRecovery({ account, reason, releasedAt: at, activatedBy: activator, releasedBy: principal }));
  await runStep(steps, 'page', () =>
    deps.pager.page({
      severity: 'warning',
      account,
      subject: `kill switch on ${account} released by ${principal} (activated by ${activator}): trading HALTED, recovery started`,
      message: [`reason: ${reason}`, ...steps.map((s) => `${s.step}: ${s.status}${s.detail ? ` (${s.detail})` : ''}`)].join('\n'),
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
