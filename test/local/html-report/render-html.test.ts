// The visual report's page, rendered from fixed data and opened in Debian's headless Chromium: every chart
// draws every point it is given, a chart without data says so, and the page asks the network for nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTS, pointsOf, renderHtml } from '../../../local/html-report/render-html';
import { latencyHistogram, VisualReportDataSchema, type VisualReportData } from '../../../local/html-report/timeseries';
import { launchChromium, type Browser } from './chromium';

const SAMPLES = 60;

/** A runaway-like run: exposure climbs towards its cap, trading halts at 9 s, is killed, released and approved back. */
const data: VisualReportData = VisualReportDataSchema.parse({
  run: { scenario: 'runaway', seed: 42, strategy: 'runaway', startedAt: '2026-11-23T15:00:00.000Z', durationMs: 15_000, sampleEveryMs: 250 },
  figures: {
    haltLatencyMs: 312,
    ordersAfterHalt: 0,
    reconciliation: { status: 'clean', breaks: 0 },
    intents: 700,
    approved: 300,
    denied: 400,
    fills: 280,
    realizedPnl: '120.5',
    unrealizedPnl: '-42.25',
    peakGrossExposure: '4400000',
    stoppedBy: 'source-guard',
  },
  grossExposureCap: '5000000',
  samples: Array.from({ length: SAMPLES }, (_, i) => ({
    t: i * 250,
    equity: String(10_000_000 + (i % 7) * 25),
    realizedPnl: String(i * 2),
    unrealizedPnl: i === 3 ? null : String((i % 7) * 25 - i * 2),
    grossExposure: i === 3 ? null : String(Math.min(i, 36) * 120_000),
    venueGrossExposure: String(Math.min(i, 36) * 122_000),
  })),
  states: [
    { t: 0, state: 'ACTIVE', actor: 'start', reason: 'state when the run started' },
    { t: 9_100, state: 'HALTED', actor: 'breaker', reason: 'INTENT_RATE breach' },
    { t: 10_000, state: 'KILLED', actor: 'alice', reason: 'drill' },
    { t: 11_000, state: 'HALTED', actor: 'bob', reason: 'released' },
    { t: 12_000, state: 'REDUCING', actor: 'breaker', reason: 'recovery checks passed' },
    { t: 13_500, state: 'ACTIVE', actor: 'breaker', reason: 'approved' },
  ],
  markers: [
    { t: 8_900, kind: 'breach', label: 'INTENT_RATE' },
    { t: 10_000, kind: 'kill', label: 'kill by alice' },
    { t: 11_000, kind: 'release', label: 'released by bob' },
    { t: 13_400, kind: 'approval', label: 'approved by carol' },
  ],
  latency: latencyHistogram([0, 0.4, 1.2, 2, 2.2, 3.9, 8, 15, 15, 16, 40, 120, 900]),
  denials: [
    { reason: 'TRADING_HALTED', count: 320 },
    { reason: 'ORDER_RATE', count: 60 },
    { reason: 'TRADING_KILLED', count: 20 },
  ],
});

const empty: VisualReportData = {
  ...data,
  samples: [],
  states: [],
  markers: [],
  latency: latencyHistogram([]),
  denials: [],
};

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('the visual report page', () => {
  it('draws every chart from its data in headless Chromium, asking the network for nothing', async () => {
    const { page, drawn, requests, errors } = await browser.open(renderHtml(data));
    expect(drawn).toEqual(pointsOf(data));
    expect(drawn).toEqual({ equity: SAMPLES, exposure: SAMPLES, timeline: 10, latency: data.latency.bins.length, denials: 3 });
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    // Each chart is a canvas (uPlot) or, for the denials, bars; none says "no data".
    expect(await page.locator('[data-chart] canvas').count()).toBe(4);
    expect(await page.locator('[data-chart="denials"] .bar').count()).toBe(3);
    expect(await page.locator('.nodata').count()).toBe(0);
    await page.close();
  });

  it('says "no data" in a chart without data, and marks it as drawing none', async () => {
    const { page, drawn, requests, errors } = await browser.open(renderHtml(empty));
    expect(drawn).toEqual(Object.fromEntries(CHARTS.map((chart) => [chart, 0])));
    for (const chart of CHARTS) expect(await page.locator(`[data-chart="${chart}"] .nodata`).innerText()).toMatch(/^No data: /);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('heads the page with the scenario, seed, duration and the run\'s key figures', async () => {
    const { page } = await browser.open(renderHtml(data));
    expect(await page.locator('h1').innerText()).toBe('Run report: runaway, seed 42');
    const header = await page.locator('header').innerText();
    expect(header).toContain('ran 15.00 s');
    expect(header).toMatch(/HALT LATENCY\s+312 ms/i);
    expect(header).toMatch(/ORDERS AFTER HALT\s+0/i);
    expect(header).toMatch(/RECONCILIATION\s+clean/i);
    expect(header).toMatch(/PEAK GROSS EXPOSURE\s+88\.0 % of cap/i);
    await page.close();
  });

  it('keeps text from the run inert: a strategy named like markup neither ends the data nor runs', async () => {
    const hostile = { ...data, run: { ...data.run, strategy: '</script><script>document.title="owned"</script><b>x' } };
    const { page, drawn, errors } = await browser.open(renderHtml(hostile));
    expect(await page.title()).toBe('Run report: runaway, seed 42');
    expect(await page.locator('.sub').innerText()).toContain('</script><script>');
    expect(drawn).toEqual(pointsOf(data));
    expect(errors).toEqual([]);
    await page.close();
  });
});
