// The queue between a rule and the function that reads its events in batches (the intents' way to the risk
// function). Only that rule may send to it: an explicit Deny for every other sender, so no identity policy
// can put an intent around the bus. Failed messages move to the routing's dead-letter queue after three
// receives; the visibility is six times the consumer's timeout, as AWS recommends.
import { Duration } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IRule } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptionKey } from './encryption-keys';

export interface IntakeQueueProps {
  /** Where a message goes after its last failed receive. */
  deadLetterQueue: IQueue;
  consumer: IFunction;
  consumerTimeout: Duration;
  batchSize: number;
  maxReceiveCount?: number;
}

export class IntakeQueue extends Construct {
  readonly queue: Queue;
  readonly eventSource: SqsEventSource;

  constructor(scope: Construct, id: string, props: IntakeQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      // Long enough for every receive to fail before it expires: a message is dead-lettered, never dropped.
      retentionPeriod: Duration.hours(1),
      // The stack's queue key, whose policy lets EventBridge deliver (infra/encryption-keys.ts).
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: encryptionKey(this, 'queues'),
      enforceSSL: true,
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    // No batching window: a lone intent is read at once; under load each receive takes up to batchSize.
    this.eventSource = new SqsEventSource(this.queue, { batchSize: props.batchSize, reportBatchItemFailures: true, enabled: true });
    props.consumer.addEventSource(this.eventSource);
  }

  /** Only `rule` may send: EventBridge sends with the rule as its source ARN; every other sender is denied. */
  onlyRuleSends(rule: IRule): void {
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NobodyButTheRuleSends',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnNotEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
  }
}
