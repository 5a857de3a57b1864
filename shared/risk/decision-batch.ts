// Deciding a batch of one account's intents on one snapshot: each intent is evaluated in arrival order on the
// state the earlier ones left (their in-flight sizes, open orders, rate window, session and throttle effects),
// exactly as if each had been decided and written alone, and the batch becomes one write. Pure. Invariants: an
// intent that already has an order (or appears twice) is a replay, never a second decision; an intent parked
// longer than the intake allows, or created longer ago than that, is denied INTENT_EXPIRED; the write stays within one transaction's items.
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
import type { DetailOf } from '../events/catalog';
import type { AccountBook } from '../ledger/account-book';
import * as fx from '../money/fixed';
import type { OrderRecord } from '../orders/order-record';
import type { ParkedIntent } from '../ports/decision-intake';
import type { ApprovalEntry, DecisionSnapshot, ExecutionThrottleState, RecordDecisionInput, RiskSession } from '../ports/risk-store';
import { isoToEpochMs } from '../time/iso-time';
import { utcNow } from '../time/utc';
import { approvalsInWindow, evaluateIntent, type RiskDecision } from './evaluate';
import type { RiskLimits } from './limits';

type IntendedDetail = DetailOf<'OrderIntended.v1'>;

/**
 * An intent not decided within this long of its creation, or of its arrival, is denied: a decision that late
 * is no longer the one asked for. From creation too, so an intent replayed from the event archive, or held up
 * anywhere upstream, is never decided at a later market's prices.
 */
export const INTENT_MAX_WAIT_MS = 5_000;

/** How long ago the intent was created (NaN for a stamp that cannot be read, which counts as too old). */
export const intentAgeMs = (createdAt: string, nowMs: number): number => nowMs - isoToEpochMs(createdAt);

/** Whether the intent was created too long ago to be decided now (the intent-flood count skips it: see risk-service). */
export const isIntentTooOld = (createdAt: string, nowMs: number): boolean => !(intentAgeMs(createdAt, nowMs) <= INTENT_MAX_WAIT_MS);

/** Items one decided intent may add to the write at most: its order and its open-order marker, three audit entries, two throttle updates. */
const ITEMS_PER_INTENT_MAX = 7;
/** Items the batch shares whatever its size: book, open orders, rate window, session. */
const SHARED_ITEMS = 4;

export type BatchEntry =
  | { kind: 'replay'; parked: ParkedIntent; order: OrderRecord }
  | { kind: 'decided'; parked: ParkedIntent; decision: RiskDecision; order: OrderRecord; nowIso: string };

export interface DecisionBatch {
  /** In arrival order; the intents after the last entry did not fit in this batch's write. */
  entries: BatchEntry[];
  /** What to write: undefined when every entry is a replay. */
  record: RecordDecisionInput | undefined;
}

export const orderFromDecision = (intended: IntendedDetail, decision: RiskDecision, nowIso: string): OrderRecord => ({
  account: intended.meta.account,
  strategy: intended.meta.strategy,
  intent: intended.data,
  status: decision.outcome === 'approved' ? 'PENDING' : 'DENIED',
  ...(decision.outcome === 'approved'
    ? // The approved size is in flight on the book from this write on (recordDecisions adds it).
      { notional: decision.notional, approvedQuantity: decision.approvedQuantity, inFlight: decision.approvedQuantity }
    : { reason: decision.reason, failedChecks: decision.failedChecks, message: decision.message }),
  filledQuantity: '0',
  origin: 'strategy',
  createdAt: nowIso,
  updatedAt: nowIso,
  version: 1,
});

/** What a decision says, for its audit entry and its log line: who asked for what, the outcome and every reason. */
export const decisionDetail = (intended: IntendedDetail, decision: RiskDecision): Record<string, unknown> => ({
  strategy: intended.meta.strategy,
  symbol: intended.data.symbol,
  side: intended.data.side,
  quantity: intended.data.quantity,
  outcome: decision.outcome,
  ...(decision.outcome === 'approved'
    ? { notional: decision.notional, approvedQuantity: decision.approvedQuantity, checks: [...decision.checks] }
    : { reason: decision.reason, failedChecks: decision.failedChecks, message: decision.message }),
});

