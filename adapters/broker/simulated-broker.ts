// The simulated broker: a deterministic stand-in for a real one, with its own book of orders and positions
// so reconciliation compares the table against something independent. Submission is idempotent by client
// order id, as Alpaca's is: a second submit with the same id returns the first order and creates nothing.
import { InfrastructureError } from '../../shared/errors/errors';
import { dec, toDecimalString, type Decimal } from '../../shared/money/decimal';
import type { Broker, BrokerOrder, BrokerOrderRequest, BrokerPosition } from '../../shared/ports/broker';
import type { Clock } from '../../shared/ports/clock';

export interface SimulatedBrokerOptions {
  /** The venue's current price; undefined means the symbol does not trade now. */
  priceOf: (symbol: string) => string | undefined;
  clock: Clock;
  seed?: number;
  accountId?: string;
}

export class SimulatedBroker implements Broker {
  private readonly orders = new Map<string, BrokerOrder>();
  private readonly positions = new Map<string, Decimal>();
  private sequence = 0;
  private calls = 0;
  private unavailable = false;

  constructor(private readonly options: SimulatedBrokerOptions) {}

  async submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder> {
    this.calls++;
    this.assertAvailable();
    const existing = this.orders.get(request.clientOrderId);
    if (existing) return structuredClone(existing);

    const brokerOrderId = `sim-${this.options.seed ?? 0}-${++this.sequence}`;
    const price = this.options.priceOf(request.symbol);
    const at = new Date(this.options.clock.now()).toISOString();
    let order: BrokerOrder;
    if (price === undefined) {
      order = { brokerOrderId, clientOrderId: request.clientOrderId, status: 'rejected', fills: [], rejectReason: `no market in ${request.symbol}` };
    } else if (request.orderType === 'limit' && !this.marketable(request, price)) {
      order = { brokerOrderId, clientOrderId: request.clientOrderId, status: 'accepted', fills: [] };
    } else {
      order = {
        brokerOrderId,
        clientOrderId: request.clientOrderId,
        status: 'filled',
        fills: [{ tradeId: `${brokerOrderId}-1`, quantity: request.quantity, price, at }],
      };
      const signed = request.side === 'buy' ? dec(request.quantity) : dec(request.quantity).neg();
      this.positions.set(request.symbol, (this.positions.get(request.symbol) ?? dec(0)).plus(signed));
    }
    this.orders.set(request.clientOrderId, order);
    return structuredClone(order);
  }

  async getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined> {
    this.assertAvailable();
    const order = this.orders.get(clientOrderId);
    return order ? structuredClone(order) : undefined;
  }

  async getPositions(): Promise<BrokerPosition[]> {
    this.assertAvailable();
    return [...this.positions.entries()]
      .filter(([, quantity]) => !quantity.isZero())
      .map(([symbol, quantity]) => ({ symbol, quantity: toDecimalString(quantity) }));
  }

  /** Distinct broker orders created (a duplicate submit creates none). */
  submittedOrderCount(): number {
    return this.orders.size;
  }

  /** Every submit call, duplicates included. */
  submitCalls(): number {
    return this.calls;
  }

  /** Makes every call fail as an unreachable broker would. */
  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  private assertAvailable(): void {
    if (this.unavailable) throw new InfrastructureError('simulated broker is unreachable', 'broker');
  }

  private marketable(request: BrokerOrderRequest, price: string): boolean {
    const limit = dec(request.limitPrice ?? '0');
    return request.side === 'buy' ? limit.gte(dec(price)) : limit.lte(dec(price));
  }
}
