// The simulated broker: a stand-in for a real one that owns its own book of orders, fills, positions and cash,
// so reconciliation compares the table against something independent. Invariants: an order's filledQuantity
// is the exact sum of its fills and never exceeds its quantity; positions and cash are exactly the signed
// sums of the fills; every random choice comes from PRNG streams derived from the seed (same seed + same calls
// = same orders, fills, faults and lost updates); nothing returned shares memory with the broker's state.
import { isLiveBrokerStatus, type BrokerAccount, type BrokerFill, type BrokerOrder, type BrokerOrderRequest, type BrokerPosition, type BrokerUpdate } from '../../shared/broker/broker-order';
import { BrokerCallError } from '../../shared/broker/broker-call-error';
import { LEDGER_SCALE, PositiveDecimalStringSchema, ZERO, dec, toDecimalString, type Decimal } from '../../shared/money/decimal';
import {
  type Broker,
  type BrokerCallName,
  type BrokerUpdateStream,
} from '../../shared/ports/broker';
import type { Clock } from '../../shared/ports/clock';
import { seededRandom } from '../../shared/random/seeded';

export const SIMULATED_FAULT_KINDS = ['server-error', 'timeout-after-effect', 'timeout-before-effect', 'rate-limited', 'connection-reset'] as const;
export type SimulatedFaultKind = (typeof SIMULATED_FAULT_KINDS)[number];


export interface SimulatedFaults {
  /** Probability that a call fails; the failure is one of the kinds below, chosen at random. */
  rate: number;
  /** Which failures may happen (default: all). */
  kinds?: SimulatedFaultKind[];
  /** Probability that an order update is never delivered to subscribers (the stream loses it). */
  lostUpdateRate?: number;
  /** Which calls may fail (default: all). */
  calls?: BrokerCallName[];
}

export interface SimulatedBrokerOptions {
  /** The venue's current price; undefined means there is no market in the symbol now. */
  priceOf: (symbol: string) => string | undefined;
  clock: Clock;
  /** Seeds every random choice (default 0). Also part of every broker order and execution id. */
  seed?: number;
  accountId?: string;
  /** Default '1000000'. */
  startingCash?: string;
  /** When set, an order is split into 2..maxSlices executions with this probability (default: one execution). */
  partialFills?: { probability: number; maxSlices: number };
  /** Simulated latency per call, awaited with `sleep` before the call takes effect (default: none). */
  latencyMs?: { min: number; max: number };
  sleep?: (ms: number) => Promise<void>;
  faults?: SimulatedFaults;
  /** Probability that a cancel request first leaves the order pending_cancel, so a fill can still race it. */
  cancelRace?: number;
  /**
   * False makes a naive venue that opens a new order for a repeated client order id (default true, as
   * Alpaca refuses a duplicate id). The faults scenario runs naive, so any re-send shows up as a duplicate.
   */
  dedupeClientOrderIds?: boolean;
}

/** The update stream adapter, plus what a test needs to wait for asynchronous delivery. */
export interface SimulatedUpdateStream extends BrokerUpdateStream {
  /** Resolves once every update received so far has been handled. */
  idle(): Promise<void>;
  /** Errors thrown or rejected by onUpdate (delivery carries on with the next update). */
  handlerErrors(): unknown[];
}

// One independent stream per concern, so enabling (say) lost updates does not shift the fault sequence.
const STREAMS = { faults: 1, slices: 2, latency: 3, updates: 4, cancels: 5 } as const;
const streamSeed = (seed: number, stream: number): number => (Math.imul((seed >>> 0) ^ 0x2545f491, 0x9e3779b1) + Math.imul(stream, 0x85ebca6b)) >>> 0;

const MAX_CLIENT_ORDER_ID = 48;

interface OrderState {
  order: BrokerOrder;
  filled: Decimal;
  notional: Decimal;
  /** The executions still planned, next first; they sum to quantity − filled while the order is live. */
  slices: Decimal[];
}

interface Holding {
  quantity: Decimal;
  avgEntryPrice: Decimal;
}

const refused = (message: string): BrokerCallError =>
  new BrokerCallError(`simulated broker refused the request: ${message}`, 'refused', { status: 422 });

const isPositiveDecimal = (value: unknown): value is string => PositiveDecimalStringSchema.safeParse(value).success;

