// Specification of `npm start -- --scenario stress` (MiFID II RTS 6 art. 10): twice the configured peak driven
// at the pipeline with the guard and flood limit above it and the order-rate limit as configured, the account
// halted at two-thirds of the run, and a report of the decisions sustained, their latency, the backlog, the
// marks' age and the orders after the halt. The end-to-end run is short and at a low peak; its rates and
// latencies are figures of the 60 s `npm start` run (docs/stress.md), not asserted here (timing).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { LocalReportSchema } from '../../local/report';
import { scenarioProfile, strategyPathFor } from '../../local/scenarios';
import { runSession } from '../../local/session';
import { perSecond } from '../../local/stress';
import { stressFailure, type StressFigures } from '../../local/stress-figures';
import createStressFlow, { MAX_CATCH_UP_MS } from '../../strategies/stress-flow';
import type { StrategyOrder } from '../../shared/strategy/strategy';

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'];
const ticks = SYMBOLS.map((symbol) => ({ symbol, price: '100.00', at: '2026-01-05T15:00:00.000Z' }));

/** Runs the strategy on a tick every `everyMs` from 0 to `untilMs`, collecting what it proposes. */
const drive = (options: { seed: number; intentsPerSecond: number }, times: readonly number[]): StrategyOrder[] => {
  const strategy = createStressFlow({ ...options, symbols: SYMBOLS });
  return times.flatMap((nowMs) => strategy.onTicks(ticks, { nowMs } as never) as StrategyOrder[]);
};
const every = (everyMs: number, untilMs: number): number[] => Array.from({ length: untilMs / everyMs + 1 }, (_, i) => i * everyMs);

describe('the stress-flow strategy', () => {
  it('proposes exactly its rate, round-robin over the priced symbols, buying and selling each in turn', () => {
    const orders = drive({ seed: 1, intentsPerSecond: 200 }, every(100, 10_000));
    // The first tick counts as 100 ms: 101 ticks of 100 ms each are 10.1 s at 200 a second.
    expect(orders).toHaveLength(2020);
    expect(orders.slice(0, 6).map((o) => `${o.symbol} ${o.side}`)).toEqual(['AAPL buy', 'MSFT buy', 'NVDA buy', 'AAPL sell', 'MSFT sell', 'NVDA sell']);
    expect(orders.every((o) => o.orderType === 'market' && /^[1-9]\d*$/.test(o.quantity) && Number(o.quantity) <= 100)).toBe(true);
  });

  it('draws the same sizes from the same seed and other sizes from another', () => {
    const sizes = (seed: number) => drive({ seed, intentsPerSecond: 200 }, every(100, 2_000)).map((o) => o.quantity);
    expect(sizes(7)).toEqual(sizes(7));
    expect(sizes(7)).not.toEqual(sizes(8));
  });

  it('never bursts to catch up after a stall: a late tick proposes at most 200 ms worth', () => {
    const orders = drive({ seed: 1, intentsPerSecond: 200 }, [0, 100, 2_100]);
    expect(orders).toHaveLength(20 + 20 + (200 * MAX_CATCH_UP_MS) / 1000);
  });
});

describe('the stress scenario', () => {
  it('drives twice the environment peak with the guard and flood limit at 2.5 times it and the order rate as configured, its ORDER_RATE breach off', () => {
    const environment = loadEnvironmentConfig('dev');
    expect(environment.load.peakIntentsPerSecond).toBe(250);
    const profile = scenarioProfile('stress', environment);
    expect(profile).toMatchObject({
      stress: { peakIntentsPerSecond: 250, intentsPerSecond: 500, haltAtFraction: 2 / 3 },
      breakerWaitMs: 600_000,
      strategyOptions: { intentsPerSecond: 500 },
      runawayGuard: { maxIntents: 625, windowMs: 1000 },
      riskLimits: {
        intentFlood: { maxPerStrategyPerSecond: 625, maxPerAccountPerSecond: 1250 },
        orderRate: { ...environment.riskLimits.orderRate, breakerAfterSaturatedWindows: 0 },
      },
    });
    expect(strategyPathFor('stress', undefined)).toBe(resolve('strategies/stress-flow.ts'));
  });

  it('reads the local peak when no environment is named', () => {
    expect(scenarioProfile('stress').stress?.peakIntentsPerSecond).toBe(loadEnvironmentConfig('local').load.peakIntentsPerSecond);
  });
});

