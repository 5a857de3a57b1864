// npm run cost, small: a metered local session measures the order path, the schedules and the feed, and the
// model prices a trading day of prod from it; the sizes it measures follow DynamoDB's rules.
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_ASSUMPTIONS } from '../../../bench/cost/assumptions';
import { deploymentOf, type CfnTemplate } from '../../../bench/cost/deployment';
import { containerOf, eventsOf, itemBytes, measureRun } from '../../../bench/cost/measure';
import { estimateCost } from '../../../bench/cost/model';
import { loadPriceTable } from '../../../bench/cost/prices';
import { templateFor } from '../../infra/synth';

describe('the measured run', () => {
  it('sizes items as DynamoDB bills them and splits a container item into its symbols and the rest', () => {
    // 'pk' (2) + 'MARKET' (6), 'M#AAPL' (6) + a map of 'p' → '1.5': 3 + (1 + 3 + 1).
    expect(itemBytes({ pk: { S: 'MARKET' }, 'M#AAPL': { M: { p: { S: '1.5' } } } })).toBe(8 + 6 + 8);
    expect(itemBytes({ n: { N: '12345' } })).toBe(1 + 4);
    const marks = containerOf({ pk: { S: 'MARKET' }, 'M#AAPL': { S: 'abcd' }, 'M#MSFT': { S: 'abcd' } }, ['M#']);
    expect(marks).toEqual({ bytes: 28, symbols: 2, baseBytes: 8, perSymbolBytes: 10 });
  });

  it('bills each event by its 64 KB chunks and keeps the whole event for the archive', () => {
    const events = eventsOf([{ source: 'trading.feed', 'detail-type': 'OrderIntended.v1', detail: { x: 'y'.repeat(70_000) } }]);
    expect(events['trading.feed']).toMatchObject({ count: 1, chunks: 2 });
  });

  it('measures a short normal session and prices a prod trading day from it', { timeout: 180_000 }, async () => {
    const measured = await measureRun({ measureSeconds: 4, seed: 3, dynamoEndpoint: inject('dynamoEndpoint') });
    expect(measured.intents).toBeGreaterThan(0);
    expect(measured.symbols).toBe(5);
    expect(measured.usage.invocations['risk/queue']?.count).toBeGreaterThan(0);
    expect(measured.usage.invocations['order/queue']?.count).toBeGreaterThan(0);
    expect(measured.usage.invocations['reconciliation/schedule']?.count).toBeGreaterThan(0);
    expect(measured.usage.dynamodb['risk/queue']?.writeUnits).toBeGreaterThan(0);
    expect(measured.usage.dynamodb.feed?.byClass.marks?.requests).toBeGreaterThan(0);
    expect(measured.usage.dynamodb.feed?.byClass.heartbeat?.requests).toBeGreaterThan(0);
    expect(measured.usage.feedSeconds).toBeGreaterThan(1);
    expect(measured.usage.sqs.orders?.SendMessageBatch?.messages).toBeGreaterThan(0);
    // The broker's updates are the feed relay's, as in AWS, even though the order function made the broker emit them.
    expect(measured.usage.metrics.filter((m) => m.name === 'BrokerUpdateRelayed').map((m) => m.service)).toEqual(['feed']);
    // The reconciliation and the dead-man switch read the open orders through their markers, never the order
    // history (which would be billed by its size); every intent left an order item.
    expect(measured.usage.dynamodb['reconciliation/schedule']?.readUnits).toBeGreaterThan(0);
    for (const [caller, tally] of Object.entries(measured.usage.dynamodb)) {
      if (!caller.startsWith('local')) expect({ caller, historyReads: tally.byClass.orders?.requests ?? 0 }).toEqual({ caller, historyReads: 0 });
    }
    expect(measured.table.orderItems).toBe(measured.intents);
    expect(measured.items.marks.symbols).toBe(5);
    expect(measured.events['trading.feed']?.count).toBe(measured.feedIntentsPublished);

    const estimate = estimateCost({
      measured,
      deployment: deploymentOf(templateFor('prod').toJSON() as CfnTemplate),
      prices: loadPriceTable(),
      request: { env: 'prod', symbols: 100, orders: 10_000, month: 1 },
      assumptions: DEFAULT_ASSUMPTIONS,
      schedules: { 'reconciliation/schedule': 1, 'risk/schedule': 1, 'dead-man-switch/schedule': 1 },
    });
    expect(estimate.perTradingDayUsd.isFinite() && estimate.perTradingDayUsd.gt(0)).toBe(true);
    expect(Object.keys(estimate.byService)).toEqual(expect.arrayContaining(['Lambda', 'DynamoDB', 'SQS', 'EventBridge', 'ECS Fargate', 'CloudWatch']));
  });
});
