// The local intake queue of a queued route (the intents' way to the risk function): a standard queue in the
// in-process SQS that the router sends the route's events to, read in batches through the local event source
// mapping, as Lambda reads it in AWS. Drained when nothing is being sent, nothing waits in the queue or in
// flight, and no batch is being handled.
import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalEvent, RouteQueueSink } from './event-router';
import { SqsEventSource } from './sqs-event-source';

/** SQS takes at most ten messages per SendMessageBatch. */
const SEND_BATCH = 10;

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
  /** Sends waiting for the next flush: the events of one tick go out ten to a request, as a burst arrives. */
  private buffered: { event: LocalEvent; done: (error?: unknown) => void }[] = [];
  private flushing: NodeJS.Immediate | undefined;

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

  /** Resolves once the event is in the queue; rejects when SQS refused it. */
  send(event: LocalEvent): Promise<void> {
    this.sending++;
    return new Promise<void>((resolve, reject) => {
      this.buffered.push({ event, done: (error) => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error)))) });
      this.flushing ??= setImmediate(() => void this.flush());
    }).finally(() => {
      this.sending--;
    });
  }

  private async flush(): Promise<void> {
    this.flushing = undefined;
    const entries = this.buffered;
    this.buffered = [];
    const chunks: (typeof entries)[] = [];
    for (let i = 0; i < entries.length; i += SEND_BATCH) chunks.push(entries.slice(i, i + SEND_BATCH));
    await Promise.all(
      chunks.map(async (chunk) => {
        try {
          const out = await this.options.client.send(
            new SendMessageBatchCommand({ QueueUrl: this.options.queueUrl, Entries: chunk.map((e, i) => ({ Id: String(i), MessageBody: JSON.stringify(e.event) })) }),
          );
          const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
          chunk.forEach((e, i) => {
            const refusal = failed.get(String(i));
            e.done(refusal ? new Error(`SQS refused the message: ${refusal.Code ?? ''} ${refusal.Message ?? ''}`.trim()) : undefined);
          });
        } catch (error) {
          for (const e of chunk) e.done(error ?? new Error('send failed'));
        }
      }),
    );
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
