// The DynamoDB Local launcher: ready means ListTables answers; a JVM that cannot start fails fast with its output;
// an on-disk database stopped keeps every write it acknowledged.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, ScanCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { findFreePort, localDynamoClientConfig, startDynamoDbLocal } from '../../local/dynamodb-local';

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });

describe('DynamoDB Local launcher', () => {
  it('serves ListTables on the endpoint the global setup provides', async () => {
    const client = new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint')));
    try {
      const result = await client.send(new ListTablesCommand({}));
      expect(result.TableNames).toBeInstanceOf(Array);
    } finally {
      client.destroy();
    }
  });

  it('keeps every acknowledged write of an on-disk database through a stop and a restart on the same directory', { timeout: 150_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dynamodb-local-stop-'));
    const TableName = 'stop-keeps-writes';
    try {
      const first = await startDynamoDbLocal({ dbPath: dir });
      const writer = new DynamoDBClient(localDynamoClientConfig(first.endpoint));
      let acknowledged = 0;
      try {
        await writer.send(new CreateTableCommand({ TableName, KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
        // Transactions, as the pipeline's claims and order updates are: DynamoDB Local commits one a moment after
        // answering it (a lone put it commits first). Four writers, stopped the moment the last is answered.
        await Promise.all(
          [0, 1, 2, 3].map(async (w) => {
            for (let i = 0; i < 25; i++) {
              await writer.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName, Item: { pk: { S: `w${w}-${i}` } } } }] }));
              acknowledged++;
            }
          }),
        );
        await first.stop();
      } finally {
        writer.destroy();
      }
      const second = await startDynamoDbLocal({ dbPath: dir });
      const reader = new DynamoDBClient(localDynamoClientConfig(second.endpoint));
      try {
        const found = await reader.send(new ScanCommand({ TableName, ConsistentRead: true }));
        expect(found.Items).toHaveLength(acknowledged);
      } finally {
        reader.destroy();
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects with the JVM output when the port is already taken, instead of waiting out the timeout', async () => {
    // A listener that accepts but never answers: probes would hang without the exit race and request timeout.
    const squatter = createServer(() => undefined);
    const port = await findFreePort();
    await listen(squatter, port);
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(/exited with code \d+ before becoming ready[\s\S]*Failed to bind/);
    } finally {
      squatter.close();
    }
  });
});
