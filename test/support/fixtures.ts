// Builders for events in their AWS shapes and small in-memory stand-ins used across handler tests.
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import { DETAIL_TYPES, type DomainEvent } from '../../shared/events/catalog';
import { buildMeta } from '../../shared/events/envelope';
import type { OrderIntent } from '../../shared/events/order-events';
import type { Clock } from '../../shared/ports/clock';
import type { EventBus } from '../../shared/ports/event-bus';
import type { Page, Pager } from '../../shared/ports/pager';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import type { RiskLimits } from '../../shared/risk/limits';

export const ACCOUNT = 'acct-1';
export const STRATEGY = 'test-strategy';

export const intentFor = (intentId: string, over: Partial<OrderIntent> = {}): OrderIntent => ({
  intentId,
  symbol: 'AAPL',
  side: 'buy',
  quantity: '10',
  orderType: 'market',
  timeInForce: 'day',
  createdAt: '2026-11-23T15:00:00.000Z',
  ...over,
});

export const intendedEvent = (intent: OrderIntent, account = ACCOUNT): EventBridgeEvent<string, unknown> => ({
  version: '0',
  id: `eb-${intent.intentId}`,
  'detail-type': DETAIL_TYPES.OrderIntended,
  source: 'trading.feed',
  account: '123456789012',
  time: '2026-11-23T15:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    meta: buildMeta({
      detailType: DETAIL_TYPES.OrderIntended,
      occurredAt: intent.createdAt,
      correlationId: intent.intentId,
      causationId: 'tick:AAPL',
      account,
      strategy: STRATEGY,
      producer: 'feed',
    }),
    data: intent,
  },
});

export const scheduledEvent = (id = 'sched-1'): EventBridgeEvent<'Scheduled Event', unknown> => ({
  version: '0',
  id,
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-23T15:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {},
});

/** A bus that records what would have gone to EventBridge (no local EventBridge exists). */
export class RecordingBus implements EventBus {
  readonly events: DomainEvent[] = [];
  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.events.push(...events);
  }
  ofType(detailType: string): DomainEvent[] {
    return this.events.filter((e) => e.detailType === detailType);
  }
}

export class ManualClock implements Clock {
  constructor(public ms = Date.parse('2026-11-23T15:00:00.000Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const silentLogger = { error: () => undefined, info: () => undefined };

/** Every item in the table, for "nothing changed" assertions. */
export const scanAll = async (client: DynamoDBClient, tableName: string): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
};

/** The local environment's limits with the given sections replaced. */
export const testLimits = (over: Partial<RiskLimits> = {}): RiskLimits => ({ ...loadEnvironmentConfig('local').riskLimits, ...over });

/** A pager that records its pages (SNS has no local stand-in); `failing` makes every page throw. */
export class RecordingPager implements Pager {
  readonly pages: Page[] = [];
  failing = false;
  async page(page: Page): Promise<void> {
    if (this.failing) throw new Error('pager unavailable');
    this.pages.push(page);
  }
}
