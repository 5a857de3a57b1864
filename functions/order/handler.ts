// Order function: consumes the order FIFO queue in batches (approved orders, broker updates, cancel and
// cancel-all commands) and reports partial failures, so one bad or waiting message holds back only its
// own account#symbol group. Broker updates are confirmed against the broker, one read per order per batch.
import type { Logger } from '@aws-lambda-powertools/logger';
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { awsAdapters, ORDER_LEASE_MS } from '../../adapters/aws-wiring';
import { orderServiceAdapters } from '../../adapters/aws/broker-wiring';
import { PowertoolsTelemetry } from '../../adapters/powertools/powertools-telemetry';
import { OrderQueueMessageSchema } from '../../shared/events/order-queue-messages';
import { handleOrderQueueMessage } from '../../shared/order-service/queue-dispatch';
import type { OrderServiceDeps } from '../../shared/order-service/context';
import { BrokerReadCache } from '../../shared/order-service/update-confirmation';
import { withDeployProbe } from '../support/deploy-probe';
import { createLogger, parseInput, parseJson } from '../support/handler-support';
import { observed } from '../support/invocation';
import { orderInvocationKeys } from './invocation-keys';

export type OrderHandlerDeps = Omit<OrderServiceDeps, 'workerId'> & { logger: Pick<Logger, 'error' | 'info'> };

export const createOrderHandler =
  (deps: () => OrderHandlerDeps) =>
  async (event: unknown, context: Pick<Context, 'awsRequestId'>): Promise<SQSBatchResponse> => {
    const d = deps();
    const sqsEvent = parseInput(d, 'order', SqsSchema, event);
    // Per batch: updates of one order in the same batch confirm against one broker answer.
    const brokerReads = new BrokerReadCache();
    const handleRecord = async (record: SQSRecord) => {
      const body = parseJson(d, 'order', record.body, 'body');
      const message = parseInput(d, 'order', OrderQueueMessageSchema, body, 'body');
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      return handleOrderQueueMessage({ ...d, brokerReads, workerId: `${context.awsRequestId}/${record.messageId}` }, message, { messageId: record.messageId, receiveCount });
    };
    return processPartialResponse(sqsEvent, handleRecord, new SqsFifoPartialProcessorAsync(), {
      context: context as Context,
      skipGroupOnError: true,
      // Report every record as failed instead of throwing, so one path handles partial and full failure.
      throwOnFullBatchFailure: false,
    });
  };

let awsDeps: OrderHandlerDeps | undefined;
const fromEnvironment = (): OrderHandlerDeps => {
  if (awsDeps) return awsDeps;
  const adapters = awsAdapters();
  awsDeps = {
    ...orderServiceAdapters(adapters),
    telemetry: new PowertoolsTelemetry(),
    leaseMs: ORDER_LEASE_MS,
    logger: createLogger('order'),
  };
  return awsDeps;
};

// Traced, and every log line carries the invocation's correlation id (functions/support/invocation.ts).
export const handler = observed(
  'order',
  orderInvocationKeys,
  withDeployProbe('order', () => ({ broker: () => fromEnvironment().broker.getAccount() }), createOrderHandler(fromEnvironment)),
);
