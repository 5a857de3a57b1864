// One in-process SQS per test file, with a real SQS client pointed at it (started before the file's tests,
// stopped after them).
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { localSqsClientConfig, startLocalSqs, type LocalSqs } from '../../local/sqs-local';

export const useLocalSqs = (): { client: SQSClient } => {
  const handle = {} as { client: SQSClient };
  let sqs: LocalSqs | undefined;
  beforeAll(async () => {
    sqs = await startLocalSqs();
    handle.client = new SQSClient(localSqsClientConfig(sqs.endpoint));
  });
  afterAll(async () => {
    handle.client?.destroy();
    await sqs?.stop();
  });
  return handle;
};
