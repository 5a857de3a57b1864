// The DynamoDB Local launcher: ready means ListTables answers; a JVM that cannot start fails fast with its output.
import { createServer, type Server } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
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
