// The simulated venue's book of orders and their matching: creation, planned partial-fill slices, executions,
// cancels (with the pending-cancel race), expiry and flattening. Invariants: an order's filledQuantity is the
// exact sum of its fills and never exceeds its quantity; slices and cancel races come only from their own PRNG
// streams; every change is booked with the account and then published, in that order.
import { isLiveBrokerStatus, type BrokerFill, type BrokerOrder, type BrokerOrderRequest } from '../../shared/broker/broker-order';
import { LEDGER_SCALE, ZERO, dec, toDecimalString, type Decimal } from '../../shared/money/decimal';
import type { Clock } from '../../shared/ports/clock';
import type { OpenQuantity, SimulatedAccount } from './simulated-account';
import { validateOrderRequest } from './simulated-order-request';
import type { SimulatedUpdateFeed } from './simulated-update-feed';

/** The options the book reads, at the moment it needs them. */
export interface SimulatedOrderBookOptions {
  priceOf: (symbol: string) => string | undefined;
  clock: Clock;
  partialFills?: { probability: number; maxSlices: number };
  cancelRace?: number;
  dedupeClientOrderIds?: boolean;
}

export interface SimulatedOrderBookParts {
  /** Part of every broker order and execution id. */
  seed: number;
  random: { slices: () => number; cancels: () => number };
  account: SimulatedAccount;
  updates: SimulatedUpdateFeed;
}

/** The book as plain JSON (decimals as exact strings): what survives a restart of the process (local --data-dir). */
export interface SimulatedBookState {
  orders: { order: BrokerOrder; filled: string; notional: string; slices: string[] }[];
  executions: BrokerFill[];
  sequences: { order: number; execution: number; flatten: number };
}

interface OrderState {
  order: BrokerOrder;
  filled: Decimal;
  notional: Decimal;
  /** The executions still planned, next first; they sum to quantity − filled while the order is live. */
  slices: Decimal[];
}

export class SimulatedOrderBook {
  private readonly book: OrderState[] = [];
  private readonly byClientId = new Map<string, OrderState>();
  private readonly byBrokerId = new Map<string, OrderState>();
  /** Live orders in creation order (a Map keeps insertion order), so a matching round skips final ones. */
  private readonly live = new Map<string, OrderState>();
  private readonly executions: BrokerFill[] = [];
  private orderSequence = 0;
  private executionSequence = 0;
  private flattenSequence = 0;

  constructor(
    private readonly options: SimulatedOrderBookOptions,
    private readonly parts: SimulatedOrderBookParts,
  ) {}

  // ---- what the broker calls do to the book ----------------------------------------------------------

  /** Idempotent by client order id (unless the venue is naive): a repeat returns the order as it is now and changes nothing. */
  submit(request: BrokerOrderRequest): BrokerOrder {
    validateOrderRequest(request);
    const existing = this.options.dedupeClientOrderIds === false ? undefined : this.byClientId.get(request.clientOrderId);
    return (existing ?? this.create(request)).order;
  }

  orderByClientOrderId(clientOrderId: string): BrokerOrder | undefined {
    return this.byClientId.get(clientOrderId)?.order;
  }

  openOrders(): BrokerOrder[] {
    return [...this.live.values()].map((s) => s.order);
  }

  /** A cancel request, which may race a fill. */
  requestCancel(brokerOrderId: string): 'requested' | 'not-cancelable' {
    return this.cancel(brokerOrderId, true);
  }

  /** Cancel requests for every live order; returns the ids requested. */
  cancelAll(): string[] {
    return [...this.live.keys()].filter((id) => this.cancel(id, true) === 'requested');
  }

  /** Executions at or after `after` (epoch ms), oldest first, optionally of one order only. */
  fillsFrom(after: number, brokerOrderId?: string): BrokerFill[] {
    return this.executions.filter((f) => Date.parse(f.at) >= after && (brokerOrderId === undefined || f.brokerOrderId === brokerOrderId));
  }

  /** Cancels every live order, then closes each position at market with a fresh flatten-n client order id. */
  flatten(): void {
    // No cancel race here: flattening must not leave an order able to fill after the closing orders.
    for (const id of [...this.live.keys()]) this.cancel(id, false);
    for (const symbol of this.parts.account.heldSymbols()) {
      const quantity = this.parts.account.quantityOf(symbol);
      if (quantity.isZero()) continue;
      let clientOrderId: string;
      do clientOrderId = `flatten-${++this.flattenSequence}`;
      while (this.byClientId.has(clientOrderId));
      this.create({
        clientOrderId,
        symbol,
        side: quantity.gt(0) ? 'sell' : 'buy',
        quantity: toDecimalString(quantity.abs()),
        orderType: 'market',
        timeInForce: 'day',
      });
    }
  }

