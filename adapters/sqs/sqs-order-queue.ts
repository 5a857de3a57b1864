// SQS FIFO adapter for the OrderQueue port: SendMessageBatch with the group and deduplication id the port
// assigns (a re-sent message within five minutes is dropped by SQS itself).
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InfrastructureError } from '../../shared/errors/errors';
import type { OrderQueueMessage } from '../../shared/events/order-queue-messages';
import { routingOf, type OrderQueue } from '../../shared/ports/order-queue';

const MAX_BATCH = 10;
const MAX_ATTEMPTS = 4;

export class SqsOrderQueue implements OrderQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async enqueue(messages: readonly OrderQueueMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      await this.sendBatch(messages.slice(i, i + MAX_BATCH));
    }
  }

  private async sendBatch(batch: readonly OrderQueueMessage[]): Promise<void> {
    let pending = batch.map((message, index) => {
      const { groupId, deduplicationId } = routingOf(message);
      return { Id: String(index), MessageBody: JSON.stringify(message), MessageGroupId: groupId, MessageDeduplicationId: deduplicationId };
    });
    for (let attempt = 1; pending.length > 0; attempt++) {
      let failedIds: string[];
      try {
        const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const senderFault = (out.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault) {
          throw new InfrastructureError(`SQS refused ${senderFault.Id}: ${senderFault.Code} ${senderFault.Message ?? ''}`, 'sqs');
        }
        failedIds = (out.Failed ?? []).map((f) => f.Id ?? '');
      } catch (error) {
        if (error instanceof InfrastructureError || attempt >= MAX_ATTEMPTS) {
          throw error instanceof InfrastructureError ? error : new InfrastructureError('SQS SendMessageBatch failed', 'sqs', { cause: error });
        }
        failedIds = pending.map((p) => p.Id);
      }
      pending = pending.filter((p) => failedIds.includes(p.Id));
      if (pending.length > 0) {
        if (attempt >= MAX_ATTEMPTS) throw new InfrastructureError(`SQS kept failing ${pending.length} entries`, 'sqs');
        await this.sleep(2 ** attempt * 25 * Math.random());
      }
    }
  }
}
