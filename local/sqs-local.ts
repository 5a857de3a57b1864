// Runs an in-process SQS (fauxqs) that speaks the real SQS protocol, so the real @aws-sdk/client-sqs is
// used locally and in tests. State is in memory and ends with the process.
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

export interface LocalSqs {
  endpoint: string;
  stop(): Promise<void>;
}

export const startLocalSqs = async (): Promise<LocalSqs> => {
  const server = await startFauxqs({ port: 0, logger: false });
  return { endpoint: server.address, stop: () => server.stop() };
};

export const localSqsClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Creates `<base>.fifo` with a FIFO dead-letter queue, as the CDK stack does (redrive after 5 receives). */
export const createFifoQueues = async (
  client: SQSClient,
  baseName: string,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
): Promise<{ queueUrl: string; dlqUrl: string }> => {
  const safe = baseName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 70);
  const dlq = await client.send(
    new CreateQueueCommand({ QueueName: `${safe}-dlq.fifo`, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } }),
  );
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqAttrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${safe}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'false',
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceiveCount ?? 5,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl ?? '', dlqUrl };
};

/** Creates a standard queue `<base>` with a standard dead-letter queue (redrive after `maxReceiveCount` receives). */
export const createStandardQueues = async (
  client: SQSClient,
  baseName: string,
  options: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number } = {},
): Promise<{ queueUrl: string; queueArn: string; dlqUrl: string }> => {
  const safe = baseName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 70);
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `${safe}-dlq` }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqAttrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: safe,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttrs.Attributes?.QueueArn, maxReceiveCount: options.maxReceiveCount ?? 3 }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl ?? '';
  const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return { queueUrl, queueArn: attrs.Attributes?.QueueArn ?? `arn:aws:sqs:us-east-1:000000000000:${safe}`, dlqUrl };
};
