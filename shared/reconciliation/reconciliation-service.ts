// The reconciliation service: one run settles in-flight orders, brings every order in step with the broker
// (booking lost fills and cancels, adopting orders we never placed), compares positions and cash, and
// reports every break. The broker is the source of truth and the run fails closed: a side that cannot be
// read is a break of its own and never reads as "no orders", "flat" or "no cash"; a local order the broker
// does not show is reported, never dropped or changed; the table's cash is only overwritten when no fill can
// be in transit (or on the first sync) and only if it did not move since it was read.
import { auditEntry } from '../audit/audit-entry';
import { DETAIL_TYPES, domainEvent } from '../events/catalog';
import { buildMeta } from '../events/envelope';
import { SymbolSchema } from '../events/ids';
import type { ReconciliationBreak } from '../events/reconciliation-events';
import type { Position } from '../ledger/position';
import { DecimalStringSchema, dec, toDecimalString } from '../money/decimal';
import type { BrokerView } from '../orders/order-lifecycle';
import { isOpenStatus, ORDER_STATUSES, type OrderRecord, type OrderStatus } from '../orders/order-record';
import { type Broker } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { EventBus } from '../ports/event-bus';
import { InfrastructureError } from '../errors/errors';
import { jitteredBackoff } from '../retry/backoff';
import type { AccountBook } from '../ledger/account-book';
import type { ReconciliationRecord, ReconciliationStore } from '../ports/reconciliation-store';
import type { OrderStore } from '../ports/order-store';
import type { TradingStateStore } from '../ports/trading-state-store';
import type { BrokerOrder, BrokerPosition, UnrepresentableBrokerOrder } from '../broker/broker-order';
import { BrokerCallError } from '../broker/broker-call-error';
import { utcNow } from '../time/utc';
import type { Telemetry } from '../ports/telemetry';
import type { OrderServiceDeps } from '../order-service/context';
import { settleInFlightOrders } from '../order-service/submission';
import { applyBrokerView } from '../order-service/broker-view';
import { METRICS } from '../telemetry/metrics';
import { isoToEpochMs } from '../time/iso-time';
import { countConsecutiveRuns } from './break-persistence';
import { DEFAULT_CASH_TOLERANCE, diffCash, planCash } from './cash-diff';
import { diffPositions } from './diff';
import { EXTERNAL_STRATEGY, externalIntentId, externalOrderRecord } from './external-order';

export interface ReconciliationDeps {
  reconciliationStore: ReconciliationStore;
  /** In-flight orders are settled, and the broker's view applied, through the order service. */
  orderStore: OrderStore;
  tradingStateStore: Pick<TradingStateStore, 'getTradingState'>;
  broker: Broker;
  bus: EventBus;
  clock: Clock;
  telemetry: Telemetry;
  /** Quantity difference tolerated before a break is reported. */
  tolerance?: string;
  /** Cash difference tolerated before a break is reported (default '0.01'). */
  cashTolerance?: string;
  /** The lease owner when settling in-flight orders (default `reconciliation/<runId>`). */
  workerId?: string;
  /** How long a settlement claim stays exclusive (default 30 s). */
  leaseMs?: number;
  /** See OrderServiceDeps.inFlightGraceMs. */
  inFlightGraceMs?: number;
}

const SYSTEM_STRATEGY = 'reconciliation';
const DEFAULT_LEASE_MS = 30_000;

/** Orders the broker may hold live: each is queried by client order id. */
const LOCAL_LIVE: readonly OrderStatus[] = ['SUBMITTED', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'];
/** Any of these means a fill may be on its way: the table's cash is then only compared. */
const LOCAL_OPEN: readonly OrderStatus[] = ORDER_STATUSES.filter(isOpenStatus);
/** Their submitter (or the settlement of in-flight orders) owns them; reconciliation leaves them be. */
const OWNED_BY_SUBMITTER: readonly OrderStatus[] = ['PENDING', 'SUBMITTED', 'IN_FLIGHT'];

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A failure of the broker, however wrapped (the order service turns broker errors into RetryLaterError). */
const isBrokerFailure = (error: unknown): boolean => {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BrokerCallError || (e instanceof InfrastructureError && e.component === 'broker')) return true;
  }
  return false;
};

/**
 * Keeps the position breaks of the re-read that the first read also found: a mismatch in only one of the two
 * reads is a fill in transit between them, not a break.
 */
