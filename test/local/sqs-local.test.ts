// The local SQS stand-in must behave like the real FIFO queue the order path relies on.
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFifoQueues, localSqsClientConfig, startLocalSqs, type LocalSqs } from '../../local/sqs-local';

describe('local SQS', () => {
  let sqs: LocalSqs;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startLocalSqs();
    client = new SQSClient(localSqsClientConfig(sqs.endpoint));
  });

  afterAll(async () => {
    client.destroy();
    await sqs.stop();
  });

  it('creates a FIFO queue with explicit dedup that redrives to a FIFO DLQ after 5 receives', async () => {
    const { queueUrl, dlqUrl } = await createFifoQueues(client, 'attrs');
    const main = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    const dlq = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }));

    expect(queueUrl).toMatch(/\/attrs\.fifo$/);
    expect(dlqUrl).toMatch(/\/attrs-dlq\.fifo$/);
    expect(main.Attributes).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'false', VisibilityTimeout: '30' });
    expect(JSON.parse(main.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({
      deadLetterTargetArn: dlq.Attributes?.QueueArn,
    });
    expect(String(JSON.parse(main.Attributes?.RedrivePolicy ?? '{}').maxReceiveCount)).toBe('5');
  });

  it('delivers one message when the same deduplication id is sent twice', async () => {
    const { queueUrl } = await createFifoQueues(client, 'dedup');
    const send = (body: string) =>
      client.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: 'acct-1', MessageDeduplicationId: 'intent-1' }),
      );
    await send('first');
    await send('second');

    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(['first']);
  });
});
