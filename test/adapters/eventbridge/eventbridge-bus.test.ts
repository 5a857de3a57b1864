// EventBridge has no local emulator, so the publisher is tested at the SDK boundary with a stubbed client.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeBus } from '../../../adapters/eventbridge/eventbridge-bus';
import { InfrastructureError } from '../../../shared/errors/errors';
import { DETAIL_TYPES, domainEvent, type DomainEvent } from '../../../shared/events/catalog';
import { buildMeta } from '../../../shared/events/envelope';
import { intentFor } from '../../support/fixtures';

const eb = mockClient(EventBridgeClient);
const noSleep = () => Promise.resolve();

const intended = (i: number): DomainEvent =>
  domainEvent(DETAIL_TYPES.OrderIntended, {
    meta: buildMeta({
      detailType: DETAIL_TYPES.OrderIntended,
      occurredAt: '2026-11-23T15:00:00.000Z',
      correlationId: `i-${i}`,
      causationId: 'tick',
      account: 'a',
      strategy: 's',
      producer: 'feed',
    }),
    data: intentFor(`i-${i}`),
  });

beforeEach(() => eb.reset());

describe('EventBridge publisher', () => {
  it('sends entries in batches of ten with source, detail type and JSON detail on the named bus', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    await new EventBridgeBus(new EventBridgeClient({}), 'trading-dev', noSleep).publish(Array.from({ length: 23 }, (_, i) => intended(i)));
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.args[0].input.Entries?.[0]).toMatchObject({
      EventBusName: 'trading-dev',
      Source: 'trading.feed',
      DetailType: 'OrderIntended.v1',
    });
    expect(JSON.parse(calls[0]?.args[0].input.Entries?.[0]?.Detail ?? '{}')).toMatchObject({ data: { intentId: 'i-0' } });
  });

  it('resends only the entries that failed', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { EventId: 'c' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }] });
    await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).publish([intended(1), intended(2), intended(3)]);
    const calls = eb.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[1]?.args[0].input.Entries?.[0]?.Detail ?? '{}')).toMatchObject({ data: { intentId: 'i-2' } });
  });

  it('gives up with an InfrastructureError that keeps the cause when PutEvents keeps failing', async () => {
    eb.on(PutEventsCommand).rejects(new Error('service unavailable'));
    const error = await new EventBridgeBus(new EventBridgeClient({}), 'bus', noSleep).publish([intended(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(eb.commandCalls(PutEventsCommand).length).toBeGreaterThan(1);
  });
});
