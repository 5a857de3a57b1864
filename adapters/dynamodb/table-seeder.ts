// Seeding the trading table, for the local runtime and tests only: unconditional writes no port offers (a
// trading state without its audit entry, a limits override, a cash deposit, one mark). Production code never
// imports this module; there the trading state moves only through TradingStateStore.changeTradingState.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { keys } from '../../shared/storage/table-definition';
import type { TradingState } from '../../shared/trading-state/trading-state';
import { DynamoMarketDataStore } from './dynamo-market-data-store';
import { DynamoTable } from './dynamo-table';
import { n, revise } from './items';

export class TableSeeder {
  private readonly table: DynamoTable;
  private readonly marketData: DynamoMarketDataStore;

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new DynamoTable(client, tableName);
    this.marketData = new DynamoMarketDataStore(this.table);
  }

  /** Sets the state as is: no condition on the state it replaces and no audit entry. */
  async putTradingState(account: string, state: TradingState, actor: string, at: string): Promise<void> {
    await this.table.put('PutItem (state)', { Item: { ...keys.tradingState(account), state, updatedBy: actor, updatedAt: at } });
  }

  /** Every write bumps the version, which is what a warm risk function keys its compiled limits on. */
  async putLimitsOverride(account: string, limits: unknown): Promise<void> {
    await this.table.update('UpdateItem (limits)', {
      Key: keys.limits(account),
      UpdateExpression: 'SET limits = :limits ADD version :one',
      ExpressionAttributeValues: { ':limits': limits, ':one': n(1) },
    });
  }

  /** Cash paid in or out (in AWS the broker account is the source: reconciliation sets the book's cash). */
  async depositCash(account: string, amount: string, at: string): Promise<void> {
    const revision = revise([]);
    await this.table.update('UpdateItem (cash)', {
      Key: keys.book(account),
      UpdateExpression: `ADD cash :amount, ${revision.add} SET updatedAt = :at, ${revision.set}`,
      ExpressionAttributeNames: revision.names,
      ExpressionAttributeValues: { ':amount': n(amount), ':at': at, ...revision.values },
    });
  }

  /** One symbol's mark, through the feed's write (skipped when older than the stored one). */
  async putMark(symbol: string, price: string, at: string): Promise<void> {
    await this.marketData.putMarks([{ symbol, price, at }], await this.marketData.getMarks());
  }
}
