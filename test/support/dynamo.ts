// Gives each test its own table in the one DynamoDB Local the global setup started.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { createTradingTable } from '../../adapters/dynamodb/table-bootstrap';
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