  // ---- simulation controls ---------------------------------------------------------------------------

  /**
   * One matching round at current prices, orders in creation order: each live order gets at most one
   * execution (the next planned slice, if marketable); an order pending cancel then becomes canceled, so a
   * fill racing the cancel lands first. Returns the fills of this round.
   */
  advance(): BrokerFill[] {
    const fills: BrokerFill[] = [];
    for (const state of [...this.live.values()]) {
      if (!isLiveBrokerStatus(state.order.status)) continue; // a listener may have canceled it meanwhile
      const fill = this.match(state);
      if (fill) fills.push(structuredClone(fill));
      if (state.order.status === 'pending_cancel') this.finish(state, 'canceled');
    }
    return fills;
  }

  /** The end of the trading day: every live 'day' order expires. Returns their broker order ids. */
  expireDayOrders(): string[] {
    const expired: string[] = [];
    for (const state of [...this.live.values()]) {
      if (state.order.timeInForce !== 'day' || !isLiveBrokerStatus(state.order.status)) continue;
      this.finish(state, 'expired');
      expired.push(state.order.brokerOrderId);
    }
    return expired;
  }

  // ---- what tests and reports read -------------------------------------------------------------------

  /** Every broker order ever created, in creation order (copies). */
  orders(): BrokerOrder[] {
    return this.book.map((s) => structuredClone(s.order));
  }

  /** Every execution, oldest first (copies). */
  fills(): BrokerFill[] {
    return structuredClone(this.executions);
  }

  orderCount(): number {
    return this.book.length;
  }

  /** Broker orders beyond the first for a client order id. */
  duplicateOrderCount(): number {
    return this.book.length - new Set(this.book.map((s) => s.order.clientOrderId)).size;
  }

  /** What each live order, in creation order, may still add to its symbol. */
  openQuantities(): OpenQuantity[] {
    return [...this.live.values()].map(({ order, filled }) => ({ symbol: order.symbol, side: order.side, remaining: dec(order.quantity).minus(filled) }));
  }

  // ---- persistence (local --data-dir) ----------------------------------------------------------------

  /** The whole book as JSON; live orders are the ones whose status is live, so the live index is not stored. */
  snapshot(): SimulatedBookState {
    return {
      orders: this.book.map((s) => ({ order: structuredClone(s.order), filled: s.filled.toFixed(), notional: s.notional.toFixed(), slices: s.slices.map((d) => d.toFixed()) })),
      executions: structuredClone(this.executions),
      sequences: { order: this.orderSequence, execution: this.executionSequence, flatten: this.flattenSequence },
    };
  }

  /** Loads a snapshot into an empty book; replaying the orders in creation order rebuilds every index as it was. */
  restore(state: SimulatedBookState): void {
    for (const saved of state.orders) {
      const order = structuredClone(saved.order);
      const s: OrderState = { order, filled: dec(saved.filled), notional: dec(saved.notional), slices: saved.slices.map((d) => dec(d)) };
      this.book.push(s);
      this.byClientId.set(order.clientOrderId, s);
      this.byBrokerId.set(order.brokerOrderId, s);
      if (isLiveBrokerStatus(order.status)) this.live.set(order.brokerOrderId, s);
    }
    this.executions.push(...structuredClone(state.executions));
    this.orderSequence = state.sequences.order;
    this.executionSequence = state.sequences.execution;
    this.flattenSequence = state.sequences.flatten;
  }

  // ---- internals -------------------------------------------------------------------------------------

  private create(request: BrokerOrderRequest): OrderState {
    const at = this.isoNow();
    const order: BrokerOrder = {
      brokerOrderId: `sim-${this.parts.seed}-${++this.orderSequence}`,
      clientOrderId: request.clientOrderId,
      symbol: request.symbol,
      side: request.side,
      quantity: toDecimalString(dec(request.quantity)),
      orderType: request.orderType,
      ...(request.orderType === 'limit' && request.limitPrice !== undefined ? { limitPrice: toDecimalString(dec(request.limitPrice)) } : {}),
      timeInForce: request.timeInForce,
      status: 'accepted',
      filledQuantity: '0',
      submittedAt: at,
      updatedAt: at,
    };
    const state: OrderState = { order, filled: ZERO, notional: ZERO, slices: [] };
    this.book.push(state);
    this.byClientId.set(order.clientOrderId, state);
    this.byBrokerId.set(order.brokerOrderId, state);

    if (this.options.priceOf(order.symbol) === undefined) {
      order.status = 'rejected';
      order.rejectReason = `no market in ${order.symbol}`;
      this.parts.updates.publish('rejected', order);
      return state;
    }
    this.live.set(order.brokerOrderId, state);
    state.slices = this.planSlices(dec(order.quantity));
    this.parts.updates.publish('new', order);
    this.match(state);
    // Immediate-or-cancel: whatever did not execute on arrival is canceled now.
    if (order.timeInForce === 'ioc' && isLiveBrokerStatus(order.status)) this.finish(state, 'canceled');
    this.parts.account.noteExposure(this.openQuantities());
    return state;
  }

