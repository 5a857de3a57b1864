// The local SQS stand-in must behave like the real FIFO queue the order path relies on.
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createFifoQueues } from '../../local/sqs-local';
import { useLocalSqs } from '../support/sqs';

describe('local SQS', () => {
  const local = useLocalSqs();

  it('creates a FIFO queue with explicit dedup that redrives to a FIFO DLQ after 5 receives', async () => {
    const { client } = local;
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
    const { client } = local;
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
