// The feed's relay of the broker's order updates onto the order queue: each update becomes one
// BrokerUpdateReceived message in its order's account#symbol group, so the order function applies it in
// line with the order's submission and cancels. The relay decides nothing: a malformed update or one the
// queue would not take is counted and left to reconciliation, which asks the broker for every live order.
import { buildMeta } from '../events/envelope';
import { deterministicId } from '../events/ids';
import { BrokerUpdateSchema, ORDER_QUEUE_MESSAGE_TYPES, type OrderQueueMessage } from '../events/order-queue-messages';
import type { BrokerUpdate } from '../broker/broker-order';
import { utcNow } from '../time/utc';
import type { Telemetry } from '../ports/telemetry';
import type { BrokerUpdateStream } from '../ports/broker';
import type { Clock } from '../ports/clock';
import type { OrderQueue } from '../ports/order-queue';
import { METRICS } from '../telemetry/metrics';

/** Broker updates are not a strategy's; the envelope names the broker as their strategy. */
export const BROKER_STRATEGY = 'broker';

export interface BrokerUpdateRelayOptions {
  account: string;
  stream: BrokerUpdateStream;
  queue: OrderQueue;
  clock: Clock;
  telemetry: Telemetry;
  /** Called with anything the relay could not pass on (for logs); the metric is counted either way. */
  onError?: (error: unknown, update: unknown) => void;
  /** Called when the stream may have missed updates (a disconnect): a good moment to reconcile. */
  onGap?: (detail: string | undefined) => void;
}

export const brokerUpdateMessage = (account: string, update: BrokerUpdate, nowMs: number): OrderQueueMessage => {
  const key = [update.order.brokerOrderId, update.event, update.order.filledQuantity, update.fill?.executionId ?? '', update.at];
  const causationId = deterministicId('bku', ...key);
  return {
    type: ORDER_QUEUE_MESSAGE_TYPES.BrokerUpdateReceived,
    detail: {
      meta: buildMeta({
        detailType: ORDER_QUEUE_MESSAGE_TYPES.BrokerUpdateReceived,
        occurredAt: utcNow(nowMs),
        correlationId: update.order.clientOrderId,
        causationId,
        account,
        strategy: BROKER_STRATEGY,
        producer: 'feed',
        discriminator: causationId,
      }),
      data: { update },
    },
  };
};

export class BrokerUpdateRelay {
  constructor(private readonly options: BrokerUpdateRelayOptions) {}

  async start(): Promise<void> {
    await this.options.stream.start({
      onUpdate: async (update) => {
        await this.relay(update);
      },
      onStatus: (status, detail) => {
        if (status === 'disconnected') {
          this.options.telemetry.count(METRICS.brokerStreamDisconnected);
          this.options.onGap?.(detail);
        }
      },
    });
  }

  async close(): Promise<void> {
    await this.options.stream.close();
  }

  /** Passes one update on; never throws (the stream must keep flowing). */
  async relay(update: unknown): Promise<'relayed' | 'invalid' | 'not-queued'> {
    const { telemetry } = this.options;
    const parsed = BrokerUpdateSchema.safeParse(update);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || '(root)';
      telemetry.count(METRICS.invalidInput, { function: 'feed', field: `update.${field}` });
      this.options.onError?.(parsed.error, update);
      return 'invalid';
    }
    try {
      await this.options.queue.enqueue([brokerUpdateMessage(this.options.account, parsed.data, this.options.clock.now())]);
      telemetry.count(METRICS.brokerUpdateRelayed);
      return 'relayed';
    } catch (error) {
      telemetry.count(METRICS.brokerUpdateNotRelayed);
      this.options.onError?.(error, update);
      return 'not-queued';
    }
  }
}
