// The intents' local way to the risk function: the router sends a queued route's events to its queue in the
// in-process SQS, the consumer hands them over in batches in the SQS event shape, and the router's drain
// waits until the queue's consumer has taken everything (a failed record comes back and is taken again).
import { describe, expect, it } from 'vitest';
import { LocalEventRouter } from '../../local/event-router';
import { LocalIntakeQueue } from '../../local/intake-queue';
import { createStandardQueues } from '../../local/sqs-local';
import { INTENT_ROUTE_ID } from '../../shared/routing/routes';
import { intended } from '../support/bus-events';
import { useLocalSqs } from '../support/sqs';

describe('local intake queue', () => {
  const local = useLocalSqs();

  const intakeFor = async (name: string, invoke: ConstructorParameters<typeof LocalIntakeQueue>[0]['invoke']) => {
    const queues = await createStandardQueues(local.client, name, { visibilityTimeoutSeconds: 1 });
    return new LocalIntakeQueue({ client: local.client, ...queues, batchSize: 10, concurrency: 2, invoke });
  };

  it('takes intents through the queue in batches of at most ten, and drains only once every one was handled', async () => {
    const router = new LocalEventRouter();
    const direct: unknown[] = [];
    router.register('risk', async (e) => void direct.push(e));
    const batches: string[][] = [];
    const intake = await intakeFor('batches', async (event) => {
      batches.push(event.Records.map((r) => (JSON.parse(r.body) as { detail: { data: { intentId: string } } }).detail.data.intentId));
      return { batchItemFailures: [] };
    });
    router.attachQueue(INTENT_ROUTE_ID, intake);
    intake.start();
    await router.publish(Array.from({ length: 35 }, (_, i) => intended(`q-${i}`)));
    await router.drain();
    await intake.stop();
    expect(direct).toEqual([]);
    expect(batches.flat().sort()).toEqual(Array.from({ length: 35 }, (_, i) => `q-${i}`).sort());
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
  });

  it('gives a record reported failed back to the queue, and takes it again before the drain ends', async () => {
    const router = new LocalEventRouter();
    const seen: string[] = [];
    const intake = await intakeFor('retried', async (event) => {
      const failed = event.Records.filter((r) => !seen.includes(r.messageId));
      for (const r of event.Records) seen.push(r.messageId);
      return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    router.attachQueue(INTENT_ROUTE_ID, intake);
    intake.start();
    await router.publish([intended('again-1')]);
    await router.drain();
    await intake.stop();
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(1);
  });

  it('sends nothing to the queue through a disabled route (the kill switch hard stop)', async () => {
    const router = new LocalEventRouter();
    let handled = 0;
    const intake = await intakeFor('stopped', async (event) => {
      handled += event.Records.length;
      return { batchItemFailures: [] };
    });
    router.attachQueue(INTENT_ROUTE_ID, intake);
    router.disableRoute(INTENT_ROUTE_ID);
    intake.start();
    await router.publish([intended('stopped-1')]);
    await router.drain();
    await intake.stop();
    expect(handled).toBe(0);
  });
});