/** The decision's audit trail: the decision itself, and the loss warning or throttle trip it caused. */
export const decisionAudit = (intended: IntendedDetail, decision: RiskDecision, nowIso: string): AuditEntry[] => {
  const { account } = intended.meta;
  const { intentId } = intended.data;
  const base = { account, occurredAt: nowIso, actor: 'risk', correlationId: intentId, causationId: intended.meta.eventId };
  const entries = [auditEntry({ ...base, kind: 'RISK_DECISION', detail: decisionDetail(intended, decision) })];
  const { warning, throttleTrip } = decision.effects;
  if (warning) entries.push(auditEntry({ ...base, kind: 'LOSS_WARNING_REACHED', detail: { ...warning } }));
  if (throttleTrip) entries.push(auditEntry({ ...base, kind: 'EXECUTION_THROTTLE_TRIPPED', detail: { scope: throttleTrip.strategy, fills: throttleTrip.fills } }));
  return entries;
};

/** Why the intent is too late to decide, or undefined when it is not. */
const lateness = (parked: ParkedIntent, nowMs: number): string | undefined => {
  if (isIntentTooOld(parked.intended.data.createdAt, nowMs)) {
    return `the intent was created ${intentAgeMs(parked.intended.data.createdAt, nowMs)} ms before its decision (at ${parked.intended.data.createdAt}), longer than ${INTENT_MAX_WAIT_MS} ms`;
  }
  const waited = nowMs - parked.receivedAtMs;
  return waited > INTENT_MAX_WAIT_MS ? `the intent waited ${waited} ms to be decided, longer than ${INTENT_MAX_WAIT_MS} ms` : undefined;
};

const expired = (message: string): RiskDecision => ({
  outcome: 'denied',
  reason: 'INTENT_EXPIRED',
  failedChecks: ['INTENT_EXPIRED'],
  message,
  effects: { breaches: [], throttlePrune: [] },
});

/** The state decisions move, kept in step with the write as the batch goes. */
interface Running {
  book: AccountBook;
  openOrders: number;
  approvals: ApprovalEntry[];
  rateChanged: boolean;
  session: (RiskSession & { version: number }) | undefined;
  sessionChanged: boolean;
  throttle: { account: ExecutionThrottleState; strategies: Record<string, ExecutionThrottleState> };
}

const throttleOf = (running: Running, scope: string): ExecutionThrottleState =>
  scope === '*' ? running.throttle.account : (running.throttle.strategies[scope] ?? { fills: [] });

const setThrottle = (running: Running, scope: string, next: ExecutionThrottleState): void => {
  if (scope === '*') running.throttle.account = next;
  else running.throttle.strategies[scope] = next;
};

/** An approval's size in flight on the in-memory book; its revision is dropped so no valuation reuses an older one. */
const withInFlight = (book: AccountBook, symbol: string, side: 'buy' | 'sell', quantity: string): AccountBook => {
  const entry = book.positions[symbol] ?? { quantity: '0', inFlightBuy: '0', inFlightSell: '0' };
  const field = side === 'buy' ? 'inFlightBuy' : 'inFlightSell';
  const next = { ...entry, [field]: fx.toDecimalString(fx.add(fx.parseFixed(entry[field]), fx.parseFixed(quantity))) };
  const { revision: _dropped, ...rest } = book;
  return { ...rest, positions: { ...book.positions, [symbol]: next } };
};

/** What an entry's decision changes: the running state the next decision sees, and the write's shared parts. */
const applyEffects = (
  running: Running,
  entry: { intended: IntendedDetail; decision: RiskDecision; nowMs: number },
  write: Pick<RecordDecisionInput, 'inFlight' | 'throttleTrips' | 'throttlePrune'>,
): void => {
  const { intended, decision, nowMs } = entry;
  const { strategy } = intended.meta;
  const { symbol, side } = intended.data;
  const { effects } = decision;
  if (decision.outcome === 'approved') {
    running.approvals = [
      ...approvalsInWindow(running.approvals, nowMs, decision.approvalsHorizonMs),
      { at: nowMs, kind: 'order', symbol, side, quantity: intended.data.quantity, strategy, price: decision.price },
    ];
    running.rateChanged = true;
    running.openOrders += 1;
    running.book = withInFlight(running.book, symbol, side, decision.approvedQuantity);
    write.inFlight.push({ symbol, side, quantity: decision.approvedQuantity });
  }
  if (effects.session) {
    running.session = { ...effects.session, version: running.session?.version ?? 0 };
    running.sessionChanged = true;
  }
  if (effects.throttleTrip) {
    const scope = effects.throttleTrip.strategy;
    const { enabledAt: _enabledAt, enabledBy: _enabledBy, ...kept } = throttleOf(running, scope);
    setThrottle(running, scope, { ...kept, disabledAt: nowMs });
    write.throttleTrips.push({ strategy: scope, disabledAt: nowMs });
  }
  for (const prune of effects.throttlePrune) {
    if (prune.bucketStartMs.length === 0) continue;
    const gone = new Set(prune.bucketStartMs);
    const state = throttleOf(running, prune.strategy);
    setThrottle(running, prune.strategy, { ...state, fills: state.fills.filter((f) => !gone.has(f.bucketStartMs)) });
    write.throttlePrune.push(prune);
  }
};

