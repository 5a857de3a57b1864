// EventBridge has no local emulator, so the publisher is tested at the SDK boundary with a stubbed client.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeBus } from '../../../adapters/eventbridge/eventbridge-bus';
import { InfrastructureError } from '../../../shared/errors/errors';
import { intended, sized } from '../../support/bus-events';

const eb = mockClient(EventBridgeClient);
const noSleep = () => Promise.resolve();

const intents = (count: number) => Array.from({ length: count }, (_, i) => intended(`i-${i}`));
const detailOf = (entry: { Detail?: string } | undefined) => JSON.parse(entry?.Detail ?? '{}') as { data?: { intentId?: string } };

beforeEach(() => eb.reset());

describe('EventBridge publisher', () => {
  it('sends entries in batches of ten with source, detail type and JSON detail on the named bus', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    await new EventBridgeBus(new EventBridgeClient({}), 'trading-dev', noSleep).publish(intents(23));
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toMatchObject({
      EventBusName: 'trading-dev',
      Source: 'trading.feed',
      DetailType: 'OrderIntended.v1',
    });
    expect(detailOf(calls[0]?.args[0].input.Entries?.[0])).toMatchObject({ data: { intentId: 'i-0' } });
  });

  it('resends only the entries that failed', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { EventId: 'c' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).publish([intended('i-1'), intended('i-2'), intended('i-3')]);
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(detailOf(calls[1]?.args[0].input.Entries?.[0])).toMatchObject({ data: { intentId: 'i-2' } });
  });

  it('gives up with an InfrastructureError that keeps the cause when PutEvents keeps failing', async () => {
    eb.on(PutEventsCommand).rejects(new Error('service unavailable'));
    const error = await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).publish([intended('i-1')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(eb.commandCalls(PutEventsCommand).length).toBeGreaterThan(1);
  });

  it('splits a run of events at 256 KB: entries totalling exactly the limit go in one call, one byte more in two', async () => {
    eb.on(PutEventsCommand).callsFake(acceptAll);
    const quarter = (256 * 1024) / 4;
    const bus = new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep);
    await bus.publish(intents(4).map((event) => sized(event, quarter)));
    expect(entriesPerCall()).toEqual([4]);
    eb.resetHistory();
    await bus.publish(intents(4).map((event, i) => sized(event, i === 3 ? quarter + 1 : quarter)));
    expect(entriesPerCall()).toEqual([3, 1]);
  });

  it('names the error codes when it gives up on entries EventBridge keeps refusing', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    const error = await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).publish(intents(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe('EventBridge kept refusing 1 of 2 entries (ThrottlingException)');
    expect(entriesPerCall()).toEqual([2, 1, 1, 1, 1]);
  });
});

const acceptAll = (input: { Entries: unknown[] }) => ({ FailedEntryCount: 0, Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })) });
const entriesPerCall = () => eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.length);

describe('EventBridge batch bus: one call, answered per entry', () => {
  it('makes exactly one PutEvents call and answers each entry in its position, refusals with their code', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 2,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }, { ErrorCode: 'InternalFailure' }],
    });
    const results = await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).putBatch(intents(4));
    expect(results).toEqual([
      { accepted: true },
      { accepted: false, errorCode: 'ThrottlingException', errorMessage: 'slow down' },
      { accepted: true },
      { accepted: false, errorCode: 'InternalFailure' },
    ]);
    expect(entriesPerCall()).toEqual([4]);
  });

  it('answers an entry EventBridge left without an event id as refused, never as accepted', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a' }] });
    const results = await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).putBatch(intents(2));
    expect(results).toEqual([{ accepted: true }, { accepted: false, errorCode: 'NoAnswer' }]);
  });

  it('rejects with an InfrastructureError that keeps the cause when the call fails, without retrying', async () => {
    const cause = new Error('service unavailable');
    eb.on(PutEventsCommand).rejects(cause);
    const error = await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).putBatch(intents(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).cause).toBe(cause);
    expect(entriesPerCall()).toEqual([2]);
  });

  it('sends exactly ten entries or exactly 256 KB, and refuses one entry or one byte more without calling', async () => {
    eb.on(PutEventsCommand).callsFake(acceptAll);
    const bus = new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep);
    const half = 128 * 1024;
    expect(await bus.putBatch(intents(10))).toHaveLength(10);
    expect(await bus.putBatch([sized(intended('i-1'), half), sized(intended('i-2'), half)])).toHaveLength(2);
    await expect(bus.putBatch(intents(11))).rejects.toThrow(RangeError);
    await expect(bus.putBatch([sized(intended('i-1'), half), sized(intended('i-2'), half + 1)])).rejects.toThrow(RangeError);
    expect(entriesPerCall()).toEqual([10, 2]);
  });

  it('sends nothing for no events', async () => {
    expect(await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).putBatch([])).toEqual([]);
    expect(entriesPerCall()).toEqual([]);
  });
});
