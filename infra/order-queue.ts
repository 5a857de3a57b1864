// The approved-order FIFO queue (group account#symbol, deduplication id = intent id, set by the sender) and
// its FIFO dead-letter queue. Visibility is six times the consumer's timeout, as AWS recommends. Once the stack
// names its writers (the risk function's and the feed's roles), the queue's policy denies sending to every other
// principal, beside denying transport without TLS.
import { Duration } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encryptionKey } from './encryption-keys';

export interface OrderQueueProps {
  consumerTimeout: Duration;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount?: number;
}

export class OrderQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: OrderQueueProps) {
    super(scope, id);
    // The stack's queue key: reading an order (account, symbol, size, the broker's ids) takes both the right to
    // receive it and the key, and only its consumer and administrators have both.
    const key = encryptionKey(this, 'queues');
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      fifo: true,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      fifo: true,
      contentBasedDeduplication: false,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }

  /**
   * Only `writers` may send (an approval, or a broker update that moves money when applied): an explicit Deny for
   * every other principal, so no identity policy (an administrator's `sqs:*`, a redrive from the dead-letter queue)
   * can forge one. `aws:PrincipalArn` of a role session is its role's ARN. Called once the writers' roles exist.
   */
  onlyWritersSend(writers: readonly IRole[]): void {
    if (writers.length === 0) throw new Error('OrderQueue: name at least one writer (the risk function)');
    this.queue.addToResourcePolicy(
      new PolicyStatement({ sid: 'WritersSend', effect: Effect.ALLOW, principals: [...writers], actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NobodyElseSends',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { StringNotEquals: { 'aws:PrincipalArn': writers.map((role) => role.roleArn) } },
      }),
    );
  }
}
