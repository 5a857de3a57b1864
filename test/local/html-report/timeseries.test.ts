// The visual report's data: one sample of the ledger at the marks, the sampler's start and stop, the
// trading-state timeline from the audit trail, and the latency histogram.
import { describe, expect, it } from 'vitest';
import { auditEntry, type AuditEntry } from '../../../shared/audit/audit-entry';
import type { AccountBook } from '../../../shared/ledger/account-book';
import type { Position } from '../../../shared/ledger/position';
import { latencyHistogram, sampleOf, timelineOf, TimeSeriesSampler, VisualReportDataSchema, type SampleSources } from '../../../local/html-report/timeseries';

const position = (symbol: string, quantity: string, costBasis: string, realizedPnl = '0'): Position => ({ symbol, quantity, costBasis, realizedPnl, version: 1 });
const mark = (price: string) => ({ price, at: '2026-11-23T15:00:00.000Z' });
/** The account book: cash and each symbol's quantity in one item. */
const book = (cash: string, quantities: Record<string, string>): AccountBook => ({
  cash,
  positions: Object.fromEntries(Object.entries(quantities).map(([symbol, quantity]) => [symbol, { quantity, inFlightBuy: '0', inFlightSell: '0' }])),
});

describe('one sample', () => {
  it('values equity as the book\'s cash plus its positions at the marks, exactly, with gross exposure counting shorts', () => {
    const positions = [position('AAPL', '10', '1500.10', '3.3'), position('MSFT', '-2', '-800'), position('TSLA', '0', '0', '-1')];
    const marks = { AAPL: mark('151.01'), MSFT: mark('410.5') };
    const sample = sampleOf(500, book('1000000.01', { AAPL: '10', MSFT: '-2', TSLA: '0' }), positions, marks, '2400');
    expect(sample).toEqual({
      t: 500,
      equity: '1000689.11', // 1,000,000.01 + 1,510.10 − 821
      realizedPnl: '2.3',
      unrealizedPnl: '-11', // 1,510.10 − 1,500.10 + (−821 + 800)
      grossExposure: '2331.1',
      venueGrossExposure: '2400',
    });
  });

  it('leaves equity, unrealized P&L and exposure unknown while a position has no mark', () => {
    const sample = sampleOf(0, book('1000', { AAPL: '10' }), [position('AAPL', '10', '1500')], {}, '0');
    expect(sample).toMatchObject({ equity: null, unrealizedPnl: null, grossExposure: null, realizedPnl: '0' });
  });
});

describe('the sampler', () => {
  const sources = (overrides: Partial<SampleSources> = {}): SampleSources => ({
    book: async () => book('900', { AAPL: '1' }),
    positions: async () => [position('AAPL', '1', '100')],
    marks: async () => ({ AAPL: mark('101') }),
    venueGrossExposure: () => '101',
    ...overrides,
  });

  it('samples once when started and once more when stopped, timed from the run\'s start', async () => {
    let now = 1_000;
    const sampler = new TimeSeriesSampler(sources(), { startedMs: 1_000, everyMs: 3_600_000, now: () => now }).start();
    now = 1_750;
    const samples = await sampler.stop();
    expect(samples.map((s) => [s.t, s.equity])).toEqual([
      [0, '1001'],
      [750, '1001'],
    ]);
    // Stopping again takes nothing more.
    expect(await sampler.stop()).toHaveLength(2);
  });

  it('counts a sample whose read failed instead of failing the run', async () => {
    const sampler = new TimeSeriesSampler(sources({ marks: async () => Promise.reject(new Error('table gone')) }), { startedMs: 0, everyMs: 3_600_000 }).start();
    expect(await sampler.stop()).toEqual([]);
    expect(sampler.failures).toBe(2);
  });
});

const START = Date.parse('2026-11-23T15:00:00.000Z');
const at = (ms: number): string => new Date(START + ms).toISOString();
const change = (ms: number, from: string, to: string, actor: string, reason = 'why'): AuditEntry =>
  auditEntry({ account: 'paper-1', occurredAt: at(ms), kind: 'TRADING_STATE_CHANGED', actor, correlationId: `c${ms}`, causationId: `c${ms}`, detail: { from, to, reason } });
