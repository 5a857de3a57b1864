// Specification of the intent-flood control in the pre-trade evaluation: the count taken before the decision
// denies one intent past the limit per strategy or per account, raises an INTENT_FLOOD breach once per
// episode while the account can trade, and an intent that could not be counted is denied.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateIntent } from '../../../shared/risk/evaluate';
import { countPlaces, intentBucketStart, INTENT_TIME_TOLERANCE_MS } from '../../../shared/risk/intent-flood';
import { intentFloodIssue, resolveLimits } from '../../../shared/risk/limits';
import { loadEnvironmentConfig } from '../../../shared/config/environments';
import { NOW, generousLimits, riskInputs } from '../../support/risk-inputs';

const flood = { intentFlood: { maxPerStrategyPerSecond: 100, maxPerAccountPerSecond: 200 } };
const counted = (strategy: number, account = strategy) => ({ ok: true as const, bucketStartMs: NOW, account, strategy });

describe('the intent-flood limit', () => {
  it('allows the 100th intent of a strategy in one second and denies the 101st, raising an INTENT_FLOOD breach', () => {
    expect(evaluateIntent(riskInputs({ intentCount: counted(100) }, flood))).toMatchObject({ outcome: 'approved', effects: { breaches: [] } });
    const over = evaluateIntent(riskInputs({ intentCount: counted(101) }, flood));
    expect(over).toMatchObject({ outcome: 'denied', reason: 'INTENT_FLOOD' });
    expect(over.effects.breaches).toEqual([
      expect.objectContaining({ kind: 'INTENT_FLOOD', observed: '101', threshold: '100', idSuffix: 'S20261123T140000Z', reason: expect.stringContaining('strategy test-strategy') }),
    ]);
  });

  it('allows the 200th intent of the account in one second and denies the 201st, whichever strategies sent them', () => {
    expect(evaluateIntent(riskInputs({ intentCount: counted(3, 200) }, flood))).toMatchObject({ outcome: 'approved' });
    const over = evaluateIntent(riskInputs({ intentCount: counted(3, 201) }, flood));
    expect(over).toMatchObject({ outcome: 'denied', reason: 'INTENT_FLOOD', message: expect.stringContaining('the account') });
    expect(over.effects.breaches).toEqual([expect.objectContaining({ kind: 'INTENT_FLOOD', observed: '201', threshold: '200' })]);
  });

  it('names every breach of one episode alike: the moment the account last became tradable', () => {
    const ids = [101, 150, 400].map((n) => evaluateIntent(riskInputs({ intentCount: counted(n), nowMs: NOW + n * 1000 }, flood)).effects.breaches[0]?.idSuffix);
    expect(new Set(ids)).toEqual(new Set(['S20261123T140000Z']));
    const afterRecovery = evaluateIntent(riskInputs({ intentCount: counted(101), tradingStateSince: '2026-11-23T15:10:00.000Z' }, flood));
    expect(afterRecovery.effects.breaches[0]?.idSuffix).toBe('S20261123T151000Z');
  });

  it('denies a flood on a halted account without raising the breach again: the account is stopped already', () => {
    const halted = evaluateIntent(riskInputs({ intentCount: counted(500), tradingState: 'HALTED' }, flood));
    expect(halted).toMatchObject({ outcome: 'denied', reason: 'TRADING_HALTED', failedChecks: expect.arrayContaining(['INTENT_FLOOD']) });
    expect(halted.effects.breaches).toEqual([]);
  });

  it('raises the breach for a flooded intent that other checks deny first, and even when the evaluation fails', () => {
    const stale = evaluateIntent(riskInputs({ intentCount: counted(101), marks: { AAPL: { price: '100', at: '2026-11-23T14:00:00.000Z' } } }, flood));
    expect(stale).toMatchObject({ outcome: 'denied', failedChecks: expect.arrayContaining(['INTENT_FLOOD', 'MARK_STALE']) });
    expect(stale.effects.breaches.map((b) => b.kind)).toEqual(['INTENT_FLOOD']);
    const broken = evaluateIntent(riskInputs({ intentCount: counted(101), book: null as never }, flood));
    expect(broken).toMatchObject({ outcome: 'denied', reason: 'EVALUATION_FAILED', failedChecks: ['INTENT_FLOOD', 'EVALUATION_FAILED'] });
    expect(broken.effects.breaches.map((b) => b.kind)).toEqual(['INTENT_FLOOD']);
  });

  it('applies the defaults’ flood limit when the account override is invalid', () => {
    const decision = evaluateIntent(riskInputs({ intentCount: counted(101), limitsOverride: { maxOrderNotional: 12 } }, flood));
    expect(decision).toMatchObject({ reason: 'INTENT_FLOOD', failedChecks: expect.arrayContaining(['LIMITS_INVALID']) });
    expect(decision.effects.breaches.map((b) => b.kind)).toEqual(['INTENT_FLOOD']);
  });

  it('denies an intent that could not be counted (fail closed), raising nothing', () => {
    const decision = evaluateIntent(riskInputs({ intentCount: { ok: false, error: 'DynamoDB UpdateItem (intent count) failed' } }, flood));
    expect(decision).toMatchObject({ outcome: 'denied', reason: 'INTENT_COUNT_UNAVAILABLE', message: expect.stringContaining('UpdateItem') });
    expect(decision.effects.breaches).toEqual([]);
  });
});

