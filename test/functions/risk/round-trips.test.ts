// One decision on an idle account costs four round trips to DynamoDB: the intent's count for the flood limit
// beside the decider lease, the snapshot beside the look at parked intents (one Query per intake shard, all at
// once), the decision's one write, and the lease's release. Counted at the SDK's own middleware stack, so a new call anywhere in the path shows up here.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { dynamoStores } from '../../../adapters/dynamodb/dynamo-stores';
import { SqsOrderQueue } from '../../../adapters/sqs/sqs-order-queue';
import { createRiskHandler } from '../../../functions/risk/handler';
import { localDynamoClientConfig } from '../../../local/dynamodb-local';
import { INTAKE_SHARDS } from '../../../shared/storage/table-definition';
import { ACCOUNT, intendedEvent, intentFor, silentLogger, testLimits } from '../../support/fixtures';
import { usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();

/** A client whose every sent command is recorded by name. */
const countingClient = () => {
  const client = new DynamoDBClient(localDynamoClientConfig(inject('dynamoEndpoint')));
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return { client, commands };
};

describe('risk decision round trips', () => {
  it.each([
    ['an approval', '10', 'approved'],
    ['a denial', '100000', 'denied'],
  ])('makes %s with the count beside the lease, the snapshot beside the parked intents, one TransactWriteItems and the release', async (_name, quantity, outcome) => {
    const { client, commands } = countingClient();
    const stores = dynamoStores(client, f.tableName);
    const risk = createRiskHandler(() => ({
      ...stores,
      queue: new SqsOrderQueue(f.sqsClient, f.queueUrl),
      bus: f.bus,
      clock: f.clock,
      telemetry: f.telemetry,
      defaults: testLimits(),
      logger: silentLogger,
    }));
    await expect(risk(intendedEvent(intentFor(`rt-${outcome}`, { quantity }), ACCOUNT))).resolves.toMatchObject({ outcome });
    expect(commands.slice(0, 2)).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    const round2 = 2 + 1 + INTAKE_SHARDS;
    expect(commands.slice(2, round2).sort()).toEqual(['BatchGetItemCommand', ...Array<string>(INTAKE_SHARDS).fill('QueryCommand')]);
    expect(commands.slice(round2)).toEqual(['TransactWriteItemsCommand', 'UpdateItemCommand']);
  });
});