const validate = (request: BrokerOrderRequest): void => {
  const id: unknown = request.clientOrderId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_CLIENT_ORDER_ID) {
    throw refused(`client order id must be 1 to ${MAX_CLIENT_ORDER_ID} characters`);
  }
  if (typeof request.symbol !== 'string' || request.symbol.length === 0) throw refused('symbol is required');
  if (request.side !== 'buy' && request.side !== 'sell') throw refused(`side must be buy or sell`);
  if (!isPositiveDecimal(request.quantity)) throw refused('quantity must be a decimal string greater than zero');
  if (request.timeInForce !== 'day' && request.timeInForce !== 'gtc' && request.timeInForce !== 'ioc') {
    throw refused('time in force must be day, gtc or ioc');
  }
  if (request.orderType === 'limit') {
    if (!isPositiveDecimal(request.limitPrice)) throw refused('a limit order needs a limit price greater than zero');
  } else if (request.orderType === 'market') {
    if (request.limitPrice !== undefined) throw refused('a market order takes no limit price');
  } else {
    throw refused('order type must be market or limit');
  }
};

const faultError = (call: BrokerCallName, kind: SimulatedFaultKind): BrokerCallError => {
  switch (kind) {
    case 'server-error':
      return new BrokerCallError(`simulated broker: ${call} failed with 503`, 'ambiguous', { status: 503 });
    case 'rate-limited':
      return new BrokerCallError(`simulated broker: ${call} rate limited (429)`, 'ambiguous', { status: 429, retryAfterMs: 1000 });
    case 'connection-reset':
      return new BrokerCallError(`simulated broker: ${call} connection reset`, 'ambiguous', { code: 'ECONNRESET' });
    case 'timeout-before-effect':
    case 'timeout-after-effect':
      // Deliberately identical: a caller cannot tell whether a timed-out request took effect.
      return new BrokerCallError(`simulated broker: ${call} timed out`, 'ambiguous', { code: 'ETIMEDOUT' });
  }
};

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class SimulatedBroker implements Broker {
  readonly accountId: string;
  private readonly seed: number;
  private readonly random: Record<keyof typeof STREAMS, () => number>;
  private readonly sleep: (ms: number) => Promise<void>;

  private readonly book: OrderState[] = [];
  private readonly byClientId = new Map<string, OrderState>();
  private readonly byBrokerId = new Map<string, OrderState>();
  /** Live orders in creation order (a Map keeps insertion order), so a matching round skips final ones. */
  private readonly live = new Map<string, OrderState>();
  private readonly executions: BrokerFill[] = [];
  private readonly holdings = new Map<string, Holding>();
  private cash: Decimal;

  private readonly listeners = new Set<(update: BrokerUpdate) => void>();
  private readonly listenerFailures: unknown[] = [];
  private readonly faultsSeen: { call: BrokerCallName; kind: SimulatedFaultKind }[] = [];
  private lostUpdates = 0;
  private orderSequence = 0;
  private executionSequence = 0;
  private flattenSequence = 0;
  private submitCallCount = 0;
  private unavailable = false;
  private peakGross: Decimal = ZERO;

  constructor(private readonly options: SimulatedBrokerOptions) {
    this.seed = options.seed ?? 0;
    this.accountId = options.accountId ?? 'sim-account';
    this.cash = dec(options.startingCash ?? '1000000');
    this.sleep = options.sleep ?? defaultSleep;
    this.random = {
      faults: seededRandom(streamSeed(this.seed, STREAMS.faults)),
      slices: seededRandom(streamSeed(this.seed, STREAMS.slices)),
      latency: seededRandom(streamSeed(this.seed, STREAMS.latency)),
      updates: seededRandom(streamSeed(this.seed, STREAMS.updates)),
      cancels: seededRandom(streamSeed(this.seed, STREAMS.cancels)),
    };
  }

  // ---- the Broker port -------------------------------------------------------------------------------

  async submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder> {
    this.submitCallCount++;
    return this.call('submitOrder', () => {
      validate(request);
      // Idempotent by client order id: a repeat returns the order as it is now and changes nothing.
      const existing = this.options.dedupeClientOrderIds === false ? undefined : this.byClientId.get(request.clientOrderId);
      return (existing ?? this.create(request)).order;
    });
  }

  async getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined> {
    return this.call('getOrderByClientOrderId', () => this.byClientId.get(clientOrderId)?.order);
  }

  async listOpenOrders(): Promise<BrokerOrder[]> {
    return this.call('listOpenOrders', () => [...this.live.values()].map((s) => s.order));
  }

  async cancelOrder(brokerOrderId: string): Promise<'requested' | 'not-cancelable'> {
    return this.call('cancelOrder', () => this.cancel(brokerOrderId, true));
  }

  async cancelAllOrders(): Promise<string[]> {
    return this.call('cancelAllOrders', () => [...this.live.keys()].filter((id) => this.cancel(id, true) === 'requested'));
  }

  async listFills(query: { after: string; brokerOrderId?: string }): Promise<BrokerFill[]> {
    return this.call('listFills', () => {
      const after = Date.parse(query.after);
      if (Number.isNaN(after)) throw refused(`after must be an ISO-8601 time, got ${JSON.stringify(query.after)}`);
      return this.executions.filter(
        (f) => Date.parse(f.at) >= after && (query.brokerOrderId === undefined || f.brokerOrderId === query.brokerOrderId),
      );
    });
  }

  async getPositions(): Promise<BrokerPosition[]> {
    return this.call('getPositions', () =>
      [...this.holdings.entries()]
        .filter(([, h]) => !h.quantity.isZero())
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([symbol, h]) => ({
          symbol,
          quantity: toDecimalString(h.quantity),
          avgEntryPrice: toDecimalString(h.avgEntryPrice.toDecimalPlaces(LEDGER_SCALE)),
        })),
    );
  }

  async getAccount(): Promise<BrokerAccount> {
    return this.call('getAccount', () => {
      let equity = this.cash;
      for (const [symbol, h] of this.holdings) {
        const price = this.options.priceOf(symbol);
        // An unpriced position cannot be marked; leaving it out is what a venue without a quote would do.
        if (price !== undefined && !h.quantity.isZero()) equity = equity.plus(h.quantity.times(dec(price)));
      }
      const cash = toDecimalString(this.cash);
      return { cash, equity: toDecimalString(equity), buyingPower: cash, tradingBlocked: false };
    });
  }

  async closeAllPositions(): Promise<void> {
    return this.call('closeAllPositions', () => {
      // No cancel race here: flattening must not leave an order able to fill after the closing orders.
      for (const id of [...this.live.keys()]) this.cancel(id, false);
      const symbols = [...this.holdings.keys()].sort();
      for (const symbol of symbols) {
        const quantity = this.holdings.get(symbol)?.quantity ?? ZERO;
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
    });
  }

  // ---- the update stream -----------------------------------------------------------------------------

  /** Delivers every update that is not lost, synchronously and in order; returns the unsubscribe function. */
  subscribe(listener: (update: BrokerUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A BrokerUpdateStream over subscribe: handlers run one at a time, in order, after the change that caused them. */
  updateStream(): SimulatedUpdateStream {
    let unsubscribe: (() => void) | undefined;
    let delivery: Promise<void> = Promise.resolve();
    const failures: unknown[] = [];
    return {
      start: async ({ onUpdate, onStatus }) => {
        unsubscribe?.();
        unsubscribe = this.subscribe((update) => {
          delivery = delivery
            .then(() => onUpdate(update))
            .catch((error: unknown) => {
              failures.push(error);
            });
        });
        onStatus?.('connected');
      },
      close: async () => {
        unsubscribe?.();
        unsubscribe = undefined;
        await delivery;
      },
      idle: () => delivery,
      handlerErrors: () => [...failures],
    };
  }

  // ---- simulation controls (not broker calls: no faults, no latency) ---------------------------------

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

  /** Makes every call fail as an unreachable broker would (ambiguous: the caller cannot know more). */
  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  // ---- test hooks and counters -----------------------------------------------------------------------

  /** Every broker order ever created, in creation order (copies). */
  orders(): BrokerOrder[] {
    return this.book.map((s) => structuredClone(s.order));
  }

  /** Every execution, oldest first (copies). */
  fills(): BrokerFill[] {
    return structuredClone(this.executions);
  }

  /** Every submit call: failed, refused and duplicate ones included. */
  submitCalls(): number {
    return this.submitCallCount;
  }

  /** Distinct broker orders created (a duplicate submit creates none). */
  submittedOrderCount(): number {
    return this.book.length;
  }

  /** Broker orders beyond the first for a client order id (only a naive venue can have any). */
  duplicateOrderCount(): number {
    return this.book.length - new Set(this.book.map((s) => s.order.clientOrderId)).size;
  }

  /**
   * The account's worst-case gross exposure at the venue's current prices: per symbol, the larger of
   * |position + open buys| and |position − open sells|, times the price, summed. The venue's own view,
   * independent of the pipeline's table.
   */
  grossExposure(): Decimal {
    const open = new Map<string, { buys: Decimal; sells: Decimal }>();
    for (const { order, filled } of this.live.values()) {
      const entry = open.get(order.symbol) ?? { buys: ZERO, sells: ZERO };
      const remaining = dec(order.quantity).minus(filled);
      if (order.side === 'buy') entry.buys = entry.buys.plus(remaining);
      else entry.sells = entry.sells.plus(remaining);
      open.set(order.symbol, entry);
    }
    let gross = ZERO;
    for (const symbol of new Set([...this.holdings.keys(), ...open.keys()])) {
      const position = this.holdings.get(symbol)?.quantity ?? ZERO;
      const { buys, sells } = open.get(symbol) ?? { buys: ZERO, sells: ZERO };
      const long = position.plus(buys).abs();
      const short = position.minus(sells).abs();
      const worst = long.gt(short) ? long : short;
      const price = this.options.priceOf(symbol);
      if (price !== undefined) gross = gross.plus(worst.times(dec(price)));
    }
    return gross;
  }

  /** The highest grossExposure() seen right after any order arrived. */
  peakGrossExposure(): string {
    return toDecimalString(this.peakGross);
  }

  /** Injected faults per kind. */
  faultCount(): Record<SimulatedFaultKind, number> {
    const counts = Object.fromEntries(SIMULATED_FAULT_KINDS.map((k) => [k, 0])) as Record<SimulatedFaultKind, number>;
    for (const f of this.faultsSeen) counts[f.kind]++;
    return counts;
  }

  /** Every injected fault in order, with the call it hit. */
  faultLog(): { call: BrokerCallName; kind: SimulatedFaultKind }[] {
    return structuredClone(this.faultsSeen);
  }

  /** Updates the stream lost (the broker's state changed; nobody was told). */
  lostUpdateCount(): number {
    return this.lostUpdates;
  }

  /** Errors thrown by subscribe() listeners; they are isolated so a listener cannot corrupt the book. */
  listenerErrors(): unknown[] {
    return [...this.listenerFailures];
  }

  // ---- internals -------------------------------------------------------------------------------------

  /** The network and server in front of every call: reachability, latency, then an injected fault or the effect. */
  private async call<T>(name: BrokerCallName, effect: () => T): Promise<T> {
    if (this.unavailable) throw new BrokerCallError('simulated broker is unreachable', 'ambiguous', { code: 'ECONNREFUSED' });
    await this.latency();
    const fault = this.drawFault(name);
    if (fault === undefined) return structuredClone(effect());
    this.faultsSeen.push({ call: name, kind: fault });
    if (fault === 'timeout-after-effect') {
      // The broker did the work; only the response was lost. A refusal it would have sent is lost too.
      try {
        effect();
      } catch (error) {
        if (!(error instanceof BrokerCallError)) throw error;
      }
    }
    throw faultError(name, fault);
  }

  private async latency(): Promise<void> {
    const range = this.options.latencyMs;
    if (!range) return;
    const min = Math.max(0, Math.floor(range.min));
    const max = Math.max(min, Math.floor(range.max));
    if (max === 0) return;
    const ms = min + Math.floor(this.random.latency() * (max - min + 1));
    if (ms > 0) await this.sleep(ms);
  }

  private drawFault(name: BrokerCallName): SimulatedFaultKind | undefined {
    const faults = this.options.faults;
    if (!faults || faults.rate <= 0) return undefined;
    if (faults.calls && !faults.calls.includes(name)) return undefined;
    if (this.random.faults() >= faults.rate) return undefined;
    const kinds = faults.kinds && faults.kinds.length > 0 ? faults.kinds : SIMULATED_FAULT_KINDS;
    return kinds[Math.floor(this.random.faults() * kinds.length)] ?? 'server-error';
  }

  private create(request: BrokerOrderRequest): OrderState {
    const at = this.isoNow();
    const order: BrokerOrder = {
      brokerOrderId: `sim-${this.seed}-${++this.orderSequence}`,
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
      this.emit('rejected', state);
      return state;
    }
    this.live.set(order.brokerOrderId, state);
    state.slices = this.planSlices(dec(order.quantity));
    this.emit('new', state);
    this.match(state);
    // Immediate-or-cancel: whatever did not execute on arrival is canceled now.
    if (order.timeInForce === 'ioc' && isLiveBrokerStatus(order.status)) this.finish(state, 'canceled');
    // Only a new order can raise the worst case (a fill moves exposure from open orders into the position).
    const gross = this.grossExposure();
    if (gross.gt(this.peakGross)) this.peakGross = gross;
    return state;
  }

  /**
   * The executions an order will fill in. Slices are whole numbers (the integer part split as evenly as
   * possible) and any fraction goes to the last one, so every slice is an exact decimal.
   */
  private planSlices(quantity: Decimal): Decimal[] {
    const partial = this.options.partialFills;
    if (!partial || partial.probability <= 0 || partial.maxSlices < 2) return [quantity];
    if (this.random.slices() >= partial.probability) return [quantity];
    const drawn = 2 + Math.floor(this.random.slices() * (Math.floor(partial.maxSlices) - 1));
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
      executionId: `sim-${this.seed}-exec-${++this.executionSequence}`,
      brokerOrderId: order.brokerOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity: toDecimalString(quantity),
      price: toDecimalString(price),
      cumulativeQuantity: order.filledQuantity,
      at,
    };
    this.executions.push(fill);
    this.bookFill(fill.symbol, fill.side, quantity, price);
    this.emit(complete ? 'fill' : 'partial_fill', state, fill);
    return fill;
  }

  private bookFill(symbol: string, side: 'buy' | 'sell', quantity: Decimal, price: Decimal): void {
    const notional = quantity.times(price);
    this.cash = side === 'buy' ? this.cash.minus(notional) : this.cash.plus(notional);
    const held = this.holdings.get(symbol) ?? { quantity: ZERO, avgEntryPrice: ZERO };
    const signed = side === 'buy' ? quantity : quantity.neg();
    const next = held.quantity.plus(signed);
    let avgEntryPrice: Decimal;
    if (next.isZero()) avgEntryPrice = ZERO;
    else if (held.quantity.isZero() || held.quantity.isNeg() === signed.isNeg()) {
      // Opening or adding: the entry price is the quantity-weighted average.
      avgEntryPrice = held.quantity.abs().times(held.avgEntryPrice).plus(notional).div(next.abs());
    } else if (next.isNeg() === held.quantity.isNeg()) avgEntryPrice = held.avgEntryPrice; // reducing keeps the entry
    else avgEntryPrice = price; // crossed through flat: the remainder was opened at this price
    this.holdings.set(symbol, { quantity: next, avgEntryPrice });
  }

  private cancel(brokerOrderId: string, mayRace: boolean): 'requested' | 'not-cancelable' {
    const state = this.byBrokerId.get(brokerOrderId);
    if (!state || !isLiveBrokerStatus(state.order.status)) return 'not-cancelable';
    if (state.order.status === 'pending_cancel') {
      if (!mayRace) this.finish(state, 'canceled');
      return 'requested';
    }
    const race = this.options.cancelRace ?? 0;
    if (mayRace && race > 0 && this.random.cancels() < race) {
      state.order.status = 'pending_cancel';
      state.order.updatedAt = this.isoNow();
      this.emit('pending_cancel', state);
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
    this.emit(status, state);
  }

  /** Called after the change is complete, so a listener that calls back in sees a consistent book. */
  private emit(event: string, state: OrderState, fill?: BrokerFill): void {
    const update: BrokerUpdate = {
      event,
      order: structuredClone(state.order),
      ...(fill ? { fill: structuredClone(fill) } : {}),
      at: state.order.updatedAt,
    };
    // Drawn whether or not anyone listens, so subscribing does not change what is lost.
    const lostRate = this.options.faults?.lostUpdateRate ?? 0;
    if (lostRate > 0 && this.random.updates() < lostRate) {
      this.lostUpdates++;
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(structuredClone(update));
      } catch (error) {
        this.listenerFailures.push(error);
      }
    }
  }

  private isoNow(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}
