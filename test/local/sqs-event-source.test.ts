// The local event source against the in-process SQS: concurrent pollers, like Lambda's concurrent
// invocations, still see each message group in order and never report idle while a batch is in hand.
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsEventSource } from '../../local/sqs-event-source';
import { createFifoQueues } from '../../local/sqs-local';
import { useLocalSqs } from '../support/sqs';

describe('local SQS event source', () => {
  const local = useLocalSqs();

  it('keeps every message group in order across concurrent pollers and reports idle only once all are handled', async () => {
    const { client } = local;
    const { queueUrl } = await createFifoQueues(client, 'concurrent');
    // More groups than a batch holds, so a second poller finds groups the first did not lock.
    const groups = Array.from({ length: 24 }, (_, i) => `g${i}`);
    for (const group of groups) {
      await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Array.from({ length: 5 }, (_, i) => ({ Id: String(i), MessageBody: String(i), MessageGroupId: group, MessageDeduplicationId: `${group}-${i}` })),
        }),
      );
    }
    const seen = new Map<string, number[]>();
    let inHandler = 0;
    let maxInHandler = 0;
    const source = new SqsEventSource({
      client,
      queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:concurrent.fifo',
      waitTimeSeconds: 0,
      concurrency: 4,
      invoke: async (event) => {
        maxInHandler = Math.max(maxInHandler, ++inHandler);
        await new Promise((r) => setTimeout(r, 20));
        for (const record of event.Records) {
          const group = record.attributes.MessageGroupId ?? '';
          seen.set(group, [...(seen.get(group) ?? []), Number(record.body)]);
        }
        inHandler--;
        return { batchItemFailures: [] };
      },
    });
    const started = Date.now();
    source.start();
    for (let i = 0; i < 200 && !source.idleAfter(started); i++) await new Promise((r) => setTimeout(r, 50));
    await source.stop();
    expect(seen.size).toBe(groups.length);
    for (const group of groups) expect(seen.get(group)).toEqual([0, 1, 2, 3, 4]);
    expect(maxInHandler).toBeGreaterThan(1);
  });

  it('reports idle after a moment even when the queue has been empty since before it', async () => {
    const { client } = local;
    const { queueUrl } = await createFifoQueues(client, 'always-empty');
    const source = new SqsEventSource({
      client,
      queueUrl,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:always-empty.fifo',
      waitTimeSeconds: 0,
      invoke: async () => ({ batchItemFailures: [] }),
    });
    await source.pollOnce(0);
    await new Promise((r) => setTimeout(r, 5));
    const later = Date.now();
    expect(source.idleAfter(later)).toBe(false);
    await source.pollOnce(0);
    expect(source.idleAfter(later)).toBe(true);
  });
});
