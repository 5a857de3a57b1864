// The dependencies every function bundles, with none of this repository's code: the DynamoDB and EventBridge clients
// and Powertools' Logger, Metrics and Tracer, built as the functions build them (adapters/aws-wiring.ts,
// adapters/powertools/). Its bundle is the floor no function goes below while it uses them (bench/bundles.ts).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const tracer = new Tracer();
const logger = new Logger();
const metrics = new Metrics({ namespace: 'floor' });

let clients: { table: DynamoDBDocumentClient; bus: EventBridgeClient } | undefined;

export const handler = async (): Promise<void> => {
  clients ??= {
    table: DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({}))),
    bus: tracer.captureAWSv3Client(new EventBridgeClient({})),
  };
  await clients.table.send(new PutCommand({ TableName: 'floor', Item: { pk: 'floor' } }));
  await clients.bus.send(new PutEventsCommand({ Entries: [] }));
  logger.info('floor');
  metrics.addMetric('floor', 'Count', 1);
};