const passing: StressFigures = {
  peakIntentsPerSecond: 100,
  targetIntentsPerSecond: 200,
  runawayGuard: { maxIntents: 250, windowMs: 1000 },
  intentFloodPerStrategyPerSecond: 250,
  orderRate: { maxOrders: 20, windowMs: 1000 },
  driveMs: 60_000,
  intentsProposed: 12_000,
  intentsPublished: 12_000,
  proposedPerSecond: 200,
  decisions: 12_000,
  decidedDuringDrive: 6_000,
  decisionSpanMs: 90_000,
  sustainedDecisionsPerSecond: 133.3,
  ratioToTarget: 0.67,
  decisionLatencyMs: { p50: 5_000, p99: 9_000, max: 9_500 },
  backlogAtDriveEnd: { visible: 4_000, inFlight: 80 },
  marks: { oldestAgeMs: 1_500, limitMs: 5_000, samples: 240 },
  deniedByReason: { RATE_LIMIT_EXCEEDED: 900, INTENT_EXPIRED: 8_000, TRADING_HALTED: 2_000 },
  deniedMarkStale: 0,
  deniedIntentExpired: 8_000,
  halt: { plannedAfterMs: 40_000, haltedAfterMs: 40_100, haltedForMs: null, ordersAfterHalt: 0 },
  cores: 2,
  note: '',
};

describe('what fails a stress run', () => {
  it('passes a run below twice the peak with a backlog and expired intents: those are measurements', () => {
    expect(stressFailure(passing)).toBeUndefined();
  });

  it('fails on an order after the halt, a MARK_STALE denial, no denial at all, or no halt, naming which', () => {
    expect(stressFailure({ ...passing, halt: { ...passing.halt, ordersAfterHalt: 1 } })).toBe('1 order(s) started towards the broker after the halt under load');
    expect(stressFailure({ ...passing, deniedMarkStale: 3 })).toBe('3 intent(s) denied MARK_STALE under load: the marks went stale');
    expect(stressFailure({ ...passing, deniedByReason: {} })).toBe('no intent was denied under twice the peak: the controls did not act');
    expect(stressFailure({ ...passing, halt: { ...passing.halt, haltedAfterMs: null, ordersAfterHalt: null } })).toMatch(/^the stress run never halted the account/);
  });

  it('measures a rate over a span in ms, and none over an empty span', () => {
    expect(perSecond(300, 1_500)).toBe(200);
    expect(perSecond(5, 0)).toBe(0);
  });
});

describe('npm start -- --scenario stress', () => {
  it('refuses a --duration under 60 s with exit code 64, naming the flag', { timeout: 60_000 }, async () => {
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      execFile(process.execPath, [tsx, 'local/main.ts', '--scenario', 'stress', '--duration', '10'], { timeout: 50_000 }, (error, _stdout, err) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr: err });
      });
    });
    expect(stderr.split('\n')[0]).toBe('--duration: the stress scenario runs at least 60 s (twice the peak for a minute), got "10"');
    expect(code).toBe(64);
  });

  it('keeps every control acting under twice a (lowered) peak: denials by reason, fresh marks, a halt, and nothing sent after it', { timeout: 120_000 }, async () => {
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'), durationMs: 8000, seed: 5, scenario: 'stress', peakIntentsPerSecond: 20 });
    expect(LocalReportSchema.parse(report)).toBeTruthy();
    const stress = report.stress;
    expect(stress).toMatchObject({ peakIntentsPerSecond: 20, targetIntentsPerSecond: 40, runawayGuard: { maxIntents: 50 }, intentFloodPerStrategyPerSecond: 50, orderRate: { maxOrders: 20 } });
    expect(report.intentsRefusedBySource).toBe(0);
    expect(stress?.intentsProposed).toBeGreaterThan(0);
    expect(stress?.decisions).toBeGreaterThan(0);
    expect(stress?.sustainedDecisionsPerSecond).toBeGreaterThan(0);
    expect(stress?.decisionLatencyMs.p99).toBeGreaterThanOrEqual(stress?.decisionLatencyMs.p50 ?? Infinity);
    expect(stress?.backlogAtDriveEnd).toEqual({ visible: expect.any(Number), inFlight: expect.any(Number) });
    expect(stress?.marks.samples).toBeGreaterThan(0);
    expect(stress?.marks.oldestAgeMs).not.toBeNull();
    // The controls acted: the order rate denied what the account may not send, and HALTED everything after the halt.
    expect(stress?.deniedByReason.RATE_LIMIT_EXCEEDED).toBeGreaterThan(0);
    expect(stress?.deniedByReason.TRADING_HALTED).toBeGreaterThan(0);
    expect(stress?.deniedMarkStale).toBe(0);
    expect(stress?.halt.haltedAfterMs).not.toBeNull();
    // The breaker's cooldown outlasts the run: HALTED holds through its last third, under load.
    expect(stress?.halt.haltedForMs).toBeNull();
    expect(stress?.halt.ordersAfterHalt).toBe(0);
    expect(report.ordersAfterHalt).toBe(0);
    expect(stressFailure(stress as StressFigures)).toBeUndefined();
    expect(report.breakerExecutions.map((e) => e.name)).toEqual([expect.stringMatching(/^MANUAL\.paper-1\.stress-/)]);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: 0 });
  });
});
