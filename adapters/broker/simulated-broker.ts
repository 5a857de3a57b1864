// The simulated broker: a stand-in for a real one that owns its own book of orders, fills, positions and cash,
// so reconciliation compares the table against something independent. It puts the parts together: the network
// in front of every call, the order book, the venue's account and the update feed. Invariants: every random
// choice comes from PRNG streams derived from the seed (same seed + same calls = same orders, fills, faults and
// lost updates); nothing returned shares memory with the broker's state. With `persist` set, every call that
// changes the venue hands its whole state over before it returns (local --data-dir: the venue outlives a crash).
import type { BrokerAccount, BrokerFill, BrokerOrder, BrokerOrderRequest, BrokerPosition, BrokerUpdate, OpenBrokerOrders } from '../../shared/broker/broker-order';
import { dec, toDecimalString, type Decimal } from '../../shared/money/decimal';
import type { Broker, BrokerCallName } from '../../shared/ports/broker';
import type { Clock } from '../../shared/ports/clock';
import { seededRandom } from '../../shared/random/seeded';
import { SimulatedAccount, type SimulatedAccountState } from './simulated-account';
import { SimulatedNetwork, type SimulatedFaultKind, type SimulatedFaults } from './simulated-network';
import { SimulatedOrderBook, type SimulatedBookState } from './simulated-order-book';
import { refused } from './simulated-order-request';
import { SimulatedUpdateFeed, type SimulatedUpdateStream } from './simulated-update-feed';

export { SIMULATED_FAULT_KINDS, type SimulatedFaultKind, type SimulatedFaults } from './simulated-network';
export type { SimulatedUpdateStream } from './simulated-update-feed';

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
  /** A venue saved by `persist` in an earlier process: the book, the account, the counters and the PRNG streams go on from it. */
  state?: SimulatedBrokerState;
  /**
   * Called synchronously after every change to the venue (an order, a cancel, a fill, an expiry, a flatten),
   * before the call that made it returns: what a caller was told about is saved before it can act on it.
   */
  persist?: (state: SimulatedBrokerState) => void;
}

/** The whole venue as JSON: its book, its account, its counters, and how far each PRNG stream has been drawn. */
export interface SimulatedBrokerState {
  book: SimulatedBookState;
  account: SimulatedAccountState;
  submitCalls: number;
  /** Submit calls per client order id: a re-send shows up here even on a venue that dedupes it. */
  submitsByClientOrderId: Record<string, number>;
  lostUpdates: number;
  draws: Record<keyof typeof STREAMS, number>;
}

// One independent stream per concern, so enabling (say) lost updates does not shift the fault sequence.
const STREAMS = { faults: 1, slices: 2, latency: 3, updates: 4, cancels: 5 } as const;
const streamSeed = (seed: number, stream: number): number => (Math.imul((seed >>> 0) ^ 0x2545f491, 0x9e3779b1) + Math.imul(stream, 0x85ebca6b)) >>> 0;

export class SimulatedBroker implements Broker {
  readonly accountId: string;
  private readonly network: SimulatedNetwork;
  private readonly book: SimulatedOrderBook;
  private readonly account: SimulatedAccount;
  private readonly updates: SimulatedUpdateFeed;
  private submitCallCount = 0;
  private readonly submitsById = new Map<string, number>();
  private readonly draws: Record<keyof typeof STREAMS, number> = { faults: 0, slices: 0, latency: 0, updates: 0, cancels: 0 };
  private readonly persist: ((state: SimulatedBrokerState) => void) | undefined;

  constructor(options: SimulatedBrokerOptions) {
    const seed = options.seed ?? 0;
    this.accountId = options.accountId ?? 'sim-account';
    const saved = options.state;
    this.persist = options.persist;
    // Each stream counts its draws, and a restored one is drawn forward as far: the venue goes on as if never stopped.
    const random = (stream: keyof typeof STREAMS) => {
      const next = seededRandom(streamSeed(seed, STREAMS[stream]));
      for (let i = 0; i < (saved?.draws[stream] ?? 0); i++) next();
      this.draws[stream] = saved?.draws[stream] ?? 0;
      return () => {
        this.draws[stream]++;
        return next();
      };
    };
    this.network = new SimulatedNetwork(options, { faults: random('faults'), latency: random('latency') });
    this.account = new SimulatedAccount(dec(options.startingCash ?? '1000000'), options);
    this.updates = new SimulatedUpdateFeed(options, random('updates'));
    this.book = new SimulatedOrderBook(options, {
      seed,
      random: { slices: random('slices'), cancels: random('cancels') },
      account: this.account,
      updates: this.updates,
    });
    if (saved) {
      this.book.restore(saved.book);
      this.account.restore(saved.account);
      this.updates.restoreLostCount(saved.lostUpdates);
      this.submitCallCount = saved.submitCalls;
      for (const [id, count] of Object.entries(saved.submitsByClientOrderId)) this.submitsById.set(id, count);
    }
  }

  /** The whole venue as JSON (what `persist` is handed). */
  snapshot(): SimulatedBrokerState {
    return {
      book: this.book.snapshot(),
      account: this.account.snapshot(),
      submitCalls: this.submitCallCount,
      submitsByClientOrderId: Object.fromEntries(this.submitsById),
      lostUpdates: this.updates.lostUpdateCount(),
      draws: { ...this.draws },
    };
  }

  /** Hands the state to `persist` (if any) and passes the call's result through: one line at each change. */
  private changed<T>(result: T): T {
    this.persist?.(this.snapshot());
    return result;
  }

