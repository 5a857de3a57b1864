// The local scenarios: what each changes about a run (symbols, cash, venue faults, the feed stall, the
// default strategy), everything else being the normal run's.
import { describe, expect, it } from 'vitest';
import { DEFAULT_REFERENCE, DEFAULT_SYMBOLS, RUNAWAY_REFERENCE, RUNAWAY_SYMBOLS } from '../../local/market';
import { SCENARIOS, scenarioProfile, strategyFor } from '../../local/scenarios';

const options = { seed: 1, symbols: ['AAPL'] };

describe('local scenarios', () => {
  it('runs the normal scenario on the default symbols with a million in cash, a plain venue and a live feed', () => {
    expect(scenarioProfile('normal')).toEqual({ scenario: 'normal', symbols: DEFAULT_SYMBOLS, reference: DEFAULT_REFERENCE, startingCash: '1000000', broker: {} });
  });

  it('gives the runaway scenario its 40 symbols and ten million, so the gross-notional cap binds first', () => {
    expect(scenarioProfile('runaway')).toMatchObject({ symbols: RUNAWAY_SYMBOLS, reference: RUNAWAY_REFERENCE, startingCash: '10000000', broker: {} });
  });

  it('makes the venue fail, lose updates, slice fills and race cancels only under broker-faults', () => {
    expect(scenarioProfile('broker-faults').broker).toMatchObject({ faults: { rate: 0.2, lostUpdateRate: 0.2 }, cancelRace: 0.3, dedupeClientOrderIds: false });
    for (const scenario of SCENARIOS.filter((s) => s !== 'broker-faults')) expect(scenarioProfile(scenario).broker).toEqual({});
  });

  it('stalls the feed 3 s in and allows a 5 s old heartbeat only under feed-stall', () => {
    expect(scenarioProfile('feed-stall')).toMatchObject({ feedStallAfterMs: 3_000, maxHeartbeatAgeSeconds: 5 });
    for (const scenario of SCENARIOS.filter((s) => s !== 'feed-stall')) {
      expect(scenarioProfile(scenario)).not.toHaveProperty('feedStallAfterMs');
      expect(scenarioProfile(scenario)).not.toHaveProperty('maxHeartbeatAgeSeconds');
    }
  });

  it('trades the runaway strategy under runaway and the sample strategy otherwise, unless a path is named', async () => {
    expect((await strategyFor('runaway', undefined, options)).name).toBe('runaway');
    expect((await strategyFor('normal', undefined, options)).name).toBe('sample-momentum');
    expect((await strategyFor('runaway', 'strategies/sample-momentum.ts', options)).name).toBe('sample-momentum');
  });
});
