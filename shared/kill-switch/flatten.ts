// Flatten: a person cancels every open order of a stopped account, then closes every position at the broker
// at market. Invariants: only while trading is stopped (KILLED or HALTED), so nothing new opens while it
// runs; never by the person who stopped it (the release's four-eyes rule: the writer of the stored state, and
// the activator of the kill a release lifted), so no one person can both stop an account and liquidate it;
// the request is audited before any broker call (no audit, no flatten); the positions are closed only after
// the cancels ran without failing; every step's outcome is reported, never done unless it succeeded.
import { auditEntry } from '../audit/audit-entry';
import { parseOrThrow } from '../errors/zod-issues';
import type { OrderStore } from '../ports/order-store';
import { utcNow } from '../time/utc';
import { CANCEL_GRACE_MS, cancelStep, KillSwitchRequestSchema, stepLines, withinMs, type KillSwitchDeps, type StepResult } from './kill-switch';
import { stoppedBy } from './stopped-by';

export interface FlattenDeps {
  /** The broker's flatten: cancels its open orders and closes every position at market. */
  closeAllPositions(): Promise<void>;
  audit: Pick<OrderStore, 'recordAudit'>;
}

export const FLATTEN_REFUSALS = ['NOT_STOPPED', 'ACTIVATOR_UNKNOWN', 'SAME_PRINCIPAL'] as const;
export type FlattenRefusal = (typeof FLATTEN_REFUSALS)[number];

export type FlattenResult =
  | { outcome: 'refused'; account: string; reason: FlattenRefusal; message: string }
  | { outcome: 'flattened'; account: string; state: 'KILLED' | 'HALTED'; stoppedBy: string; inTransit: string[]; steps: StepResult[]; complete: boolean };

const refuse = (account: string, reason: FlattenRefusal, message: string): FlattenResult => ({ outcome: 'refused', account, reason, message });

export const flattenAccount = async (
  deps: Pick<KillSwitchDeps, 'tradingStateStore' | 'pager' | 'clock' | 'cancelAll'> & { flatten: FlattenDeps },
  input: unknown,
  options: { deadlineMs?: number } = {},
): Promise<FlattenResult> => {
  const { account, principal, reason, requestId } = parseOrThrow(KillSwitchRequestSchema, input);
  const stateRecord = await deps.tradingStateStore.getTradingStateRecord(account);
  const { state } = stateRecord;
  if (state !== 'KILLED' && state !== 'HALTED') return refuse(account, 'NOT_STOPPED', `trading state is ${state ?? 'missing'}: flatten needs KILLED or HALTED, so nothing new opens meanwhile`);

  const record = await deps.tradingStateStore.getKillSwitch(account);
  const stopper = stoppedBy(stateRecord, record);
  if (!stopper) return refuse(account, 'ACTIVATOR_UNKNOWN', `who set ${state} is not recorded: flatten refused (fail closed)`);
  // A HALTED a release wrote still stems from that kill: its activator is excluded too.
  const releasedKill = state === 'HALTED' && record?.release?.at === stopper.at && record.release.releasedBy === stopper.by ? record.activatedBy : undefined;
  const excluded = [stopper.by, ...(releasedKill ? [releasedKill] : [])];
  if (excluded.includes(principal)) return refuse(account, 'SAME_PRINCIPAL', `${principal} stopped this account (${state}); a different person must flatten it`);

  const at = utcNow(deps.clock.now());
  // Who asked and why is stored before the broker hears anything: a failure here answers 503, nothing done.
  await deps.flatten.audit.recordAudit([
    auditEntry({ account, occurredAt: at, kind: 'FLATTEN_REQUESTED', actor: principal, correlationId: requestId, causationId: requestId, detail: { reason, state, stoppedBy: stopper.by } }),
  ]);

  const steps: StepResult[] = [];
  let waitingIds: string[] = [];
  let cancelsFailed = false;
  try {
    const cancelled = await cancelStep(deps, { account, principal, requestId, reason }, options.deadlineMs);
    waitingIds = cancelled.waitingIds;
    steps.push({ step: 'cancel-orders', ...cancelled.step });
  } catch (error) {
    cancelsFailed = true;
    steps.push({ step: 'cancel-orders', status: 'failed', detail: error instanceof Error ? error.message : String(error) });
  }
  if (cancelsFailed) {
    steps.push({ step: 'close-positions', status: 'failed', detail: 'not attempted: the cancels failed, and closing over orders that may still fill could open new positions; flatten again' });
  } else {
    try {
      const close = deps.flatten.closeAllPositions();
      const closed = options.deadlineMs === undefined ? await close : await withinMs(close, options.deadlineMs - deps.clock.now() + CANCEL_GRACE_MS);
      if (closed === 'timed-out') {
        close.catch(() => undefined);
        steps.push({ step: 'close-positions', status: 'incomplete', detail: 'close-all still running at the deadline: GET /status shows the positions' });
      } else {
        steps.push({ step: 'close-positions', status: 'done', detail: 'every position sent to close at market (reconciliation books the fills)' });
      }
    } catch (error) {
      steps.push({ step: 'close-positions', status: 'failed', detail: error instanceof Error ? error.message : String(error) });
    }
  }
  try {
    await deps.pager.page({
      severity: 'critical',
      account,
      subject: `positions of ${account} flattened by ${principal} (trading ${state}, stopped by ${stopper.by}): ${reason}`,
      message: stepLines(steps).join('\n'),
      correlationId: requestId,
    });
    steps.push({ step: 'page', status: 'done' });
  } catch (error) {
    steps.push({ step: 'page', status: 'failed', detail: error instanceof Error ? error.message : String(error) });
  }
  return {
    outcome: 'flattened',
    account,
    state,
    stoppedBy: stopper.by,
    inTransit: waitingIds,
    steps,
    complete: steps.every((s) => s.status === 'done' || s.status === 'skipped'),
  };
};