export const confirmBreaks = (first: readonly ReconciliationBreak[], second: readonly ReconciliationBreak[]): ReconciliationBreak[] => {
  const seen = new Set(first.map((b) => `${b.kind}:${b.symbol ?? ''}`));
  return second.filter((b) => seen.has(`${b.kind}:${b.symbol ?? ''}`));
};

/** Nothing in flight on the book: every symbol's in-flight buy and sell size is zero. */
const nothingInFlight = (book: AccountBook): boolean =>
  Object.values(book.positions).every((entry) => dec(entry.inFlightBuy).isZero() && dec(entry.inFlightSell).isZero());

/**
 * Broker reads are idempotent, so a transient failure (a 5xx, a reset, a 429) is retried a few times before
 * the run calls the broker unreachable: a single lost read must not trip the breaker, a broker that keeps
 * failing must.
 */
const BROKER_READ_ATTEMPTS = 3;
const readWithRetries = async <T>(read: () => Promise<T>): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= BROKER_READ_ATTEMPTS || !isBrokerFailure(error)) throw error;
      await jitteredBackoff(attempt, 20, 200);
    }
  }
};

/** What one run found and did; the steps below add to it. */
class Run {
  readonly breaks: ReconciliationBreak[] = [];
  readonly brokerFailures: string[] = [];
  readonly localFailures: string[] = [];
  ordersCompared = 0;
  adopted = 0;
  settled = 0;

  failed(what: string, error: unknown): void {
    (isBrokerFailure(error) ? this.brokerFailures : this.localFailures).push(`${what}: ${messageOf(error)}`);
  }

  /** A read of the broker; undefined (and a failure noted) when it could not be read: never "empty". */
  async broker<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await readWithRetries(read);
    } catch (error) {
      this.brokerFailures.push(`${what}: ${messageOf(error)}`);
      return undefined;
    }
  }

  /** A read of the table; undefined (and a failure noted) when it could not be read. */
  async local<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      this.localFailures.push(`${what}: ${messageOf(error)}`);
      return undefined;
    }
  }

  /** One BROKER_UNREACHABLE and one LOCAL_STATE_UNREADABLE at most, naming every read that failed, first. */
  allBreaks(): ReconciliationBreak[] {
    return [
      ...(this.brokerFailures.length ? [{ kind: 'BROKER_UNREACHABLE' as const, message: `broker unavailable: ${this.brokerFailures.join('; ')}` }] : []),
      ...(this.localFailures.length ? [{ kind: 'LOCAL_STATE_UNREADABLE' as const, message: `table unavailable: ${this.localFailures.join('; ')}` }] : []),
      ...this.breaks,
    ];
  }
}

type Ctx = { deps: ReconciliationDeps; orderDeps: OrderServiceDeps; account: string; runId: string; run: Run };

/** Applies the broker's view of one order (books missing fills, follows its status); failures are noted. */
const applyView = async (c: Ctx, order: { intentId: string; strategy: string }, view: BrokerView): Promise<void> => {
  try {
    await applyBrokerView(c.orderDeps, { account: c.account, strategy: order.strategy, causationId: c.runId, actor: 'reconciliation' }, order.intentId, view);
  } catch (error) {
    c.run.failed(`applying the broker's view of ${order.intentId}`, error);
  }
};

/** Step 2a: every local order the broker may hold live is brought in step with the broker's view of it. */
const compareLocalOrder = async (c: Ctx, order: OrderRecord, openByBrokerId: ReadonlyMap<string, BrokerOrder>): Promise<void> => {
  const { intentId } = order.intent;
  c.run.ordersCompared++;
  let view: BrokerOrder | undefined;
  try {
    view = await readWithRetries(() => c.deps.broker.getOrderByClientOrderId(intentId));
  } catch (error) {
    c.run.brokerFailures.push(`order ${intentId}: ${messageOf(error)}`);
    return;
  }
  // An adopted order whose client order id was not a valid intent id is stored under another id.
  view ??= order.brokerOrderId ? openByBrokerId.get(order.brokerOrderId) : undefined;
  if (!view) {
    // Not yet sent (SUBMITTED without a broker id) is the submitter's business; with a broker id it is a break.
    if (!order.brokerOrderId) return;
    const renamed = order.origin === 'external' && intentId === externalIntentId({ clientOrderId: '', brokerOrderId: order.brokerOrderId });
    if (renamed) await bookFillsOnly(c, order, order.brokerOrderId);
    c.run.breaks.push({
      kind: 'ORDER_MISSING_AT_BROKER',
      symbol: order.intent.symbol,
      intentId,
      brokerOrderId: order.brokerOrderId,
      message: renamed
        ? `external order ${intentId} (broker order ${order.brokerOrderId}) is no longer open at the broker and cannot be queried by client order id; its fills are booked, its final status needs a person`
        : `order ${intentId} (${order.status}, broker order ${order.brokerOrderId}) is live in the table but the broker has no such order; it is kept as it is`,
    });
    return;
  }
  await applyView(c, { intentId, strategy: order.strategy }, { order: view });
};

