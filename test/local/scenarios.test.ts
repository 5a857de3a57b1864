// The local scenarios: what each changes about a run (symbols, cash, venue faults, the feed stall, the
// default strategy), everything else being the normal run's.
import { describe, expect, it } from 'vitest';
import { CRYPTO_SYMBOLS, DEFAULT_REFERENCE, DEFAULT_SYMBOLS, RUNAWAY_REFERENCE, RUNAWAY_SYMBOLS } from '../../local/market';
import { resolve } from 'node:path';
import { SCENARIOS, scenarioProfile, strategyPathFor } from '../../local/scenarios';


describe('local scenarios', () => {
  it('runs the normal scenario on the default symbols with a million in cash, a plain venue and a live feed', () => {
    expect(scenarioProfile('normal')).toEqual({ scenario: 'normal', market: 'stocks', symbols: DEFAULT_SYMBOLS, reference: DEFAULT_REFERENCE, startingCash: '1000000', broker: {}, feedFaults: {} });
  });

  it('crashes AAPL 10 % over two seconds, 5 s in, only under flash-crash', () => {
    expect(scenarioProfile('flash-crash').feedFaults).toEqual({ crash: { symbol: 'AAPL', afterMs: 5_000, durationMs: 2_000, fraction: '0.10' } });
    for (const scenario of SCENARIOS.filter((s) => s !== 'flash-crash')) expect(scenarioProfile(scenario).feedFaults).not.toHaveProperty('crash');
  });

  it('trades crypto pairs from two sources under feed-failover (the primary dies) and feed-outage (both die, a 6 s mark limit)', () => {
    expect(scenarioProfile('feed-failover')).toMatchObject({ market: 'crypto', symbols: CRYPTO_SYMBOLS, feedFaults: { primaryDownAfterMs: 5_000 } });
    expect(scenarioProfile('feed-failover').feedFaults).not.toHaveProperty('backupDownAfterMs');
    expect(scenarioProfile('feed-outage')).toMatchObject({ market: 'crypto', maxMarkAgeSeconds: 6, feedFaults: { primaryDownAfterMs: 5_000, backupDownAfterMs: 5_000 } });
    for (const scenario of SCENARIOS.filter((s) => s !== 'feed-failover' && s !== 'feed-outage')) expect(scenarioProfile(scenario).market).toBe('stocks');
  });

  it('gives the runaway scenario its 40 symbols and ten million, so the gross-notional cap binds first', () => {
    expect(scenarioProfile('runaway')).toMatchObject({ symbols: RUNAWAY_SYMBOLS, reference: RUNAWAY_REFERENCE, startingCash: '10000000', broker: {} });
  });

  it('makes the venue fail, lose updates, slice fills and race cancels only under broker-faults and chaos', () => {
    expect(scenarioProfile('broker-faults').broker).toMatchObject({ faults: { rate: 0.2, lostUpdateRate: 0.2 }, cancelRace: 0.3, dedupeClientOrderIds: false });
    expect(scenarioProfile('chaos').broker).toEqual(scenarioProfile('broker-faults').broker);
    for (const scenario of SCENARIOS.filter((s) => s !== 'broker-faults' && s !== 'chaos')) expect(scenarioProfile(scenario).broker).toEqual({});
  });

  it('injects storage, publishing, delivery and handler faults, with a 5 s order lease, only under chaos', () => {
    expect(scenarioProfile('chaos')).toMatchObject({ orderLeaseMs: 5_000, chaos: { storageThrottle: expect.any(Number), transactionConflict: expect.any(Number), publishPartialFailure: expect.any(Number), redelivery: expect.any(Number), handlerDeath: expect.any(Number) } });
    for (const scenario of SCENARIOS.filter((s) => s !== 'chaos')) {
      expect(scenarioProfile(scenario)).not.toHaveProperty('chaos');
      expect(scenarioProfile(scenario)).not.toHaveProperty('orderLeaseMs');
    }
  });

  it('stalls the feed 3 s in and allows a 5 s old heartbeat only under feed-stall', () => {
    expect(scenarioProfile('feed-stall')).toMatchObject({ feedStallAfterMs: 3_000, maxHeartbeatAgeSeconds: 5 });
    for (const scenario of SCENARIOS.filter((s) => s !== 'feed-stall')) {
      expect(scenarioProfile(scenario)).not.toHaveProperty('feedStallAfterMs');
      expect(scenarioProfile(scenario)).not.toHaveProperty('maxHeartbeatAgeSeconds');
    }
  });

  it('trades the runaway strategy under runaway and the sample strategy otherwise, unless a path is named', () => {
    expect(strategyPathFor('runaway', undefined)).toBe(resolve('strategies/runaway.ts'));
    expect(strategyPathFor('normal', undefined)).toBe(resolve('strategies/sample-momentum.ts'));
    expect(strategyPathFor('runaway', 'strategies/sample-momentum.ts')).toBe('strategies/sample-momentum.ts');
  });

  it('runs kill-drill on the steady-flow strategy, with ten drills, short breaker waits and limits that let 30 orders a second through', () => {
    expect(scenarioProfile('kill-drill')).toMatchObject({
      killDrills: 10,
      breakerWaitMs: 600,
      riskConcurrency: 8,
      riskLimits: { orderRate: { maxOrders: 100 }, executionThrottle: { maxFills: 100_000 } },
    });
    expect(strategyPathFor('kill-drill', undefined)).toBe(resolve('strategies/steady-flow.ts'));
    for (const scenario of SCENARIOS.filter((s) => s !== 'kill-drill')) expect(scenarioProfile(scenario)).not.toHaveProperty('killDrills');
  });
});
