// The per-strategy switch: a named person stops one strategy of an account without stopping the account (the
// other strategies trade on). A strategy with no switch item is ENABLED. Invariants: every change is written
// with its audit entry (actor, reason) in one write, conditional on the status it replaces, so two racing
// changes cannot both win; disabling cancels that strategy's open orders only, and is repeatable (a repeat
// finishes the cancels a first attempt left); the risk function denies a disabled strategy's intents
// (STRATEGY_DISABLED), the order function's submission gate blocks its approved orders not yet sent, and the
// feed's strategy host stops calling it.
import type * as z from 'zod';
import { auditEntry } from '../audit/audit-entry';
import { parseOrThrow } from '../errors/zod-issues';
import { StrategyIdSchema } from '../events/ids';
import { KillSwitchRequestSchema } from './kill-switch';
import type { Clock } from '../ports/clock';
import type { StrategySwitchStore } from '../ports/strategy-switch-store';
import { utcNow } from '../time/utc';

/** The kill switch's request (the person, the reason, the API request id) naming one strategy. */
export const StrategySwitchRequestSchema = KillSwitchRequestSchema.extend({ strategy: StrategyIdSchema }).strict();
export type StrategySwitchRequest = z.infer<typeof StrategySwitchRequestSchema>;

/** What the cancels of a strategy's orders did (the order service's CancelAllResult has this shape). */
export interface StrategyCancels {
  canceledLocally: number;
  requested: number;
  /** Orders past the submission gate with no broker id yet: the command must run again. */
  waitingIds?: string[];
  /** Orders the deadline left unattempted. */
  notReached?: string[];
}

/** Cancels the open orders of one strategy of the account (the order service's cancelStrategyOrders); none starts at or after `deadlineMs`. */
export type CancelStrategyOrders = (
  request: { account: string; strategy: string; requestedBy: string; requestId: string; reason: string },
  options?: { deadlineMs?: number },
) => Promise<StrategyCancels>;

export interface StrategySwitchDeps {
  strategySwitchStore: StrategySwitchStore;
  cancelStrategyOrders: CancelStrategyOrders;
  clock: Clock;
}

export interface DisableResult {
  outcome: 'disabled';
  account: string;
  strategy: string;
  /** The strategy was disabled already (by `disabledBy`); the cancels ran again. */
  alreadyDisabled: boolean;
  disabledBy: string;
  at: string;
  /** The cancels of the strategy's open orders: 'incomplete' names what the command must run again for. */
  cancels: { status: 'done' | 'incomplete' | 'failed'; canceledLocally: number; requested: number; waiting: string[]; notReached: string[]; detail?: string };
  /** Every step done: the switch is DISABLED and none of the strategy's orders is left open. */
  complete: boolean;
}

export type EnableResult =
  | { outcome: 'enabled'; account: string; strategy: string; enabledBy: string; at: string }
  | { outcome: 'refused'; account: string; strategy: string; reason: 'NOT_DISABLED'; message: string };

/** The switch moved to `status` with its audit entry, in one write ('unchanged' when it already was). */
const change = (deps: Pick<StrategySwitchDeps, 'strategySwitchStore'>, request: StrategySwitchRequest, status: 'ENABLED' | 'DISABLED', at: string) =>
  deps.strategySwitchStore.changeStrategySwitch(
    request.account,
    request.strategy,
    { status, changedBy: request.principal, reason: request.reason, changedAt: at },
    auditEntry({
      account: request.account,
      occurredAt: at,
      kind: status === 'DISABLED' ? 'STRATEGY_DISABLED' : 'STRATEGY_ENABLED',
      actor: request.principal,
      correlationId: request.requestId,
      causationId: `operator:${request.principal}`,
      detail: { strategy: request.strategy, reason: request.reason },
    }),
  );

/**
 * Disables the strategy (the switch first and durably, so nothing new of it is approved or sent from here on),
 * then cancels its open orders. An account-wide stop is the kill switch's job, not this one's.
 */
export const disableStrategy = async (deps: StrategySwitchDeps, input: unknown, options: { deadlineMs?: number } = {}): Promise<DisableResult> => {
  const request = parseOrThrow(StrategySwitchRequestSchema, input);
  const at = utcNow(deps.clock.now());
  const written = await change(deps, request, 'DISABLED', at);
  const current = written === 'unchanged' ? (await deps.strategySwitchStore.getStrategySwitches(request.account))[request.strategy] : undefined;
  const base = { outcome: 'disabled' as const, account: request.account, strategy: request.strategy, alreadyDisabled: written === 'unchanged' };
  const disabledBy = current?.changedBy ?? request.principal;
  const disabledAt = current?.changedAt ?? at;
  try {
    const result = await deps.cancelStrategyOrders(
      { account: request.account, strategy: request.strategy, requestedBy: request.principal, requestId: request.requestId, reason: `strategy ${request.strategy} disabled: ${request.reason}` },
      options,
    );
    const waiting = result.waitingIds ?? [];
    const notReached = result.notReached ?? [];
    const done = waiting.length === 0 && notReached.length === 0;
    return {
      ...base,
      disabledBy,
      at: disabledAt,
      cancels: { status: done ? 'done' : 'incomplete', canceledLocally: result.canceledLocally, requested: result.requested, waiting, notReached },
      complete: done,
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ...base, disabledBy, at: disabledAt, cancels: { status: 'failed', canceledLocally: 0, requested: 0, waiting: [], notReached: [], detail }, complete: false };
  }
};

/** Enables a disabled strategy again; refused (nothing written) when it is not disabled. */
export const enableStrategy = async (deps: Pick<StrategySwitchDeps, 'strategySwitchStore' | 'clock'>, input: unknown): Promise<EnableResult> => {
  const request = parseOrThrow(StrategySwitchRequestSchema, input);
  const at = utcNow(deps.clock.now());
  const written = await change(deps, request, 'ENABLED', at);
  if (written === 'changed') return { outcome: 'enabled', account: request.account, strategy: request.strategy, enabledBy: request.principal, at };
  return { outcome: 'refused', account: request.account, strategy: request.strategy, reason: 'NOT_DISABLED', message: `strategy ${request.strategy} of ${request.account} is not disabled` };
};
