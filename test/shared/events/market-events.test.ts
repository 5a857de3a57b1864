import { describe, expect, it } from 'vitest';
import { DETAIL_SCHEMAS, DETAIL_TYPES, domainEvent } from '../../../shared/events/catalog';
import { marketSourceSwitchedDetail, type MarketSourceSwitchedInput } from '../../../shared/events/market-events';

const AT = Date.parse('2026-12-03T15:00:05.000Z');
const input = (over: Partial<MarketSourceSwitchedInput> = {}): MarketSourceSwitchedInput => ({
  account: 'paper-1',
  feedId: 'feed-1',
  from: 'alpaca-iex',
  to: 'coinbase',
  reason: 'SOURCE_SILENT',
  atMs: AT,
  ...over,
});
const schema = DETAIL_SCHEMAS[DETAIL_TYPES.MarketSourceSwitched];

describe('MarketSourceSwitched.v1', () => {
  it('describes a switch as an event of the feed that the catalog accepts', () => {
    const event = domainEvent(DETAIL_TYPES.MarketSourceSwitched, marketSourceSwitchedDetail(input()));
    expect(event.source).toBe('trading.feed');
    expect(schema.parse(event.detail).data).toEqual({
      feedId: 'feed-1',
      from: 'alpaca-iex',
      to: 'coinbase',
      reason: 'SOURCE_SILENT',
      switchedAt: '2026-12-03T15:00:05.000Z',
    });
  });

  it('names no source on the side where there was none', () => {
    expect(schema.parse(marketSourceSwitchedDetail(input({ to: undefined }))).data.to).toBeNull();
    expect(schema.parse(marketSourceSwitchedDetail(input({ from: undefined, reason: 'SOURCE_RECOVERED' }))).data.from).toBeNull();
  });

  it('derives the same event id from the same switch and another from another', () => {
    const id = marketSourceSwitchedDetail(input()).meta.eventId;
    expect(marketSourceSwitchedDetail(input()).meta.eventId).toBe(id);
    expect(marketSourceSwitchedDetail(input({ atMs: AT + 1 })).meta.eventId).not.toBe(id);
    expect(marketSourceSwitchedDetail(input({ feedId: 'feed-2' })).meta.eventId).not.toBe(id);
  });

  it('refuses a switch to the same source, an unknown reason and unknown fields', () => {
    const detail = marketSourceSwitchedDetail(input());
    expect(schema.safeParse({ ...detail, data: { ...detail.data, to: detail.data.from } }).success).toBe(false);
    expect(schema.safeParse({ ...detail, data: { ...detail.data, to: null, from: null } }).success).toBe(false);
    expect(schema.safeParse({ ...detail, data: { ...detail.data, reason: 'BORED' } }).success).toBe(false);
    expect(schema.safeParse({ ...detail, data: { ...detail.data, note: 'x' } }).success).toBe(false);
  });
});
