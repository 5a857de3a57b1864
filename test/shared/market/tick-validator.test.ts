import { describe, expect, it } from 'vitest';
import { toDecimalString } from '../../../shared/money/fixed';
import type { MarketMessage } from '../../../shared/market/market-message';
import { TickValidator, type TickVerdict } from '../../../shared/market/tick-validator';
import { iso, LIMITS, quote, T0, trade } from './market-fixtures';

const validator = (limits = LIMITS) => new TickValidator(limits, ['AAPL', 'MSFT']);

/** 'accepted', 'quarantined' or the rejection's code. */
const outcome = (verdict: TickVerdict): string => (verdict.outcome === 'rejected' ? verdict.reason : verdict.outcome);

/** Judges the messages in order at `nowMs` with one validator; the outcome of each. */
const judgeAll = (messages: readonly MarketMessage[], nowMs = T0, v = validator()): string[] => messages.map((m) => outcome(v.judge(m, nowMs)));

/** Who may confirm or contradict a held message. */
const CONFIRMING_SOURCES = [
  ['the same source', 'primary'],
  ['the other source', 'backup'],
] as const;

/** A validator that accepted AAPL at 100 and holds a trade at 120 (20 % away) from the primary. */
const holding120 = (held: MarketMessage = trade('120')): TickValidator => {
  const v = validator();
  v.judge(trade('100'), T0);
  expect(outcome(v.judge(held, T0))).toBe('quarantined');
  return v;
};

const judgeOne = (message: MarketMessage, nowMs = T0): string => judgeAll([message], nowMs)[0] ?? '';

describe('tick validator: one message on its own', () => {
  it('accepts a sound quote and stands for its exact mid', () => {
    const verdict = validator().judge(quote({ bidPrice: '100.01', askPrice: '100.02' }), T0);
    expect(verdict.outcome).toBe('accepted');
    if (verdict.outcome === 'accepted') expect(toDecimalString(verdict.price)).toBe('100.015');
  });

  it('stands for the price of a trade', () => {
    const verdict = validator().judge(trade('187.3'), T0);
    expect(verdict.outcome === 'accepted' && toDecimalString(verdict.price)).toBe('187.3');
  });

  it('rejects a symbol nobody subscribed to', () => {
    expect(judgeOne(trade('10', { symbol: 'TSLA' }))).toBe('SYMBOL_UNKNOWN');
  });

  it.each(['0', '-1', '-0.01', 'abc', '', 'NaN', 'Infinity', '1e3', ' 1', '0.0000000000001'])('rejects the price %j as PRICE_INVALID', (price) => {
    expect(judgeOne(trade(price))).toBe('PRICE_INVALID');
    expect(judgeOne(quote({ bidPrice: price }))).toBe('PRICE_INVALID');
    expect(judgeOne(quote({ askPrice: price }))).toBe('PRICE_INVALID');
  });

  it('accepts the smallest positive price the system writes', () => {
    expect(judgeOne(trade('0.000000000001'))).toBe('accepted');
  });

  it.each(['0', '-5', 'x', ''])('rejects the size %j as SIZE_INVALID, on a trade and on either side of a quote', (size) => {
    expect(judgeOne(trade('100', { size }))).toBe('SIZE_INVALID');
    expect(judgeOne(quote({ bidSize: size }))).toBe('SIZE_INVALID');
    expect(judgeOne(quote({ askSize: size }))).toBe('SIZE_INVALID');
    expect(judgeOne(trade('100', { size: '0.000001' }))).toBe('accepted');
  });

  it('rejects a crossed quote and a locked one, and accepts one a tick apart', () => {
    expect(judgeOne(quote({ bidPrice: '100.02', askPrice: '100.01' }))).toBe('QUOTE_CROSSED');
    expect(judgeOne(quote({ bidPrice: '100.01', askPrice: '100.010' }))).toBe('QUOTE_LOCKED');
    expect(judgeOne(quote({ bidPrice: '100.01', askPrice: '100.02' }))).toBe('accepted');
  });

  it('accepts a spread exactly at the limit and rejects one a basis point over', () => {
    // mid 100: 99.50 / 100.50 is 100 bps of it; 99.495 / 100.505 is 101 bps.
    expect(judgeOne(quote({ bidPrice: '99.50', askPrice: '100.50' }))).toBe('accepted');
    expect(judgeOne(quote({ bidPrice: '99.495', askPrice: '100.505' }))).toBe('SPREAD_TOO_WIDE');
    // The limit is taken of the mid, not of the bid: 1 on a mid of 99.999 is just over 100 bps.
    expect(judgeOne(quote({ bidPrice: '99.499', askPrice: '100.499' }))).toBe('SPREAD_TOO_WIDE');
  });

  it.each(['yesterday', '2026-02-30T15:00:00.000Z', '2026-12-03T25:00:00.000Z', ''])('rejects the exchange time %j as TIMESTAMP_INVALID', (at) => {
    expect(judgeOne(trade('100', { at }))).toBe('TIMESTAMP_INVALID');
  });

  it('accepts an exchange time exactly at the future tolerance and rejects one a millisecond further', () => {
    expect(judgeOne(trade('100', { at: iso(T0 + LIMITS.maxFutureSkewMs) }))).toBe('accepted');
    expect(judgeOne(trade('100', { at: iso(T0 + LIMITS.maxFutureSkewMs + 1) }))).toBe('TIMESTAMP_IN_FUTURE');
  });

  it('accepts an exchange time exactly the maximum age old and rejects one a millisecond older', () => {
    expect(judgeOne(trade('100', { at: iso(T0 - LIMITS.maxAgeMs) }))).toBe('accepted');
    expect(judgeOne(trade('100', { at: iso(T0 - LIMITS.maxAgeMs - 1) }))).toBe('TIMESTAMP_TOO_OLD');
  });

  it('reads an exchange time in another ISO form', () => {
    expect(judgeOne(trade('100', { at: '2026-12-03T15:00:00Z' }))).toBe('accepted');
  });
});

