// The one definition of the trading table: the CDK construct and the local/test bootstrap both build from
// it, and a test proves the synthesized table and the local one agree. Key design: docs/data-model.md.
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttribute; sortKey: KeyAttribute }[];
  timeToLiveAttribute: string;
}

export const TRADING_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    // Audit by correlation id: every entry of one order, across days and components.
    { indexName: 'byCorrelation', partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
  ],
  timeToLiveAttribute: 'expiresAt',
};

/** Item keys. Every access pattern in docs/data-model.md is one of these. */
export const keys = {
  tradingState: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'STATE' }),
  limits: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'LIMITS' }),
  orderRate: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'RATE#ORDERS' }),
  cash: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'CASH' }),
  openOrders: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'OPEN_ORDERS' }),
  order: (account: string, intentId: string) => ({ pk: `ACCOUNT#${account}`, sk: `ORDER#${intentId}` }),
  position: (account: string, symbol: string) => ({ pk: `ACCOUNT#${account}`, sk: `POSITION#${symbol}` }),
  fill: (account: string, tradeId: string) => ({ pk: `ACCOUNT#${account}`, sk: `FILL#${tradeId}` }),
  reconciliation: (account: string) => ({ pk: `ACCOUNT#${account}`, sk: 'RECONCILIATION#LATEST' }),
  mark: (symbol: string) => ({ pk: `MARK#${symbol}`, sk: 'LATEST' }),
  audit: (account: string, occurredAt: string, entryId: string) => ({
    pk: `AUDIT#${account}#${occurredAt.slice(0, 10)}`,
    sk: `${occurredAt}#${entryId}`,
  }),
  auditByCorrelation: (correlationId: string, occurredAt: string, entryId: string) => ({
    gsi1pk: `CORR#${correlationId}`,
    gsi1sk: `${occurredAt}#${entryId}`,
  }),
} as const;

export const POSITION_PREFIX = 'POSITION#';
export const ORDER_PREFIX = 'ORDER#';