/**
 * Decides the parked intents in order on the snapshot, as many as fit in one write of `maxItems`. `now` is read
 * for each decision. The first intent is always decided.
 */
export const decideBatch = (input: {
  snapshot: DecisionSnapshot;
  intents: readonly ParkedIntent[];
  defaults: RiskLimits;
  now: () => number;
  maxItems: number;
}): DecisionBatch => {
  const { snapshot, defaults, now } = input;
  const running: Running = {
    book: snapshot.book,
    openOrders: snapshot.openOrders,
    approvals: [...snapshot.orderRate.approvals],
    rateChanged: false,
    session: snapshot.session,
    sessionChanged: false,
    throttle: { account: snapshot.throttle.account, strategies: { ...snapshot.throttle.strategies } },
  };
  const entries: BatchEntry[] = [];
  const orders: OrderRecord[] = [];
  const audit: AuditEntry[] = [];
  const inFlight: RecordDecisionInput['inFlight'] = [];
  const throttleTrips: RecordDecisionInput['throttleTrips'] = [];
  const throttlePrune: RecordDecisionInput['throttlePrune'] = [];
  const decidedHere = new Map<string, OrderRecord>();
  const items = () => orders.length + inFlight.length + audit.length + throttleTrips.length + throttlePrune.length + SHARED_ITEMS;

  for (const parked of input.intents) {
    if (entries.length > 0 && items() + ITEMS_PER_INTENT_MAX > input.maxItems) break;
    const { intended } = parked;
    const { account, strategy } = intended.meta;
    const { intentId } = intended.data;
    const existing = snapshot.existingOrders.get(intentId) ?? decidedHere.get(intentId);
    if (existing) {
      entries.push({ kind: 'replay', parked, order: existing });
      continue;
    }
    const nowMs = now();
    const late = lateness(parked, nowMs);
    const decision =
      late !== undefined
        ? expired(late)
        : evaluateIntent({
            intent: intended.data,
            account,
            strategy,
            tradingState: snapshot.tradingState,
            strategySwitch: snapshot.strategySwitches[strategy],
            tradingStateSince: snapshot.tradingStateSince,
            intentCount: parked.count,
            defaults,
            limitsOverride: snapshot.limitsOverride,
            ...(snapshot.limitsVersion !== undefined ? { limitsVersion: snapshot.limitsVersion } : {}),
            marks: snapshot.marks,
            book: running.book,
            reference: snapshot.reference,
            marksRevision: snapshot.marksRevision,
            referenceRevision: snapshot.referenceRevision,
            session: running.session,
            throttle: { strategy: throttleOf(running, strategy), account: running.throttle.account },
            recentApprovals: running.approvals,
            openOrders: running.openOrders,
            nowMs,
          });
    const nowIso = utcNow(nowMs);
    const order = orderFromDecision(intended, decision, nowIso);
    decidedHere.set(intentId, order);
    orders.push(order);
    audit.push(...decisionAudit(intended, decision, nowIso));
    entries.push({ kind: 'decided', parked, decision, order, nowIso });

    applyEffects(running, { intended, decision, nowMs }, { inFlight, throttleTrips, throttlePrune });
  }

  const account = input.intents[0]?.intended.meta.account ?? '';
  const expectedSession = snapshot.session?.version ?? 0;
  return {
    entries,
    record:
      orders.length === 0
        ? undefined
        : {
            account,
            orders,
            audit,
            inFlight,
            throttleTrips,
            throttlePrune,
            ...(running.rateChanged ? { orderRate: { approvals: running.approvals, expectedVersion: snapshot.orderRate.version } } : {}),
            ...(running.sessionChanged && running.session
              ? { session: { next: sessionOf(running.session), expectedVersion: expectedSession } }
              : {}),
          },
  };
};

const sessionOf = (s: RiskSession & { version: number }): RiskSession => {
  const { version: _version, ...session } = s;
  return session;
};
