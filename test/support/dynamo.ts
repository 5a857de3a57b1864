// Gives each test its own table (and its stores and seeder) in the one DynamoDB Local the global setup started.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { dynamoStores, type TradingStores } from '../../adapters/dynamodb/dynamo-stores';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
import { TableSeeder } from '../../adapters/dynamodb/table-seeder';
import { localDynamoClientConfig } from '../../local/dynamodb-local';

let client: DynamoDBClient | undefined;

export const dynamoClient = (): DynamoDBClient => {
  client ??= new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint')));
  return client;
};

export const freshTable = async (): Promise<{ client: DynamoDBClient; tableName: string }> => {
  const tableName = `t-${randomBytes(6).toString('hex')}`;
  await createTradingTable(dynamoClient(), tableName);
  return { client: dynamoClient(), tableName };
};

/** A fresh table with its role stores and the seeder that puts a test's starting state in it. */
export const freshStores = async (): Promise<{ client: DynamoDBClient; tableName: string; stores: TradingStores; seeder: TableSeeder }> => {
  const { client, tableName } = await freshTable();
  return { client, tableName, stores: dynamoStores(client, tableName), seeder: new TableSeeder(client, tableName) };
};