/**
 * An adopted order stored under `ext-<brokerOrderId>` cannot be queried once it leaves the broker's open
 * orders (the port queries by client order id only): its fills still are booked, so positions stay right.
 */
const bookFillsOnly = async (c: Ctx, order: OrderRecord, brokerOrderId: string): Promise<void> => {
  const after = utcNow(isoToEpochMs(order.createdAt) - 60_000);
  const fills = await c.run.broker(`fills of ${brokerOrderId}`, () => c.deps.broker.listFills({ after, brokerOrderId }));
  if (fills?.length) await applyView(c, { intentId: order.intent.intentId, strategy: order.strategy }, { fills });
};

/** Step 2b: a broker open order the live local orders did not cover: known (apply its view) or adopted. */
const compareBrokerOrder = async (c: Ctx, brokerOrder: BrokerOrder): Promise<void> => {
  c.run.ordersCompared++;
  const intentId = externalIntentId(brokerOrder);
  const known = await c.run.local(`order ${intentId}`, async () => ({ order: await c.deps.reconciliationStore.getOrder(c.account, intentId) }));
  if (!known) return;
  if (known.order) {
    // Final in the table but open at the broker: its fills are still booked (the status move is alarmed).
    if (!OWNED_BY_SUBMITTER.includes(known.order.status)) await applyView(c, { intentId, strategy: known.order.strategy }, { order: brokerOrder });
    return;
  }
  const nowIso = utcNow(c.deps.clock.now());
  const symbol = SymbolSchema.safeParse(brokerOrder.symbol).success ? { symbol: brokerOrder.symbol } : {};
  const about = `broker order ${brokerOrder.brokerOrderId} (client order id ${brokerOrder.clientOrderId}, ${brokerOrder.side} ${brokerOrder.quantity} ${brokerOrder.symbol}, ${brokerOrder.status})`;
  const built = externalOrderRecord(c.account, brokerOrder, nowIso);
  if (!built.ok) {
    c.run.breaks.push({ kind: 'UNKNOWN_BROKER_ORDER', ...symbol, brokerOrderId: brokerOrder.brokerOrderId, message: `${about} has no intent of ours and cannot be adopted: ${built.why}` });
    return;
  }
  const { order } = built;
  const audit = auditEntry({
    account: c.account,
    occurredAt: nowIso,
    kind: 'ORDER_ADOPTED',
    actor: 'reconciliation',
    correlationId: intentId,
    causationId: c.runId,
    detail: { brokerOrderId: brokerOrder.brokerOrderId, clientOrderId: brokerOrder.clientOrderId, symbol: brokerOrder.symbol, side: brokerOrder.side, quantity: brokerOrder.quantity, brokerStatus: brokerOrder.status, filledQuantity: brokerOrder.filledQuantity },
  });
  const inFlight = { symbol: order.intent.symbol, side: order.intent.side, quantity: order.inFlight ?? '0' };
  const created = await c.run.local(`adopting ${intentId}`, () => c.deps.reconciliationStore.adoptOrder(order, audit, inFlight));
  if (created === undefined) return;
  if (created) {
    c.run.adopted++;
    c.run.breaks.push({
      kind: 'UNKNOWN_BROKER_ORDER',
      ...symbol,
      intentId,
      brokerOrderId: brokerOrder.brokerOrderId,
      message: `${about} bypassed the controls; adopted as external order ${intentId}`,
    });
  }
  // Created now or a moment ago by a concurrent run: either way its fills are booked from the broker's view.
  await applyView(c, { intentId, strategy: EXTERNAL_STRATEGY }, { order: brokerOrder });
};

/**
 * Step 2c: a broker open order the port cannot represent (a stop order, a bracket leg, ...). Nothing here can
 * compare, adopt or count it, so risk does not see its exposure: it is reported on every run until a person
 * deals with it, and from the second run on it starts the breaker like any persisting break.
 */
