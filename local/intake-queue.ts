// The local intake queue of a queued route (the intents' way to the risk function): a standard queue in the
// in-process SQS that the router sends the route's events to, read in batches through the local event source
// mapping, as Lambda reads it in AWS. Drained when nothing is being sent, nothing waits in the queue or in
// flight, and no batch is being handled.
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEvent, RouteQueueSink } from './event-router';
import { SqsEventSource } from './sqs-event-source';

export interface LocalIntakeQueueOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  /** Batches handled at once (the function's concurrency stand-in). */
  concurrency: number;
  invoke: (event: SQSEvent, requestId: string) => Promise<SQSBatchResponse>;
  onError?: (error: unknown) => void;
}

export class LocalIntakeQueue implements RouteQueueSink {
  readonly source: SqsEventSource;
  private sending = 0;

  constructor(private readonly options: LocalIntakeQueueOptions) {
    this.source = new SqsEventSource({
      client: options.client,
      queueUrl: options.queueUrl,
      queueArn: options.queueArn,
      batchSize: options.batchSize,
      waitTimeSeconds: 1,
      concurrency: options.concurrency,
      invoke: options.invoke,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  async send(event: LocalEvent): Promise<void> {
    this.sending++;
    try {
      await this.options.client.send(new SendMessageCommand({ QueueUrl: this.options.queueUrl, MessageBody: JSON.stringify(event) }));
    } finally {
      this.sending--;
    }
  }

  start(): void {
    this.source.start();
  }

  stop(): Promise<void> {
    return this.source.stop();
  }

  async drain(): Promise<boolean> {
    let waited = false;
    // A stopped consumer takes nothing: what is queued stays queued.
    while (this.sending > 0 || this.source.handling > 0 || (this.source.isEnabled && (await this.waiting()) > 0)) {
      waited = true;
      await sleep(20);
    }
    return waited;
  }

  /** Messages in the queue, visible or received and not yet deleted. */
  private async waiting(): Promise<number> {
    const out = await this.options.client.send(
      new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
}