describe('tick validator: order per symbol and source', () => {
  it('rejects a message older than the last accepted one of its symbol from the same source, and accepts an equal time', () => {
    const at = (ms: number) => trade('100', { at: iso(ms) });
    expect(judgeAll([at(T0), at(T0), at(T0 - 1)])).toEqual(['accepted', 'accepted', 'OUT_OF_ORDER']);
  });

  it('orders each source and each symbol on its own', () => {
    expect(
      judgeAll([
        trade('100', { at: iso(T0) }),
        trade('100', { at: iso(T0 - 5), source: 'backup' }),
        trade('300', { at: iso(T0 - 5), symbol: 'MSFT' }),
      ]),
    ).toEqual(['accepted', 'accepted', 'accepted']);
  });

  it('lets a rejected message set no order', () => {
    expect(judgeAll([quote({ at: iso(T0), bidPrice: '101' }), quote({ at: iso(T0 - 1) })])).toEqual(['QUOTE_CROSSED', 'accepted']);
  });
});

describe('tick validator: jumps are held until confirmed or contradicted', () => {
  it('accepts a move of exactly the jump fraction and holds one a cent beyond, up and down', () => {
    expect(judgeAll([trade('100'), trade('110')])).toEqual(['accepted', 'accepted']);
    expect(judgeAll([trade('100'), trade('110.01')])).toEqual(['accepted', 'quarantined']);
    expect(judgeAll([trade('100'), trade('90')])).toEqual(['accepted', 'accepted']);
    expect(judgeAll([trade('100'), trade('89.99')])).toEqual(['accepted', 'quarantined']);
  });

  it('measures a quote by its mid against the last accepted price of any source', () => {
    const v = validator();
    expect(outcome(v.judge(trade('100', { source: 'backup' }), T0))).toBe('accepted');
    expect(outcome(v.judge(quote({ bidPrice: '109.99', askPrice: '110.01' }), T0))).toBe('accepted');
    expect(outcome(v.judge(quote({ bidPrice: '121.00', askPrice: '121.04' }), T0))).toBe('quarantined');
  });

  it('accepts the first price of a symbol, which has nothing to jump from', () => {
    expect(judgeAll([trade('5000')])).toEqual(['accepted']);
  });

  it.each(CONFIRMING_SOURCES)('accepts a held message once %s confirms it near the new level, the held one first', (_, source) => {
    const held = trade('120', { tradeId: 'held' });
    const v = holding120(held);
    const confirming = v.judge(trade('132', { source }), T0); // exactly 10 % from 120
    expect(confirming.outcome).toBe('accepted');
    expect(confirming.outcome === 'accepted' && confirming.released?.message).toBe(held);
    expect(v.counts()).toMatchObject({ received: 3, accepted: 3, quarantined: 1, held: 0 });
    expect(v.counts().rejected.PRICE_JUMP).toBe(0);
    // The confirmed level is the new reference.
    expect(outcome(v.judge(trade('125'), T0))).toBe('accepted');
  });

  it.each(CONFIRMING_SOURCES)('rejects a held message as PRICE_JUMP once %s contradicts it, and judges the contradiction against the old level', (_, source) => {
    const v = holding120();
    const contradicting = v.judge(trade('101', { source }), T0);
    expect(contradicting.outcome === 'accepted' && contradicting.released).toBeUndefined();
    expect(outcome(contradicting)).toBe('accepted');
    expect(v.counts()).toMatchObject({ received: 3, accepted: 2, quarantined: 1, held: 0 });
    expect(v.counts().rejected.PRICE_JUMP).toBe(1);
  });

  it('treats a message a cent beyond the fraction of the held level as a contradiction', () => {
    const v = holding120();
    // 132.01 is more than 10 % from 120 (contradiction) and from 100 (a new jump, held in turn).
    expect(outcome(v.judge(trade('132.01'), T0))).toBe('quarantined');
    expect(v.counts()).toMatchObject({ accepted: 1, quarantined: 2, held: 1 });
    expect(v.counts().rejected.PRICE_JUMP).toBe(1);
  });

  it('lets an invalid message neither confirm nor contradict a held one', () => {
    const v = holding120();
    expect(outcome(v.judge(quote({ bidPrice: '121', askPrice: '120' }), T0))).toBe('QUOTE_CROSSED');
    expect(v.counts().held).toBe(1);
  });

  it('rejects a message of the held source older than the held one', () => {
    const v = validator();
    v.judge(trade('100', { at: iso(T0 - 10) }), T0);
    v.judge(trade('120', { at: iso(T0) }), T0);
    expect(outcome(v.judge(trade('121', { at: iso(T0 - 5) }), T0))).toBe('OUT_OF_ORDER');
    expect(outcome(v.judge(trade('121', { at: iso(T0 - 5), source: 'backup' }), T0))).toBe('accepted');
  });

  it('keeps a held message confirmable until it is the maximum age old, and rejects it as PRICE_JUMP after', () => {
    const inTime = holding120(); // exchange time T0
    const lastChance = T0 + LIMITS.maxAgeMs;
    expect(inTime.judge(trade('121', { at: iso(lastChance), source: 'backup' }), lastChance)).toMatchObject({ outcome: 'accepted', released: { price: { m: 120 } } });

    const late = holding120();
    const tooLate = T0 + LIMITS.maxAgeMs + 1;
    const verdict = late.judge(trade('121', { at: iso(tooLate), source: 'backup' }), tooLate);
    expect(outcome(verdict)).toBe('quarantined'); // 121 is a jump from 100, now held in turn
    expect(late.counts().rejected.PRICE_JUMP).toBe(1);

    const swept = holding120();
    swept.expire(T0 + LIMITS.maxAgeMs);
    expect(swept.counts().held).toBe(1);
    swept.expire(T0 + LIMITS.maxAgeMs + 1);
    expect(swept.counts()).toMatchObject({ held: 0, quarantined: 1 });
    expect(swept.counts().rejected.PRICE_JUMP).toBe(1);
  });
});