const decision = (ms: number, kind: 'BREAKER_APPROVED' | 'BREAKER_REJECTED', actor: string): AuditEntry =>
  auditEntry({ account: 'paper-1', occurredAt: at(ms), kind, actor, correlationId: `b${ms}`, causationId: `r${ms}`, detail: {} });

describe('the trading-state timeline', () => {
  it('steps through every state change and marks breaches, kills, releases and breaker decisions', () => {
    const entries = [
      decision(9_000, 'BREAKER_APPROVED', 'carol'),
      change(2_000, 'ACTIVE', 'HALTED', 'breaker', 'INTENT_RATE breach'),
      change(4_000, 'HALTED', 'KILLED', 'alice'),
      change(5_000, 'KILLED', 'HALTED', 'bob'),
      change(6_000, 'HALTED', 'REDUCING', 'breaker'),
      decision(7_000, 'BREAKER_REJECTED', 'dave'),
      change(9_100, 'REDUCING', 'ACTIVE', 'breaker'),
    ];
    const { states, markers } = timelineOf(entries, [{ kind: 'INTENT_RATE', breachId: 'INTENT_RATE.paper-1.x', at: START + 1_800 }], START, 'ACTIVE');
    expect(states.map((s) => [s.t, s.state, s.actor])).toEqual([
      [0, 'ACTIVE', 'start'],
      [2_000, 'HALTED', 'breaker'],
      [4_000, 'KILLED', 'alice'],
      [5_000, 'HALTED', 'bob'],
      [6_000, 'REDUCING', 'breaker'],
      [9_100, 'ACTIVE', 'breaker'],
    ]);
    expect(states[1]?.reason).toBe('INTENT_RATE breach');
    expect(markers).toEqual([
      { t: 1_800, kind: 'breach', label: 'INTENT_RATE' },
      { t: 4_000, kind: 'kill', label: 'kill by alice' },
      { t: 5_000, kind: 'release', label: 'released by bob' },
      { t: 7_000, kind: 'rejection', label: 'rejected by dave' },
      { t: 9_000, kind: 'approval', label: 'approved by carol' },
    ]);
  });

  it('holds the state read at the end over the whole run when nothing changed it', () => {
    expect(timelineOf([], [], START, 'WARNING')).toEqual({ states: [{ t: 0, state: 'WARNING', actor: 'start', reason: 'state when the run started' }], markers: [] });
  });
});

describe('the latency histogram', () => {
  it('puts every decision in one of ten log-spaced bins a decade, empty bins between kept', () => {
    const latencies = [0, 0.05, 1, 1.1, 9.9, 10, 250];
    const histogram = latencyHistogram(latencies);
    expect(histogram.samples).toBe(7);
    expect(histogram.bins.reduce((sum, b) => sum + b.count, 0)).toBe(7);
    // From the floor (a tenth of a millisecond) to the bin holding 250 ms, each bin starting where the last ended.
    expect(histogram.bins[0]).toEqual({ fromMs: 0.1, toMs: 0.1259, count: 2 });
    expect(histogram.bins.at(-1)).toEqual({ fromMs: 199.5, toMs: 251.2, count: 1 });
    expect(histogram.bins).toHaveLength(34);
    for (let i = 1; i < histogram.bins.length; i++) expect(histogram.bins[i]?.fromMs).toBe(histogram.bins[i - 1]?.toMs);
    expect(histogram.bins.find((b) => b.fromMs === 10)?.count).toBe(1);
    expect(histogram).toMatchObject({ p50: 1.1, p99: 250, max: 250 });
  });

  it('has no bins without decisions', () => {
    expect(latencyHistogram([])).toEqual({ bins: [], p50: 0, p99: 0, max: 0, samples: 0 });
  });
});

describe('the data schema', () => {
  it('refuses money that is not a decimal string', () => {
    const base = { t: 0, equity: '1', realizedPnl: '0', unrealizedPnl: '0', grossExposure: '0', venueGrossExposure: '0' };
    const parse = (sample: unknown) => VisualReportDataSchema.shape.samples.safeParse([sample]).success;
    expect(parse(base)).toBe(true);
    expect(parse({ ...base, equity: 1 })).toBe(false);
    expect(parse({ ...base, realizedPnl: '1e3' })).toBe(false);
  });
});
