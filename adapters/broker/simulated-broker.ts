// The simulated broker: a stand-in for a real one that owns its own book of orders, fills, positions and cash,
// so reconciliation compares the table against something independent. It puts the parts together: the network
// in front of every call, the order book, the venue's account and the update feed. Invariants: every random
// choice comes from PRNG streams derived from the seed (same seed + same calls = same orders, fills, faults and
// lost updates); nothing returned shares memory with the broker's state.
import type { BrokerAccount, BrokerFill, BrokerOrder, BrokerOrderRequest, BrokerPosition, BrokerUpdate, OpenBrokerOrders } from '../../shared/broker/broker-order';
import { dec, toDecimalString, type Decimal } from '../../shared/money/decimal';
import type { Broker, BrokerCallName } from '../../shared/ports/broker';
import type { Clock } from '../../shared/ports/clock';
import { seededRandom } from '../../shared/random/seeded';
import { SimulatedAccount } from './simulated-account';
import { SimulatedNetwork, type SimulatedFaultKind, type SimulatedFaults } from './simulated-network';
import { SimulatedOrderBook } from './simulated-order-book';
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

  constructor(options: SimulatedBrokerOptions) {
    const seed = options.seed ?? 0;
    this.accountId = options.accountId ?? 'sim-account';
    const random = (stream: keyof typeof STREAMS) => seededRandom(streamSeed(seed, STREAMS[stream]));
    this.network = new SimulatedNetwork(options, { faults: random('faults'), latency: random('latency') });
    this.account = new SimulatedAccount(dec(options.startingCash ?? '1000000'), options);
    this.updates = new SimulatedUpdateFeed(options, random('updates'));
    this.book = new SimulatedOrderBook(options, {
      seed,
      random: { slices: random('slices'), cancels: random('cancels') },
      account: this.account,
      updates: this.updates,
    });
  }

  // ---- the Broker port -------------------------------------------------------------------------------

  async submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder> {
    this.submitCallCount++;
    return this.network.call('submitOrder', () => this.book.submit(request));
  }

  async getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined> {
    return this.network.call('getOrderByClientOrderId', () => this.book.orderByClientOrderId(clientOrderId));
  }

  /** The simulated book holds only orders the port represents. */
  async listOpenOrders(): Promise<OpenBrokerOrders> {
    return this.network.call('listOpenOrders', () => ({ orders: this.book.openOrders(), unrepresentable: [] }));
  }

  async cancelOrder(brokerOrderId: string): Promise<'requested' | 'not-cancelable'> {
    return this.network.call('cancelOrder', () => this.book.requestCancel(brokerOrderId));
  }

  async cancelAllOrders(): Promise<string[]> {
    return this.network.call('cancelAllOrders', () => this.book.cancelAll());
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
    return this.network.call('closeAllPositions', () => this.book.flatten());
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
    return this.book.advance();
  }

  /** The end of the trading day: every live 'day' order expires. Returns their broker order ids. */
  expireDayOrders(): string[] {
    return this.book.expireDayOrders();
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