describe('the intent-flood bucket', () => {
  it('counts an intent in the second it was created, or in the second it arrived when its stamp is implausible', () => {
    expect(intentBucketStart(NOW - 1500, NOW)).toBe(NOW - 2000);
    expect(intentBucketStart(NOW - INTENT_TIME_TOLERANCE_MS, NOW)).toBe(NOW - INTENT_TIME_TOLERANCE_MS);
    expect(intentBucketStart(NOW - INTENT_TIME_TOLERANCE_MS - 1, NOW + 250)).toBe(NOW);
    expect(intentBucketStart(NOW + 5_000, NOW)).toBe(NOW);
    expect(intentBucketStart(Number.NaN, NOW + 999)).toBe(NOW);
  });
});

describe('the intent-flood limits', () => {
  it('are in every environment, at or above the order-rate limit', () => {
    for (const env of ['local', 'dev', 'staging', 'prod']) {
      const limits = loadEnvironmentConfig(env).riskLimits;
      expect(intentFloodIssue(limits), env).toBeUndefined();
      expect(limits.intentFlood.maxPerStrategyPerSecond).toBeGreaterThan(limits.orderRate.maxOrders);
    }
  });

  it('refuse an override below the order-rate limit, or a strategy maximum above the account’s, naming the field', () => {
    const defaults = { ...generousLimits, orderRate: { maxOrders: 20, windowMs: 1000, perSymbol: { maxOrders: 10, windowMs: 1000 } } };
    expect(resolveLimits(defaults, { intentFlood: { maxPerStrategyPerSecond: 20, maxPerAccountPerSecond: 40 } })).not.toBeNull();
    expect(resolveLimits(defaults, { intentFlood: { maxPerStrategyPerSecond: 19, maxPerAccountPerSecond: 40 } })).toBeNull();
    expect(resolveLimits(defaults, { intentFlood: { maxPerStrategyPerSecond: 50, maxPerAccountPerSecond: 40 } })).toBeNull();
    expect(intentFloodIssue({ ...defaults, intentFlood: { maxPerStrategyPerSecond: 19, maxPerAccountPerSecond: 40 } })).toMatch(/intentFlood\.maxPerStrategyPerSecond/);
  });
});

describe('intents counted in batches', () => {
  it('gives every intent of batches counted by atomic adds its own place, so exactly one crosses a maximum the total passes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 150 }), (sizes, max) => {
        let total = 0;
        const places = sizes.flatMap((n) => {
          total += n;
          return countPlaces({ bucketStartMs: NOW, account: total, strategy: total }, n).map((p) => p.account);
        });
        expect([...places].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        expect(places.filter((p) => p === max + 1)).toHaveLength(total > max ? 1 : 0);
      }),
    );
  });
});
