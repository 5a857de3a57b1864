// SQS FIFO adapter for the OrderQueue port: SendMessageBatch, group account#symbol (per-symbol order),
// deduplication id = intent id (a re-sent approval within five minutes is dropped by SQS itself).
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { InfrastructureError } from '../../shared/errors/errors';
import { messageGroupId, type ApprovedOrderMessage, type OrderQueue } from '../../shared/ports/order-queue';

const MAX_BATCH = 10;
const MAX_ATTEMPTS = 4;

export class SqsOrderQueue implements OrderQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async enqueue(messages: readonly ApprovedOrderMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      await this.sendBatch(messages.slice(i, i + MAX_BATCH));
    }
  }

  private async sendBatch(batch: readonly ApprovedOrderMessage[]): Promise<void> {
    let pending = batch.map((message, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(message),
      MessageGroupId: messageGroupId(message.meta.account, message.data.intent.symbol),
      MessageDeduplicationId: message.data.intent.intentId,
    }));
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
