// The order queue in a Lambda container: the risk function is the only one that sends to it, so the SQS client
// is kept out of aws-wiring.ts and out of every other function's bundle.
import { SQSClient } from '@aws-sdk/client-sqs';
import { RUNTIME_ENV } from '../../shared/config/runtime-env';
import { InfrastructureError } from '../../shared/errors/errors';
import type { AwsAdapters } from '../aws-wiring';
import { SqsOrderQueue } from '../sqs/sqs-order-queue';
import { captured } from './client-capture';

let queue: SqsOrderQueue | undefined;

/** The queue at ORDER_QUEUE_URL, once per container; throws when the function has no such variable. */
export const awsOrderQueue = (adapters: AwsAdapters): SqsOrderQueue => {
  const queueUrl = adapters.runtime[RUNTIME_ENV.orderQueueUrl];
  if (!queueUrl) throw new InfrastructureError(`${RUNTIME_ENV.orderQueueUrl} is required by the risk function`, 'config');
  queue ??= new SqsOrderQueue(captured(new SQSClient({})), queueUrl);
  return queue;
};
