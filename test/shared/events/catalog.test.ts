import { describe, expect, it } from 'vitest';
import { DETAIL_SCHEMAS, DETAIL_TYPES } from '../../../shared/events/catalog';
import { buildMeta } from '../../../shared/events/envelope';
import { OrderIntendedEventDetailSchema } from '../../../shared/events/order-events';
import { intentFor } from '../../support/fixtures';

const meta = (over: Partial<Parameters<typeof buildMeta>[0]> = {}) =>
  buildMeta({
    detailType: DETAIL_TYPES.OrderIntended,
    occurredAt: '2026-11-23T15:00:00.000Z',
    correlationId: 'i-1',
    causationId: 'tick',
    account: 'a',
    strategy: 's',
    producer: 'feed',
    ...over,
  });

describe('event contracts', () => {
  it('versions every detail type', () => {
    for (const type of Object.keys(DETAIL_SCHEMAS)) expect(type).toMatch(/^[A-Z][A-Za-z]+\.v\d+$/);
  });

  it('derives the same event id from the same inputs and a different one from different inputs', () => {
    expect(meta().eventId).toBe(meta().eventId);
    expect(meta().eventId).not.toBe(meta({ causationId: 'other' }).eventId);
    expect(meta().eventId).toMatch(/^evt_[0-9a-f]{32}$/);
  });

  it('refuses a timestamp without milliseconds or outside UTC', () => {
    const schema = DETAIL_SCHEMAS['OrderIntended.v1'];
    expect(schema.safeParse({ meta: meta({ occurredAt: '2026-11-23T15:00:00Z' }), data: intentFor('i-1') }).success).toBe(false);
    expect(schema.safeParse({ meta: meta({ occurredAt: '2026-11-23T15:00:00.000+01:00' }), data: intentFor('i-1') }).success).toBe(false);
    expect(schema.safeParse({ meta: meta(), data: intentFor('i-1') }).success).toBe(true);
  });

  it('refuses an intent whose id would not fit the broker client order id (48 characters)', () => {
    const long = 'x'.repeat(49);
    expect(OrderIntendedEventDetailSchema.safeParse({ meta: meta({ correlationId: long }), data: intentFor(long) }).success).toBe(false);
    const max = 'x'.repeat(48);
    expect(OrderIntendedEventDetailSchema.safeParse({ meta: meta({ correlationId: max }), data: intentFor(max) }).success).toBe(true);
  });

  it('refuses an intent whose correlation id is not its intent id', () => {
    const result = OrderIntendedEventDetailSchema.safeParse({ meta: meta({ correlationId: 'other' }), data: intentFor('i-1') });
    expect(result.error?.issues[0]).toMatchObject({ path: ['meta', 'correlationId'], message: 'must equal data.intentId' });
  });

  it('refuses unknown fields rather than ignoring them', () => {
    const result = OrderIntendedEventDetailSchema.safeParse({ meta: meta(), data: { ...intentFor('i-1'), leverage: '10' } });
    expect(result.success).toBe(false);
  });
});