  // ---- the Broker port -------------------------------------------------------------------------------

  async submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder> {
    this.submitCallCount++;
    this.submitsById.set(request.clientOrderId, (this.submitsById.get(request.clientOrderId) ?? 0) + 1);
    return this.network.call('submitOrder', () => this.changed(this.book.submit(request)));
  }

  async getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined> {
    return this.network.call('getOrderByClientOrderId', () => this.book.orderByClientOrderId(clientOrderId));
  }

  /** The simulated book holds only orders the port represents. */
  async listOpenOrders(): Promise<OpenBrokerOrders> {
    return this.network.call('listOpenOrders', () => ({ orders: this.book.openOrders(), unrepresentable: [] }));
  }

  async cancelOrder(brokerOrderId: string): Promise<'requested' | 'not-cancelable'> {
    return this.network.call('cancelOrder', () => this.changed(this.book.requestCancel(brokerOrderId)));
  }

  async cancelAllOrders(): Promise<string[]> {
    return this.network.call('cancelAllOrders', () => this.changed(this.book.cancelAll()));
  }

  async listFills(query: { after: string; brokerOrderId?: string }): Promise<BrokerFill[]> {
    return this.network.call('listFills', () => {
      const after = Date.parse(query.after);
      if (Number.isNaN(after)) throw refused(`after must be an ISO-8601 time, got ${JSON.stringify(query.after)}`);
      return this.book.fillsFrom(after, query.brokerOrderId);
    });
  }

  async getPositions(): Promise<BrokerPosition[]> {
    return this.network.call('getPositions', () => this.account.positions());
  }

  async getAccount(): Promise<BrokerAccount> {
    return this.network.call('getAccount', () => this.account.account());
  }

  async closeAllPositions(): Promise<void> {
    return this.network.call('closeAllPositions', () => this.changed(this.book.flatten()));
  }

  // ---- the update stream -----------------------------------------------------------------------------

  /** Delivers every update that is not lost, synchronously and in order; returns the unsubscribe function. */
  subscribe(listener: (update: BrokerUpdate) => void): () => void {
    return this.updates.subscribe(listener);
  }

  /** A BrokerUpdateStream over subscribe: handlers run one at a time, in order, after the change that caused them. */
  updateStream(): SimulatedUpdateStream {
    return this.updates.stream();
  }

  // ---- simulation controls (not broker calls: no faults, no latency) ---------------------------------

  /**
   * One matching round at current prices, orders in creation order: each live order gets at most one
   * execution (the next planned slice, if marketable); an order pending cancel then becomes canceled, so a
   * fill racing the cancel lands first. Returns the fills of this round.
   */
  advance(): BrokerFill[] {
    // A round that changed nothing (no fill, no pending cancel ended) is not saved: the trading loop advances every tick.
    const racing = this.persist !== undefined && this.book.openOrders().some((o) => o.status === 'pending_cancel');
    const fills = this.book.advance();
    return fills.length > 0 || racing ? this.changed(fills) : fills;
  }

  /** The end of the trading day: every live 'day' order expires. Returns their broker order ids. */
  expireDayOrders(): string[] {
    return this.changed(this.book.expireDayOrders());
  }

  /** Makes every call fail as an unreachable broker would (ambiguous: the caller cannot know more). */
  setUnavailable(unavailable: boolean): void {
    this.network.setUnavailable(unavailable);
  }

  // ---- test hooks and counters -----------------------------------------------------------------------

  /** Every broker order ever created, in creation order (copies). */
  orders(): BrokerOrder[] {
    return this.book.orders();
  }

  /** Every execution, oldest first (copies). */
  fills(): BrokerFill[] {
    return this.book.fills();
  }

  /** Every submit call: failed, refused and duplicate ones included. */
  submitCalls(): number {
    return this.submitCallCount;
  }

  /** Distinct broker orders created (a duplicate submit creates none). */
  submittedOrderCount(): number {
    return this.book.orderCount();
  }

  /** Client order ids submitted more than once (a re-send, whether or not the venue deduped it). */
  resubmittedClientOrderIds(): string[] {
    return [...this.submitsById.entries()].filter(([, n]) => n > 1).map(([id]) => id);
  }

  /** Broker orders beyond the first for a client order id (only a naive venue can have any). */
  duplicateOrderCount(): number {
    return this.book.duplicateOrderCount();
  }

  /**
   * The account's worst-case gross exposure at the venue's current prices: per symbol, the larger of
   * |position + open buys| and |position − open sells|, times the price, summed. The venue's own view,
   * independent of the pipeline's table.
   */
  grossExposure(): Decimal {
    return this.account.grossExposure(this.book.openQuantities());
  }

  /** The highest grossExposure() seen right after any order arrived. */
  peakGrossExposure(): string {
    return toDecimalString(this.account.peakGrossExposure());
  }

  /** Injected faults per kind. */
  faultCount(): Record<SimulatedFaultKind, number> {
    return this.network.faultCount();
  }

  /** Every injected fault in order, with the call it hit. */
  faultLog(): { call: BrokerCallName; kind: SimulatedFaultKind }[] {
    return this.network.faultLog();
  }

  /** Updates the stream lost (the broker's state changed; nobody was told). */
  lostUpdateCount(): number {
    return this.updates.lostUpdateCount();
  }

  /** Errors thrown by subscribe() listeners; they are isolated so a listener cannot corrupt the book. */
  listenerErrors(): unknown[] {
    return this.updates.listenerErrors();
  }
}
