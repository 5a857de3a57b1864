// Catching up through REST on what the trade_updates stream may have missed while it was away: the orders
// that changed since the stream's last sign of life, each delivered as one `catch_up` update carrying the
// order as Alpaca holds it now (the order service fetches any fills the update does not carry). Invariants:
// the window opens no later than the last moment the stream was known to deliver (less a margin) and closes
// only when a catch-up completed while the session it ran for was still listening, so a failed or overtaken
// catch-up is run again by the next one; an order that was live before the gap is asked for by id, so a
// cancel or expiry without a fill is caught too; an order the port cannot represent is named, never dropped.
import { isLiveBrokerStatus, type BrokerFill, type BrokerOrder, type BrokerUpdate, type OpenBrokerOrders } from '../../../shared/broker/broker-order';
import type { OrderReading } from './alpaca-wire';

/** The event name of a catch-up update: the relay keys it, like any update, by order, state and time. */
export const CATCH_UP_EVENT = 'catch_up';

/** The REST reads a catch-up needs (AlpacaBroker has them). */
export interface CatchUpSource {
  listOpenOrders(): Promise<OpenBrokerOrders>;
  listFills(query: { after: string }): Promise<BrokerFill[]>;
  getOrderById(brokerOrderId: string): Promise<OrderReading | undefined>;
}

export interface CatchUpOptions {
  source: CatchUpSource;
  /** Taken off the window's start for clock skew and in-flight messages; default 10000. */
  marginMs?: number;
}

/** What one catch-up read: the updates to deliver, oldest first, and the orders it could not deliver. */
export interface CatchUpResult {
  updates: BrokerUpdate[];
  skipped: { brokerOrderId: string; why: string }[];
}

const toIso = (ms: number): string => new Date(ms).toISOString();

const snapshot = (order: BrokerOrder): BrokerUpdate => ({ event: CATCH_UP_EVENT, order, at: order.updatedAt });

export class TradeUpdateCatchUp {
  private readonly marginMs: number;
  /** Orders last known live: one that leaves the open orders during a gap is asked for by id. */
  private readonly live = new Set<string>();
  /** Updates may be missing from this time (epoch ms) on; undefined when nothing is owed. */
  private missingFrom: number | undefined;
  private session = 0;
  private listeningSince: number | undefined;
  private lastMessageAt: number | undefined;

  constructor(
    private readonly options: CatchUpOptions,
    private readonly now: () => number,
  ) {
    this.marginMs = options.marginMs ?? 10_000;
  }

  /** The stream starts: anything from now on is its to deliver, so the first session catches up from here. */
  started(): void {
    this.missingFrom = this.now() - this.marginMs;
  }

  /** A session is listening; returns its token for run(). */
  listening(): number {
    this.session++;
    this.listeningSince = this.now();
    this.lastMessageAt = undefined;
    return this.session;
  }

  /** A listening session received a message: it was alive at least until now. */
  received(): void {
    if (this.listeningSince !== undefined) this.lastMessageAt = this.now();
  }

  /** A stream update was delivered: tracks whether its order is still live. */
  seen(update: BrokerUpdate): void {
    this.track(update.order);
  }

  /** The session ended: updates may be missing from its last sign of life on. */
  ended(): void {
    if (this.listeningSince === undefined) return;
    const from = (this.lastMessageAt ?? this.listeningSince) - this.marginMs;
    this.missingFrom = Math.min(this.missingFrom ?? Number.POSITIVE_INFINITY, from);
    this.listeningSince = undefined;
  }

  /** Whether `session` is still the one listening. */
  isListening(session: number): boolean {
    return session === this.session && this.listeningSince !== undefined;
  }

  /**
   * Reads what changed since the window opened. The window closes only if `session` is still listening when
   * the reads are done; a failure throws and leaves it open.
   */
  async run(session: number): Promise<CatchUpResult> {
    const from = this.missingFrom;
    if (from === undefined) return { updates: [], skipped: [] };
    const { source } = this.options;
    const open = await source.listOpenOrders();
    const fills = await source.listFills({ after: toIso(from) });
    const changed = new Map<string, BrokerOrder>();
    for (const order of open.orders) {
      this.track(order);
      if (Date.parse(order.updatedAt) >= from) changed.set(order.brokerOrderId, order);
    }
    const openIds = new Set([...open.orders.map((o) => o.brokerOrderId), ...open.unrepresentable.map((o) => o.brokerOrderId)]);
    const unrepresentableWithFills = open.unrepresentable.filter((o) => fills.some((f) => f.brokerOrderId === o.brokerOrderId));
    const skipped = unrepresentableWithFills.map((o) => ({ brokerOrderId: o.brokerOrderId, why: `it cannot be represented (${o.reason})` }));
    const elsewhere = new Set([...fills.map((f) => f.brokerOrderId), ...this.live].filter((id) => !openIds.has(id)));
    for (const id of elsewhere) {
      const reading = await source.getOrderById(id);
      if (reading?.ok) {
        this.track(reading.order);
        changed.set(id, reading.order);
        continue;
      }
      this.live.delete(id);
      skipped.push({ brokerOrderId: id, why: reading ? `it cannot be represented (${reading.unrepresentable.reason})` : 'Alpaca has no such order' });
    }
    if (this.isListening(session)) this.missingFrom = undefined;
    const updates = [...changed.values()]
      .sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || a.brokerOrderId.localeCompare(b.brokerOrderId))
      .map(snapshot);
    return { updates, skipped };
  }

  private track(order: BrokerOrder): void {
    if (isLiveBrokerStatus(order.status)) this.live.add(order.brokerOrderId);
    else this.live.delete(order.brokerOrderId);
  }
}
