// The trading table as a deployment wires it: one store per role port, all on one table and one document
// client, so the handlers name only the ports they use.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { BreakerStore } from '../../shared/ports/breaker-store';
import type { FeedLeaseStore } from '../../shared/ports/feed-lease-store';
import type { MarketDataStore } from '../../shared/ports/market-data-store';
import type { OrderStore } from '../../shared/ports/order-store';
import type { ReconciliationStore } from '../../shared/ports/reconciliation-store';
import type { RiskStore } from '../../shared/ports/risk-store';
import type { DecisionIntake } from '../../shared/ports/decision-intake';
import type { TradingStateStore } from '../../shared/ports/trading-state-store';
import type { StrategySwitchStore } from '../../shared/ports/strategy-switch-store';
import type { LimitsStore } from '../../shared/ports/limits-store';
import { DynamoBreakerStore } from './dynamo-breaker-store';
import { DynamoFeedLeaseStore } from './dynamo-feed-lease-store';
import { DynamoMarketDataStore } from './dynamo-market-data-store';
import { DynamoOrderStore } from './dynamo-order-store';
import { DynamoReconciliationStore } from './dynamo-reconciliation-store';
import { DynamoRiskStore } from './dynamo-risk-store';
import { DynamoDecisionIntake } from './dynamo-decision-intake';
import { DynamoTable } from './dynamo-table';
import { DynamoTradingStateStore } from './dynamo-trading-state-store';
import { DynamoStrategySwitchStore } from './dynamo-strategy-switch-store';
import { DynamoLimitsStore } from './dynamo-limits-store';

/** Every role port of the trading table, one field each: what a deployment wires its handlers from. */
export interface TradingStores {
  riskStore: RiskStore;
  decisionIntake: DecisionIntake;
  orderStore: OrderStore;
  tradingStateStore: TradingStateStore;
  breakerStore: BreakerStore;
  reconciliationStore: ReconciliationStore;
  marketDataStore: MarketDataStore;
  feedLeaseStore: FeedLeaseStore;
  strategySwitchStore: StrategySwitchStore;
  limitsStore: LimitsStore;
}

export const dynamoStores = (client: DynamoDBClient, tableName: string): TradingStores => {
  const table = new DynamoTable(client, tableName);
  return {
    riskStore: new DynamoRiskStore(table),
    decisionIntake: new DynamoDecisionIntake(table),
    orderStore: new DynamoOrderStore(table),
    tradingStateStore: new DynamoTradingStateStore(table),
    breakerStore: new DynamoBreakerStore(table),
    reconciliationStore: new DynamoReconciliationStore(table),
    marketDataStore: new DynamoMarketDataStore(table),
    feedLeaseStore: new DynamoFeedLeaseStore(table),
    strategySwitchStore: new DynamoStrategySwitchStore(table),
    limitsStore: new DynamoLimitsStore(table),
  };
};
