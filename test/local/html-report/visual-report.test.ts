// End to end: a short local session run with the visual report on writes a page whose equity and exposure
// charts draw the samples taken during the run, in headless Chromium and without the network.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { VisualReportDataSchema } from '../../../local/html-report/timeseries';
import { runSession } from '../../../local/session';
import { launchChromium, type Browser } from './chromium';

let browser: Browser;
let folder: string;

beforeAll(async () => {
  browser = await launchChromium();
  folder = await mkdtemp(join(tmpdir(), 'visual-report-'));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe('the visual report of a session', () => {
  it('writes a page whose charts draw the run sampled while it traded', { timeout: 120_000 }, async () => {
    const html = join(folder, 'report.html');
    const report = await runSession({ dynamoEndpoint: inject('dynamoEndpoint'), durationMs: 3000, seed: 7, tickMs: 50, html });
    const page = await readFile(html, 'utf8');
    const embedded = /<script type="application\/json" id="visual-report-data">(.*?)<\/script>/s.exec(page)?.[1];
    const data = VisualReportDataSchema.parse(JSON.parse(embedded ?? 'null'));
    // The last sample is taken once the run is reconciled: it shows the P&L the JSON report gives.
    expect(data.samples.at(-1)).toMatchObject({ realizedPnl: report.pnl.realized, unrealizedPnl: report.pnl.unrealized });
    expect(data.samples.some((s) => s.grossExposure !== null && Number(s.grossExposure) > 0)).toBe(true);
    expect(data.states[0]).toMatchObject({ t: 0, state: 'ACTIVE' });
    expect(data.figures.approved).toBe(report.approved);

    const { drawn, requests, errors } = await browser.open(page);
    expect(drawn.equity).toBe(data.samples.length);
    expect(drawn.exposure).toBe(data.samples.length);
    expect(drawn.equity).toBeGreaterThan(0);
    expect(drawn.timeline).toBe(data.states.length + data.markers.length);
    expect(drawn.latency).toBe(data.latency.bins.length);
    expect(drawn.latency).toBeGreaterThan(0);
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
  });
});