const reportUnrepresentable = (c: Ctx, order: UnrepresentableBrokerOrder): void => {
  const symbol = order.symbol !== undefined && SymbolSchema.safeParse(order.symbol).success ? { symbol: order.symbol } : {};
  const about = [order.clientOrderId && `client order id ${order.clientOrderId}`, order.symbol].filter(Boolean).join(', ');
  const named = `broker order ${order.brokerOrderId}${about ? ` (${about})` : ''}`;
  c.run.breaks.push({
    kind: 'UNREPRESENTABLE_BROKER_ORDER',
    ...symbol,
    brokerOrderId: order.brokerOrderId,
    message: `${named} is open but this system cannot represent it (${order.reason}); it is not compared, adopted or counted by risk: cancel it at the broker or handle it by hand`,
  });
};

const compareOrders = async (c: Ctx): Promise<void> => {
  const listing = await c.run.broker('open orders', () => c.deps.broker.listOpenOrders());
  const live = await c.run.local('live orders', () => c.deps.reconciliationStore.listOrders(c.account, LOCAL_LIVE));
  // An unreadable side is never "no orders": without both lists nothing is compared.
  if (!listing || !live) return;
  for (const order of listing.unrepresentable) reportUnrepresentable(c, order);
  const open = listing.orders;
  const openByBrokerId = new Map(open.map((o) => [o.brokerOrderId, o]));
  for (const order of live) await compareLocalOrder(c, order, openByBrokerId);
  const covered = new Set(live.flatMap((o) => [`id:${o.intent.intentId}`, ...(o.brokerOrderId ? [`broker:${o.brokerOrderId}`] : [])]));
  for (const brokerOrder of open) {
    if (covered.has(`broker:${brokerOrder.brokerOrderId}`) || covered.has(`id:${externalIntentId(brokerOrder)}`)) continue;
    await compareBrokerOrder(c, brokerOrder);
  }
};

/** Step 3: positions, each break confirmed by a second read of both sides. */
const comparePositions = async (c: Ctx): Promise<number> => {
  const read = async (): Promise<[BrokerPosition[], Position[]] | undefined> => {
    const broker = await c.run.broker('positions', () => c.deps.broker.getPositions());
    const local = await c.run.local('positions', () => c.deps.reconciliationStore.listPositions(c.account));
    return broker && local ? [broker, local] : undefined;
  };
  const symbolsOf = ([broker, local]: [BrokerPosition[], Position[]]) => new Set([...broker, ...local].map((p) => p.symbol)).size;
  const first = await read();
  if (!first) return 0;
  const found = diffPositions(first[0], first[1], c.deps.tolerance);
  if (!found.length) return symbolsOf(first);
  const second = await read();
  // A re-read that fails cannot clear what the first read found: report it as found (the run fails anyway).
  c.run.breaks.push(...(second ? confirmBreaks(found, diffPositions(second[0], second[1], c.deps.tolerance)) : found));
  return symbolsOf(second ?? first);
};

/** Step 4: cash. Returns both figures as read (before any sync), or undefined when a side was unreadable. */
const compareCash = async (c: Ctx): Promise<{ broker: string; local: string } | undefined> => {
  const read = async () => {
    const account = await c.run.broker('account', () => c.deps.broker.getAccount());
    if (!account) return undefined;
    if (!DecimalStringSchema.safeParse(account.cash).success) {
      c.run.brokerFailures.push(`account: cash ${JSON.stringify(account.cash)} is not a decimal amount`);
      return undefined;
    }
    // Read after the broker: an order open now could have a fill the broker counted and the table not yet.
    const open = await c.run.local('open orders', () => c.deps.reconciliationStore.listOrders(c.account, LOCAL_OPEN));
    const book = await c.run.local('cash', () => c.deps.reconciliationStore.getBook(c.account));
    if (!open || !book) return undefined;
    return {
      brokerCash: toDecimalString(dec(account.cash)),
      localCash: toDecimalString(dec(book.cash)),
      firstSync: book.cashSyncedAt === undefined,
      quiescent:
        open.length === 0 &&
        nothingInFlight(book) &&
        c.run.breaks.length === 0 &&
        c.run.brokerFailures.length === 0 &&
        c.run.localFailures.length === 0,
    };
  };
  const tolerance = c.deps.cashTolerance ?? DEFAULT_CASH_TOLERANCE;
  let situation = await read();
  if (!situation) return undefined;
  if (!situation.firstSync && diffCash(situation.brokerCash, situation.localCash, tolerance)) {
    // Like positions: a difference is confirmed by one re-read, so a fill in transit is not a break.
    situation = (await read()) ?? situation;
  }
  const plan = planCash(situation, tolerance);
  if (plan.mismatch) c.run.breaks.push(plan.mismatch);
  if (plan.sync) {
    const at = utcNow(c.deps.clock.now());
    await c.run.local('cash sync', () =>
      c.deps.reconciliationStore.syncCash(c.account, {
        brokerCash: situation.brokerCash,
        expectedLocalCash: situation.localCash,
        at,
        audit: auditEntry({
          account: c.account,
          occurredAt: at,
          kind: 'CASH_SYNCED',
          actor: 'reconciliation',
          correlationId: c.runId,
          causationId: c.runId,
          detail: { from: situation.localCash, to: situation.brokerCash, firstSync: situation.firstSync },
          discriminator: 'cash',
        }),
      }),
    );
    // 'moved': a fill landed since the read; the next run syncs from the new figure.
  }
  return { broker: situation.brokerCash, local: situation.localCash };
};