  /**
   * The executions an order will fill in. Slices are whole numbers (the integer part split as evenly as
   * possible) and any fraction goes to the last one, so every slice is an exact decimal.
   */
  private planSlices(quantity: Decimal): Decimal[] {
    const partial = this.options.partialFills;
    if (!partial || partial.probability <= 0 || partial.maxSlices < 2) return [quantity];
    if (this.parts.random.slices() >= partial.probability) return [quantity];
    const drawn = 2 + Math.floor(this.parts.random.slices() * (Math.floor(partial.maxSlices) - 1));
    const whole = quantity.floor();
    const count = whole.lt(drawn) ? whole.toNumber() : drawn; // toNumber only on a value below maxSlices
    if (count < 2) return [quantity];
    const base = whole.divToInt(count);
    const extra = whole.mod(count).toNumber();
    const slices = Array.from({ length: count }, (_, i) => (i < extra ? base.plus(1) : base));
    slices[count - 1] = (slices[count - 1] ?? ZERO).plus(quantity.minus(whole));
    return slices;
  }

  /** At most one execution: the next planned slice, if the order is live and marketable at the current price. */
  private match(state: OrderState): BrokerFill | undefined {
    const { order } = state;
    const slice = state.slices[0];
    if (!isLiveBrokerStatus(order.status) || slice === undefined) return undefined;
    const quoted = this.options.priceOf(order.symbol);
    if (quoted === undefined) return undefined;
    const price = dec(quoted);
    if (order.orderType === 'limit') {
      const limit = dec(order.limitPrice ?? '0');
      // Filled at the current price, which is the limit or better whenever the order is marketable.
      if (order.side === 'buy' ? limit.lt(price) : limit.gt(price)) return undefined;
    }
    state.slices.shift();
    return this.execute(state, slice, price);
  }

  private execute(state: OrderState, quantity: Decimal, price: Decimal): BrokerFill {
    const { order } = state;
    const at = this.isoNow();
    state.filled = state.filled.plus(quantity);
    state.notional = state.notional.plus(quantity.times(price));
    const complete = state.filled.eq(dec(order.quantity));
    order.filledQuantity = toDecimalString(state.filled);
    // Informational only (the ledger books the fills): the exact average can be non-terminating, so 12 places.
    order.filledAvgPrice = toDecimalString(state.notional.div(state.filled).toDecimalPlaces(LEDGER_SCALE));
    if (complete) order.status = 'filled';
    else if (order.status !== 'pending_cancel') order.status = 'partially_filled';
    order.updatedAt = at;
    if (complete) {
      state.slices = [];
      this.live.delete(order.brokerOrderId);
    }

    const fill: BrokerFill = {
      executionId: `sim-${this.parts.seed}-exec-${++this.executionSequence}`,
      brokerOrderId: order.brokerOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity: toDecimalString(quantity),
      price: toDecimalString(price),
      cumulativeQuantity: order.filledQuantity,
      at,
    };
    this.executions.push(fill);
    this.parts.account.bookFill(fill.symbol, fill.side, quantity, price);
    this.parts.updates.publish(complete ? 'fill' : 'partial_fill', order, fill);
    return fill;
  }

  private cancel(brokerOrderId: string, mayRace: boolean): 'requested' | 'not-cancelable' {
    const state = this.byBrokerId.get(brokerOrderId);
    if (!state || !isLiveBrokerStatus(state.order.status)) return 'not-cancelable';
    if (state.order.status === 'pending_cancel') {
      if (!mayRace) this.finish(state, 'canceled');
      return 'requested';
    }
    const race = this.options.cancelRace ?? 0;
    if (mayRace && race > 0 && this.parts.random.cancels() < race) {
      state.order.status = 'pending_cancel';
      state.order.updatedAt = this.isoNow();
      this.parts.updates.publish('pending_cancel', state.order);
      return 'requested';
    }
    this.finish(state, 'canceled');
    return 'requested';
  }

  private finish(state: OrderState, status: 'canceled' | 'expired'): void {
    state.order.status = status;
    state.order.updatedAt = this.isoNow();
    state.slices = [];
    this.live.delete(state.order.brokerOrderId);
    this.parts.updates.publish(status, state.order);
  }

  private isoNow(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}
