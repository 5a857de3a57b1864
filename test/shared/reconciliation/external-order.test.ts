import { describe, expect, it } from 'vitest';
import { IntentIdSchema } from '../../../shared/events/ids';
import { externalIntentId, externalOrderRecord } from '../../../shared/reconciliation/external-order';
import type { BrokerOrder } from '../../../shared/broker/broker-order';

const brokerOrder = (over: Partial<BrokerOrder> = {}): BrokerOrder => ({
  clientOrderId: 'manual-1',
  brokerOrderId: 'b-1',
  symbol: 'AAPL',
  side: 'buy',
  quantity: '10',
  orderType: 'market',
  timeInForce: 'day',
  status: 'accepted',
  filledQuantity: '0',
  submittedAt: '2026-11-23T14:00:00.000Z',
  updatedAt: '2026-11-23T14:00:00.000Z',
  ...over,
});

const AT = '2026-11-23T15:00:00.000Z';

describe('external intent id', () => {
  it('keeps a client order id that is a valid intent id', () => {
    expect(externalIntentId(brokerOrder())).toBe('manual-1');
  });

  it('uses ext-<broker order id> when the client order id is not a valid intent id', () => {
    expect(externalIntentId(brokerOrder({ clientOrderId: 'manual order #1' }))).toBe('ext-b-1');
    expect(externalIntentId(brokerOrder({ clientOrderId: 'x'.repeat(49) }))).toBe('ext-b-1');
  });

  it('falls back to a digest of the broker order id, never a truncation, when ext-<id> would not be valid', () => {
    const long = { clientOrderId: '', brokerOrderId: `${'a'.repeat(45)}-1` };
    const other = { clientOrderId: '', brokerOrderId: `${'a'.repeat(45)}-2` };
    expect(IntentIdSchema.safeParse(externalIntentId(long)).success).toBe(true);
    expect(externalIntentId(long)).not.toBe(externalIntentId(other));
    expect(externalIntentId({ clientOrderId: '', brokerOrderId: 'id with spaces' })).toMatch(/^ext_[0-9a-f]{32}$/);
  });

  it('is the same on every run for the same broker order', () => {
    const order = brokerOrder({ clientOrderId: '?', brokerOrderId: 'b/7' });
    expect(externalIntentId(order)).toBe(externalIntentId(structuredClone(order)));
  });
});

describe('external order record', () => {
  it('builds an open external order with nothing booked and its whole size in flight', () => {
    const built = externalOrderRecord('acct-1', brokerOrder({ status: 'partially_filled', filledQuantity: '4' }), AT);
    expect(built).toEqual({
      ok: true,
      order: {
        account: 'acct-1',
        strategy: 'external',
        intent: { intentId: 'manual-1', symbol: 'AAPL', side: 'buy', quantity: '10', orderType: 'market', timeInForce: 'day', createdAt: '2026-11-23T14:00:00.000Z' },
        status: 'PARTIALLY_FILLED',
        brokerOrderId: 'b-1',
        filledQuantity: '0',
        filledNotional: '0',
        // The 4 filled are not booked yet: booking them releases them, leaving the remaining 6.
        inFlight: '10',
        origin: 'external',
        createdAt: '2026-11-23T14:00:00.000Z',
        updatedAt: AT,
        version: 1,
      },
    });
  });

  it('keeps a limit order its limit price', () => {
    const built = externalOrderRecord('acct-1', brokerOrder({ orderType: 'limit', limitPrice: '95.5' }), AT);
    expect(built).toMatchObject({ ok: true, order: { intent: { orderType: 'limit', limitPrice: '95.5' } } });
  });

  it('dates the record from the broker submission (fills are fetched from there), in canonical form', () => {
    const built = externalOrderRecord('acct-1', brokerOrder({ submittedAt: '2026-11-23T14:00:00.123456Z' }), AT);
    expect(built).toMatchObject({ ok: true, order: { createdAt: '2026-11-23T14:00:00.123Z' } });
  });

  it('refuses, naming the field, an order that cannot be a valid intent', () => {
    expect(externalOrderRecord('acct-1', brokerOrder({ symbol: 'lower' }), AT)).toEqual({ ok: false, why: expect.stringMatching(/^symbol: /) });
    expect(externalOrderRecord('acct-1', brokerOrder({ orderType: 'limit' }), AT)).toEqual({ ok: false, why: expect.stringMatching(/limitPrice/) });
  });
});