describe('tick validator: counts', () => {
  it('counts every message once: received is accepted plus rejected plus held', () => {
    const v = validator();
    judgeAll([trade('100'), trade('0'), trade('100', { symbol: 'X' }), trade('150'), quote({ bidPrice: '101', askPrice: '100' })], T0, v);
    const counts = v.counts();
    expect(counts).toMatchObject({ received: 5, accepted: 1, quarantined: 1, held: 1 });
    expect(counts.rejected).toMatchObject({ PRICE_INVALID: 1, SYMBOL_UNKNOWN: 1, QUOTE_CROSSED: 1, PRICE_JUMP: 0 });
  });

  it('hands out a copy of its counts', () => {
    const v = validator();
    const before = v.counts();
    v.judge(trade('0'), T0);
    expect(before.rejected.PRICE_INVALID).toBe(0);
    expect(v.counts().rejected.PRICE_INVALID).toBe(1);
  });

  it('refuses a jump fraction that is not a positive decimal', () => {
    expect(() => new TickValidator({ ...LIMITS, maxJumpFraction: '0' }, ['AAPL'])).toThrow(RangeError);
    expect(() => new TickValidator({ ...LIMITS, maxJumpFraction: 'ten' }, ['AAPL'])).toThrow(RangeError);
  });
});
