// The chaos scenario: the injector's seeded decisions and the faults it raises at each boundary (the real SDK
// exception classes, PutEvents' per-entry failures, a second delivery, a dying invocation), and one short real
// run in which every kind is injected and still no intent reaches the broker twice, every fill is booked once
// and reconciliation ends clean.
import { DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException, TransactWriteItemsCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { CHAOS_KINDS, ChaosInjector, injectStorageFaults, type ChaosRates } from '../../local/chaos';
import { chaoticBus, HandlerDied, mortal, mortalPorts, redelivering } from '../../local/chaos-delivery';
import { chaosHooks } from '../../local/chaos-hooks';
import { LocalEventRouter } from '../../local/event-router';
import { LocalReportSchema } from '../../local/report';
import { runSession } from '../../local/session';
import type { DomainEvent } from '../../shared/events/catalog';
import type { Broker } from '../../shared/ports/broker';
import type { EventBus } from '../../shared/ports/event-bus';
import type { OrderStore } from '../../shared/ports/order-store';

const rates = (over: Partial<ChaosRates>): ChaosRates => ({ storageThrottle: 0, transactionConflict: 0, publishPartialFailure: 0, redelivery: 0, handlerDeath: 0, ...over });

const armed = (over: Partial<ChaosRates>, seed = 1): ChaosInjector => {
  const chaos = new ChaosInjector(rates(over), seed);
  chaos.arm();
  return chaos;
};

const decisions = (chaos: ChaosInjector, n: number): boolean[] => Array.from({ length: n }, () => chaos.decide('redelivery'));

/** A client that never reaches a server: whatever the chaos middleware lets through is answered here. */
const offlineClient = (): { client: DynamoDBClient; sent: string[] } => {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const sent: string[] = [];
  client.middlewareStack.add(
    (_next, context) => async () => {
      sent.push(String(context.commandName));
      return { output: { $metadata: {} }, response: {} };
    },
    { step: 'build', name: 'offline' },
  );
  return { client, sent };
};

const transact = (items: number) =>
  new TransactWriteItemsCommand({ TransactItems: Array.from({ length: items }, (_, i) => ({ Put: { TableName: 't', Item: { pk: { S: `p${i}` }, sk: { S: 's' } } } })) });

const sqsEvent = (ids: readonly string[]): SQSEvent =>
  ({
    Records: ids.map((id) => ({ messageId: id, receiptHandle: `rh-${id}`, body: '{}', attributes: { ApproximateReceiveCount: '1' } })),
  }) as unknown as SQSEvent;

describe('chaos injector', () => {
  it('makes the same decisions for the same seed, other ones for another seed, and none before arm() or after disarm()', () => {
    expect(decisions(armed({ redelivery: 0.3 }, 9), 200)).toEqual(decisions(armed({ redelivery: 0.3 }, 9), 200));
    expect(decisions(armed({ redelivery: 0.3 }, 9), 200)).not.toEqual(decisions(armed({ redelivery: 0.3 }, 10), 200));
    const unarmed = new ChaosInjector(rates({ redelivery: 1 }), 1);
    expect(decisions(unarmed, 10)).not.toContain(true);
    unarmed.arm();
    expect(unarmed.decide('redelivery')).toBe(true);
    unarmed.disarm();
    expect(decisions(unarmed, 10)).not.toContain(true);
    expect(unarmed.injected().redelivery).toBe(1);
  });

  it('injects each kind at roughly its rate, and counts exactly what it injected', () => {
    const chaos = armed({ storageThrottle: 0.01, transactionConflict: 0.05, publishPartialFailure: 0.2, redelivery: 0.5, handlerDeath: 0.1 }, 3);
    const hits = Object.fromEntries(CHAOS_KINDS.map((kind) => [kind, Array.from({ length: 20_000 }, () => chaos.decide(kind)).filter(Boolean).length]));
    expect(hits.storageThrottle).toBeGreaterThan(140);
    expect(hits.storageThrottle).toBeLessThan(260);
    expect(hits.transactionConflict).toBeGreaterThan(850);
    expect(hits.transactionConflict).toBeLessThan(1150);
    expect(hits.publishPartialFailure).toBeGreaterThan(3700);
    expect(hits.publishPartialFailure).toBeLessThan(4300);
    expect(hits.redelivery).toBeGreaterThan(9600);
    expect(hits.redelivery).toBeLessThan(10_400);
    expect(hits.handlerDeath).toBeGreaterThan(1850);
    expect(hits.handlerDeath).toBeLessThan(2150);
    expect(chaos.injected()).toEqual(hits);
  });

  it('draws each kind from its own stream: how often one kind is asked never moves another kind’s decisions', () => {
    const alone = armed({ redelivery: 0.3, storageThrottle: 0.3 }, 5);
    const busy = armed({ redelivery: 0.3, storageThrottle: 0.3 }, 5);
    for (let i = 0; i < 500; i++) busy.decide('storageThrottle');
    expect(decisions(busy, 100)).toEqual(decisions(alone, 100));
  });
});

describe('storage faults at the DynamoDB SDK boundary', () => {
  it('throws a real ProvisionedThroughputExceededException before the request is sent', async () => {
    const { client, sent } = offlineClient();
    injectStorageFaults(client, armed({ storageThrottle: 1 }));
    const error = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(sent).toEqual([]);
  });

  it('cancels a TransactWriteItems with a real TransactionCanceledException naming TransactionConflict on one item, before it is sent', async () => {
    const { client, sent } = offlineClient();
    injectStorageFaults(client, armed({ transactionConflict: 1 }));
    const error = await client.send(transact(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const codes = (error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code) ?? [];
    expect(codes).toHaveLength(3);
    expect(codes.filter((c) => c === 'TransactionConflict')).toHaveLength(1);
    expect(codes.filter((c) => c === 'None')).toHaveLength(2);
    expect(sent).toEqual([]);
  });

  it('lets every request through while disarmed, and never conflicts anything but a transaction', async () => {
    const { client, sent } = offlineClient();
    const chaos = new ChaosInjector(rates({ storageThrottle: 1, transactionConflict: 1 }), 1);
    injectStorageFaults(client, chaos);
    await client.send(transact(2));
    chaos.arm();
    const error = await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' }, sk: { S: 'b' } } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(chaos.injected()).toMatchObject({ transactionConflict: 0, storageThrottle: 1 });
    expect(sent).toEqual(['TransactWriteItemsCommand']);
  });
});

const intentEvent = (n: number): DomainEvent =>
  ({
    source: 'trading.strategy',
    detailType: 'TradeIntentProposed.v1',
    detail: { n, meta: { occurredAt: '2026-12-04T12:00:00.000Z' } },
  }) as unknown as DomainEvent;

describe('PutEvents partial failure through the router', () => {
  it('fails some but not all entries of a multi-entry call as PutEvents reports them, and only those reach no route', async () => {
    const router = new LocalEventRouter({ routes: [] });
    const accepted: DomainEvent[] = [];
    router.putBatch = async (events) => {
      accepted.push(...events);
      return events.map(() => ({ accepted: true as const }));
    };
    const bus = chaoticBus(router, armed({ publishPartialFailure: 1 }));
    const results = await bus.putBatch([1, 2, 3, 4, 5, 6].map(intentEvent));
    const failed = results.filter((r) => !r.accepted);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(6);
    for (const r of failed) expect(['ThrottlingException', 'InternalFailure']).toContain(r.accepted ? '' : r.errorCode);
    expect(accepted.map((e) => (e.detail as unknown as { n: number }).n)).toEqual(results.flatMap((r, i) => (r.accepted ? [i + 1] : [])));
    // A single entry is never failed: partial failure needs a batch.
    expect(await bus.putBatch([intentEvent(7)])).toEqual([{ accepted: true }]);
  });

  it('lets publish() resend only the failed entries, so every event is delivered once', async () => {
    const router = new LocalEventRouter({ routes: [] });
    const accepted: number[] = [];
    router.putBatch = async (events) => {
      accepted.push(...events.map((e) => (e.detail as unknown as { n: number }).n));
      return events.map(() => ({ accepted: true as const }));
    };
    const chaos = armed({ publishPartialFailure: 1 });
    await chaoticBus(router, chaos).publish([1, 2, 3, 4].map(intentEvent));
    expect([...accepted].sort()).toEqual([1, 2, 3, 4]);
    expect(chaos.injected().publishPartialFailure).toBeGreaterThan(0);
  });
});

describe('queue deliveries under chaos', () => {
  it('hands one message of a batch to the handler again, its receive count one higher, and answers with the first delivery', async () => {
    const seen: string[][] = [];
    const invoke = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      seen.push(event.Records.map((r) => `${r.messageId}@${r.attributes.ApproximateReceiveCount}`));
      return { batchItemFailures: seen.length === 1 ? [{ itemIdentifier: 'b' }] : [] };
    };
    const response = await redelivering(armed({ redelivery: 1 }), invoke)(sqsEvent(['a', 'b']), 'r1');
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toEqual(['a@1', 'b@1']);
    expect(['a@2', 'b@2']).toContain(seen[1]?.[0]);
  });

  it('kills an invocation after a broker call: every later port call fails and the invocation throws, whatever the handler answered', async () => {
    const chaos = armed({ handlerDeath: 1 });
    const calls: string[] = [];
    const broker = { submitOrder: async () => void calls.push('submit') } as unknown as Broker;
    const orderStore = { recordOrderUpdate: async () => void calls.push('write') } as unknown as OrderStore;
    const bus = { publish: async () => void calls.push('publish') } as EventBus;
    const ports = mortalPorts(chaos, { orderStore, broker, bus });
    // Outside an invocation the ports are the ports as given.
    await ports.broker.submitOrder({} as never);
    expect(calls).toEqual(['submit']);
    const handler = async (): Promise<SQSBatchResponse> => {
      await ports.broker.submitOrder({} as never).catch(() => undefined);
      await ports.orderStore.recordOrderUpdate({} as never).catch(() => undefined);
      return { batchItemFailures: [] };
    };
    await expect(mortal(handler)(sqsEvent(['a']), 'r1')).rejects.toBeInstanceOf(HandlerDied);
    expect(calls).toEqual(['submit', 'submit']);
    expect(chaos.deathsByPoint()).toMatchObject({ afterBrokerCall: 1 });
  });

  it('kills an invocation before or after a store write at its rate', async () => {
    const chaos = armed({ handlerDeath: 0.5 }, 4);
    let writes = 0;
    const orderStore = { recordOrderUpdate: async () => void writes++ } as unknown as OrderStore;
    const ports = mortalPorts(chaos, { orderStore, broker: {} as Broker, bus: {} as EventBus });
    const handler = async (): Promise<SQSBatchResponse> => {
      await ports.orderStore.recordOrderUpdate({} as never);
      return { batchItemFailures: [] };
    };
    for (let i = 0; i < 40; i++) await mortal(handler)(sqsEvent(['a']), `r${i}`).catch(() => undefined);
    const deaths = chaos.deathsByPoint();
    expect(deaths.beforeWrite).toBeGreaterThan(0);
    expect(deaths.afterWrite).toBeGreaterThan(0);
    expect(writes).toBe(40 - deaths.beforeWrite);
  });

  it('leaves every hook the identity outside the chaos scenario', () => {
    const hooks = chaosHooks(undefined, 1);
    const router = new LocalEventRouter({ routes: [] });
    const invoke = async (): Promise<SQSBatchResponse> => ({ batchItemFailures: [] });
    const { client } = offlineClient();
    expect(hooks.injector).toBeUndefined();
    expect(hooks.bus(router)).toBe(router);
    expect(hooks.storageClient(client)).toBe(client);
    expect(hooks.orderInvoke(invoke)).toBe(invoke);
    expect(hooks.intakeInvoke(invoke)).toBe(invoke);
  });
});

describe('chaos scenario', () => {
  it(
    'injects every kind of fault in a short run and still sends no intent twice, books every broker fill once, decides every intent and reconciles clean',
    { timeout: 120_000 },
    async () => {
      const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'), durationMs: 6000, seed: 42, scenario: 'chaos' });
      expect(LocalReportSchema.parse(report)).toBeTruthy();
      const chaos = report.chaos;
      expect(chaos).toBeDefined();
      expect(Object.keys(chaos?.injected ?? {}).sort()).toEqual(['brokerFault', 'handlerDeath', 'publishPartialFailure', 'redelivery', 'storageThrottle', 'transactionConflict']);
      // Each kind named with its count, so a kind that never came up says which.
      for (const [kind, count] of Object.entries(chaos?.injected ?? {})) expect({ kind, injected: count >= 1 }).toEqual({ kind, injected: true });
      expect(chaos?.brokerOrders.total).toBeGreaterThan(0);
      expect(chaos?.brokerOrders.duplicates).toBe(0);
      expect(chaos?.fills.booked).toBe(chaos?.fills.broker);
      expect(chaos?.reconciliation).toEqual({ status: 'clean', breaks: 0 });
      // None lost: every intent the feed published was decided (denied or approved), whatever failed on its way.
      expect(chaos?.intents.published).toBeGreaterThan(0);
      expect(chaos?.intents.decided).toBe(chaos?.intents.published);
      expect(chaos?.ok).toBe(true);
    },
  );
});
