// The risk function against DynamoDB Local and an in-process SQS reached through the real SQS client.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { createRiskHandler } from '../../../functions/risk/handler';
import { InvalidInputError } from '../../../shared/errors/errors';
import { METRICS } from '../../../shared/telemetry/metrics';
import { ACCOUNT, intendedEvent, intentFor, scanAll, testLimits } from '../../support/fixtures';
import { pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();
let risk: ReturnType<typeof createRiskHandler>;

beforeEach(() => {
  risk = pipelineRisk(f, { defaults: testLimits({ maxOrderNotional: '10000', orderRate: { maxOrders: 2, windowMs: 1000, perSymbol: { maxOrders: 2, windowMs: 1000 } } }) });
});

const receiveAll = async () => {
  const out = await f.sqsClient.send(
    new ReceiveMessageCommand({ QueueUrl: f.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return out.Messages ?? [];
};

describe('risk function', () => {
  it('queues an approved order grouped by account#symbol and deduplicated by intent id', async () => {
    await expect(risk(intendedEvent(intentFor('i-1')))).resolves.toMatchObject({ outcome: 'approved' });
    const [message, ...rest] = await receiveAll();
    expect(rest).toHaveLength(0);
    expect(message?.Attributes).toMatchObject({ MessageGroupId: `${ACCOUNT}#AAPL`, MessageDeduplicationId: 'i-1' });
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({ type: 'OrderApproved.v1', detail: { data: { intent: { intentId: 'i-1' }, notional: '1000' } } });
    expect(f.bus.ofType('OrderApproved.v1')).toHaveLength(1);
  });

  it('denies an order when trading is halted, publishes the coded reason and queues nothing', async () => {
    await f.seeder.putTradingState(ACCOUNT, 'HALTED', 'test', '2026-11-23T14:30:00.000Z');
    await expect(risk(intendedEvent(intentFor('i-2')))).resolves.toMatchObject({ outcome: 'denied', reason: 'TRADING_HALTED' });
    expect(await receiveAll()).toHaveLength(0);
    expect(f.bus.ofType('OrderDenied.v1')[0]?.detail).toMatchObject({ data: { reason: 'TRADING_HALTED', stage: 'pre-trade' } });
    expect(f.telemetry.countOf(METRICS.decision, { outcome: 'denied', reason: 'TRADING_HALTED' })).toBe(1);
  });

  it('denies the order past the per-account rate limit instead of queueing it', async () => {
    await risk(intendedEvent(intentFor('r-1', { quantity: '1' })));
    await risk(intendedEvent(intentFor('r-2', { quantity: '2' })));
    await expect(risk(intendedEvent(intentFor('r-3', { quantity: '3' })))).resolves.toMatchObject({ reason: 'RATE_LIMIT_EXCEEDED' });
    f.clock.advance(1000);
    await expect(risk(intendedEvent(intentFor('r-4', { quantity: '4' })))).resolves.toMatchObject({ outcome: 'approved' });
  });

  it('denies an order repeating the symbol, side and size of one approved moments ago', async () => {
    await expect(risk(intendedEvent(intentFor('d-1')))).resolves.toMatchObject({ outcome: 'approved' });
    await expect(risk(intendedEvent(intentFor('d-2')))).resolves.toMatchObject({ reason: 'DUPLICATIVE_ORDER' });
  });

  it('decides a redelivered intent once: one audit entry, one queued message', async () => {
    const event = intendedEvent(intentFor('dup-1'));
    await risk(event);
    await expect(risk(event)).resolves.toMatchObject({ outcome: 'approved', replayed: true });
    const items = await scanAll(f.client, f.tableName);
    expect(items.filter((i) => (i.type as { S: string } | undefined)?.S === 'AUDIT')).toHaveLength(1);
    expect(await receiveAll()).toHaveLength(1);
  });

  it('records the decision in the audit trail with the intent id as correlation id', async () => {
    await risk(intendedEvent(intentFor('aud-1', { quantity: '1000' })));
    const audit = (await scanAll(f.client, f.tableName)).filter((i) => (i.type as { S: string } | undefined)?.S === 'AUDIT');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ correlationId: { S: 'aud-1' }, kind: { S: 'RISK_DECISION' }, actor: { S: 'risk' } });
    expect(JSON.stringify(audit[0])).toContain('ORDER_NOTIONAL_EXCEEDED');
  });

  describe('rejects bad input naming the field and the rule, counts it and changes nothing', () => {
    const cases: [string, () => unknown, RegExp][] = [
      ['a malformed event', () => 'not an event', /\(root\)/],
      ['an unknown detail type', () => ({ ...intendedEvent(intentFor('b-1')), 'detail-type': 'OrderTeleported.v1' }), /detail-type: must be OrderIntended\.v1/],
      [
        'a missing field',
        () => {
          const event = intendedEvent(intentFor('b-2'));
          delete (event.detail as { data: Record<string, unknown> }).data.quantity;
          return event;
        },
        /detail\.data\.quantity/,
      ],
      ['a negative quantity', () => intendedEvent(intentFor('b-3', { quantity: '-5' })), /detail\.data\.quantity: must be greater than zero/],
      ['a float quantity', () => intendedEvent(intentFor('b-4', { quantity: 1.5 as unknown as string })), /detail\.data\.quantity: must be a decimal string/],
      ['a quantity that is not a number at all', () => intendedEvent(intentFor('b-6', { quantity: '<script>' })), /detail\.data\.quantity: must be a decimal string/],
      ['a limit order without a price', () => intendedEvent(intentFor('b-5', { orderType: 'limit' })), /detail\.data\.limitPrice: is required for a limit order/],
    ];
    it.each(cases)('%s', async (_name, build, expected) => {
      const before = await scanAll(f.client, f.tableName);
      const error = await risk(build()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(expected);
      expect(f.telemetry.countOf(METRICS.invalidInput, { function: 'risk', field: (error as InvalidInputError).issues[0]?.path ?? '' })).toBe(1);
      expect(await scanAll(f.client, f.tableName)).toEqual(before);
      expect(await receiveAll()).toHaveLength(0);
    });
  });
});