export const reconcileAccount = async (deps: ReconciliationDeps, account: string, runId: string): Promise<ReconciliationRecord> => {
  const run = new Run();
  const orderDeps: OrderServiceDeps = {
    orderStore: deps.orderStore,
    tradingStateStore: deps.tradingStateStore,
    broker: deps.broker,
    bus: deps.bus,
    clock: deps.clock,
    telemetry: deps.telemetry,
    workerId: deps.workerId ?? `reconciliation/${runId}`,
    leaseMs: deps.leaseMs ?? DEFAULT_LEASE_MS,
    ...(deps.inFlightGraceMs !== undefined ? { inFlightGraceMs: deps.inFlightGraceMs } : {}),
  };
  const c: Ctx = { deps, orderDeps, account, runId, run };
  // The previous run, to count how many runs in a row each break persists (the breaker acts from two). An
  // unreadable one is a LOCAL_STATE_UNREADABLE break of its own, and every break then counts as new.
  const previous = await run.local('previous run', () => deps.reconciliationStore.getReconciliation(account));

  // 1. In-flight orders first: once settled they are live or final, and step 2 compares them like any other.
  try {
    run.settled = await settleInFlightOrders(orderDeps, account, runId);
  } catch (error) {
    run.failed('settling in-flight orders', error);
  }
  // 2-4. Orders before positions and cash, so fills the stream lost are booked before the ledger is compared.
  await compareOrders(c);
  const positionsCompared = await comparePositions(c);
  const cash = await compareCash(c);

  const breaks = countConsecutiveRuns(run.allBreaks(), previous, runId);
  const failed = run.brokerFailures.length > 0 || run.localFailures.length > 0;
  const completedAt = utcNow(deps.clock.now());
  const record: ReconciliationRecord = {
    account,
    runId,
    status: failed ? 'failed' : breaks.length ? 'breaks' : 'clean',
    completedAt,
    breaks,
    ordersCompared: run.ordersCompared,
    adopted: run.adopted,
    settled: run.settled,
    ...(cash ? { cash } : {}),
  };
  deps.telemetry.count(METRICS.reconciliationBreaks, { account }, breaks.length);

  const metaFor = (detailType: string, discriminator: string) =>
    buildMeta({
      detailType,
      occurredAt: completedAt,
      correlationId: runId,
      causationId: runId,
      account,
      strategy: SYSTEM_STRATEGY,
      producer: 'reconciliation',
      discriminator,
    });
  // Events first: a break must reach the breaker even if recording the run then fails.
  await deps.bus.publish([
    ...breaks.map((b, i) =>
      domainEvent(DETAIL_TYPES.ReconciliationBreakFound, {
        meta: metaFor(DETAIL_TYPES.ReconciliationBreakFound, `${i}:${b.kind}:${b.symbol ?? ''}`),
        data: { runId, break: b },
      }),
    ),
    domainEvent(DETAIL_TYPES.ReconciliationCompleted, {
      meta: metaFor(DETAIL_TYPES.ReconciliationCompleted, 'completed'),
      data: { runId, status: record.status, positionsCompared, breaks },
    }),
  ]);
  await deps.reconciliationStore.recordReconciliation(
    record,
    auditEntry({
      account,
      occurredAt: completedAt,
      kind: 'RECONCILIATION_RUN',
      actor: 'reconciliation',
      correlationId: runId,
      causationId: runId,
      detail: { status: record.status, breaks: breaks.length, positionsCompared, ordersCompared: run.ordersCompared, adopted: run.adopted, settled: run.settled },
    }),
  );
  return record;
};
