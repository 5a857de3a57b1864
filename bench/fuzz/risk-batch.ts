// Entry point 6: the risk function as the intent queue invokes it, a batch of one to ten SQS records whose
// bodies are OrderIntended events, sent to the real batch handler over DynamoDB Local and the in-process SQS.
// The handler must report failed exactly the records that are not a valid intent (malformed JSON, one field
// wrong) and take every other one. Accepted: at least one record taken. Rejected: an envelope that is not an
// SQS batch (InvalidInputError naming the field), or every record reported failed; then nothing may be
// written or queued. Anything else thrown, or a wrong record reported, is a crash.
import type { Message } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { createRiskBatchHandler, OrderIntendedEventSchema } from '../../functions/risk/handler';
import { InvalidInputError } from '../../shared/errors/errors';
import { toSqsEvent } from '../../local/sqs-event-source';
import { garbageJson, garbageText, oneFieldWrong } from './mutate';
import { riskFuzzWorld, validRiskEvent } from './risk-event';
import { clearIssues, crashOf, mixOf, type FuzzTarget, type Verdict } from './runner';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:fz-intents';

const batchOf = (bodies: readonly string[]) =>
  toSqsEvent(
    bodies.map((Body, i): Message => ({ MessageId: `m-${i}`, ReceiptHandle: `r-${i}`, Body })),
    QUEUE_ARN,
  );

/** What the handler should report failed: the records whose body is not a valid intent event. */
const malformedIds = (event: unknown): string[] => {
  const records = (event as { Records?: { messageId: string; body: string }[] }).Records ?? [];
  return records
    .filter((r) => {
      try {
        return !OrderIntendedEventSchema.safeParse(JSON.parse(r.body)).success;
      } catch {
        return true;
      }
    })
    .map((r) => r.messageId)
    .sort();
};

const validBatch: fc.Arbitrary<unknown> = fc.array(validRiskEvent, { minLength: 1, maxLength: 10 }).map((events) => batchOf(events.map((e) => JSON.stringify(e))));

/** One to three records, each one field wrong or not JSON at all: a batch that should be taken as nothing. */
const wrongBatch: fc.Arbitrary<{ input: unknown; mutation: string }> = fc
  .array(fc.oneof(oneFieldWrong(validRiskEvent).map(({ input, mutation }) => ({ body: JSON.stringify(input), mutation })), garbageText.map((body) => ({ body, mutation: 'body not JSON' }))), { minLength: 1, maxLength: 3 })
  .map((records) => ({ input: batchOf(records.map((r) => r.body)), mutation: records.map((r) => r.mutation).join('; ') }));

export const riskBatchTarget = async (dynamoEndpoint: string): Promise<FuzzTarget<unknown>> => {
  const world = await riskFuzzWorld(dynamoEndpoint);
  const risk = createRiskBatchHandler(world.deps);
  return {
    name: 'risk-batch',
    arbitrary: mixOf(fc.oneof(garbageJson, garbageJson.map((records) => ({ Records: [records] }))), validBatch, wrongBatch),
    epochSize: 100,
    startEpoch: (n) => world.startEpoch('risk-batch', n),
    send: async (event): Promise<Verdict> => {
      world.tick();
      try {
        const response = await risk(event);
        const failed = response.batchItemFailures.map((f) => f.itemIdentifier).sort();
        const expected = malformedIds(event);
        if (failed.join() !== expected.join()) return { kind: 'crash', error: `reported failed [${failed.join(', ')}], expected [${expected.join(', ')}]` };
        const records = (event as { Records: unknown[] }).Records.length;
        if (failed.length === records) return { kind: 'rejected', error: `every record reported failed (${records})` };
        return { kind: 'accepted', outcome: failed.length === 0 ? 'all taken' : 'some taken' };
      } catch (error) {
        if (error instanceof InvalidInputError) {
          const clear = clearIssues(error.issues);
          if (clear !== undefined) return { kind: 'rejected', error: clear };
        }
        return crashOf(error);
      }
    },
    watch: world.watch,
    close: world.close,
  };
};
