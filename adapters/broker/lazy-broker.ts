// A Broker built on its first call by an asynchronous factory (in AWS: read the credentials secret, then
// build the Alpaca adapter). Invariants: concurrent first calls share one build; a failed build is not
// kept, so the next call tries again; a build failure reaches the caller as an `ambiguous` BrokerCallError
// keeping the original error as its cause. Once built, calls go straight to the built broker, whose own
// errors pass through untouched.
import type { BrokerAccount, BrokerFill, BrokerOrder, BrokerOrderRequest, BrokerPosition, OpenBrokerOrders } from '../../shared/broker/broker-order';
import { BrokerCallError } from '../../shared/broker/broker-call-error';
import {
  type Broker
} from '../../shared/ports/broker';

export interface LazyBrokerOptions {
  /** Names the broker in error messages, e.g. "Alpaca (paper)". */
  label: string;
  /**
   * Builds the broker. Its errors' messages are copied into the BrokerCallError, so they must hold no secret
   * (the credentials readers in alpaca/credentials.ts name the secret, never its value).
   */
  build: () => Promise<Broker>;
}

export class LazyBroker implements Broker {
  private readonly label: string;
  private readonly build: () => Promise<Broker>;
  private building: Promise<Broker> | undefined;

  constructor(options: LazyBrokerOptions) {
    this.label = options.label;
    this.build = options.build;
  }

  submitOrder(request: BrokerOrderRequest): Promise<BrokerOrder> {
    return this.broker().then((broker) => broker.submitOrder(request));
  }

  getOrderByClientOrderId(clientOrderId: string): Promise<BrokerOrder | undefined> {
    return this.broker().then((broker) => broker.getOrderByClientOrderId(clientOrderId));
  }

  listOpenOrders(): Promise<OpenBrokerOrders> {
    return this.broker().then((broker) => broker.listOpenOrders());
  }

  cancelOrder(brokerOrderId: string): Promise<'requested' | 'not-cancelable'> {
    return this.broker().then((broker) => broker.cancelOrder(brokerOrderId));
  }

  cancelAllOrders(): Promise<string[]> {
    return this.broker().then((broker) => broker.cancelAllOrders());
  }

  listFills(query: { after: string; brokerOrderId?: string }): Promise<BrokerFill[]> {
    return this.broker().then((broker) => broker.listFills(query));
  }

  getPositions(): Promise<BrokerPosition[]> {
    return this.broker().then((broker) => broker.getPositions());
  }

  getAccount(): Promise<BrokerAccount> {
    return this.broker().then((broker) => broker.getAccount());
  }

  closeAllPositions(): Promise<void> {
    return this.broker().then((broker) => broker.closeAllPositions());
  }

  private broker(): Promise<Broker> {
    if (this.building) return this.building;
    const building = this.buildOnce();
    this.building = building;
    // Evict only this attempt: a retry already under way must not be dropped by a late failure.
    building.catch(() => {
      if (this.building === building) this.building = undefined;
    });
    return building;
  }

  private async buildOnce(): Promise<Broker> {
    try {
      return await this.build();
    } catch (error) {
      // Ambiguous, not refused: nothing reached the broker, but a refusal would reject the order for good
      // and an empty answer would read as "no such order" or "flat". Ambiguous makes the caller keep the
      // order in flight and ask again, which is right once the credentials are readable.
      const reason = error instanceof Error ? error.message : String(error);
      throw new BrokerCallError(
        `${this.label} is unavailable: setting up the adapter failed (${reason}); nothing was sent, retry later`,
        'ambiguous',
        {},
        { cause: error },
      );
    }
  }
}
