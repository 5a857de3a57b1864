// The local stand-in for Lambda's SQS event source mapping: long-polls the queue through the real SQS
// client, hands batches to the order handler in the Lambda event shape, and deletes only the messages the
// handler did not report as failed (failed ones reappear after the visibility timeout, as in AWS).
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

export const toSqsEvent = (messages: readonly Message[], queueArn: string, region = 'us-east-1'): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      SenderId: m.Attributes?.SenderId ?? 'local',
      SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
      ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
      ...(m.Attributes?.MessageDeduplicationId ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId } : {}),
      ...(m.Attributes?.SequenceNumber ? { SequenceNumber: m.Attributes.SequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  })),
});

export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  batchSize?: number;
  waitTimeSeconds?: number;
  /**
   * Polling loops run at once, like the concurrent invocations of Lambda's event source mapping (default 1).
   * FIFO ordering holds across them: the queue hands out no message of a group while another is in flight.
   */
  concurrency?: number;
  invoke: (event: SQSEvent, requestId: string) => Promise<SQSBatchResponse>;
  onError?: (error: unknown) => void;
}

export class SqsEventSource {
  private running = false;
  private loop: Promise<void> | undefined;
  private invocations = 0;
  /** When a receive last came back empty with nothing being handled; cleared by any message. */
  private lastIdleAt: number | undefined;
  /** Batches received and not yet finished: the queue is not idle while one is being handled. */
  private busy = 0;

  constructor(private readonly options: SqsEventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 1) }, () => this.run())).then(() => undefined);
  }

  /** Stops polling after the current batch; what is still queued stays queued. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  get isEnabled(): boolean {
    return this.running;
  }

  /** Batches being handled now. */
  get handling(): number {
    return this.busy;
  }

  /** True once a receive came back empty after the given time: the queue has been drained. */
  idleAfter(ms: number): boolean {
    return this.lastIdleAt !== undefined && this.lastIdleAt >= ms;
  }

  /** Receives one batch and invokes the handler once; returns how many messages it received. */
  async pollOnce(waitTimeSeconds = this.options.waitTimeSeconds ?? 1): Promise<number> {
    const { client, queueUrl } = this.options;
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.options.batchSize ?? 10,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) {
      // The latest empty receive, not the first: a queue idle since before `ms` must still report idle after it.
      if (this.busy === 0) this.lastIdleAt = Date.now();
      return 0;
    }
    this.lastIdleAt = undefined;
    this.busy++;
    try {
      await this.handle(messages);
    } finally {
      this.busy--;
    }
    return messages.length;
  }

  private async handle(messages: Message[]): Promise<void> {
    const { client, queueUrl } = this.options;
    const requestId = `local-${++this.invocations}`;
    let failedIds = new Set<string>();
    try {
      const response = await this.options.invoke(toSqsEvent(messages, this.options.queueArn), requestId);
      failedIds = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, exactly as the Lambda event source mapping treats it.
      failedIds = new Set(messages.map((m) => m.MessageId ?? ''));
      this.options.onError?.(error);
    }
    const done = messages.filter((m) => !failedIds.has(m.MessageId ?? ''));
    if (done.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce();
      } catch (error) {
        this.options.onError?.(error);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
