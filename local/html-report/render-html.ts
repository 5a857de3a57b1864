// The visual report as one self-contained HTML page: the run's data embedded as JSON, uPlot and the page's
// chart script inlined, and a content security policy that lets the page load nothing from anywhere.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dec, toDecimalString } from '../../shared/money/decimal';
import type { Marker, StatePoint, VisualReportData } from './timeseries';

export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  chartsJs: string;
}

let assets: PageAssets | undefined;

/** uPlot from node_modules and the page's chart script, read once. */
export const pageAssets = (): PageAssets => {
  if (!assets) {
    const require = createRequire(import.meta.url);
    assets = {
      uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
      chartsJs: readFileSync(new URL('./page-charts.js', import.meta.url), 'utf8'),
    };
  }
  return assets;
};

/** The charts by their data-chart name: the page's script finds each by it and sets its data-drawn. */
export const CHARTS = ['equity', 'exposure', 'timeline', 'latency', 'denials'] as const;
export type ChartName = (typeof CHARTS)[number];

/** How many points each chart draws from the data: its data-drawn once drawn (0 with "no data"). */
export const pointsOf = (data: VisualReportData): Record<ChartName, number> => ({
  equity: data.samples.length,
  exposure: data.samples.length,
  timeline: data.states.length + data.markers.length,
  latency: data.latency.bins.length,
  denials: data.denials.length,
});

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Inlined script text can never close its element early. */
const inlineScript = (text: string): string => text.replace(/<\/(script)/gi, '<\\/$1');

/** JSON inside a script element: `<` escaped so no string in the data can end it. */
const embeddedJson = (data: unknown): string => JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const usd = (text: string | null): string => {
  if (text === null) return 'unpriced';
  const value = Number(text);
  return `${value < 0 ? '−' : ''}$${Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};
const count = (n: number): string => n.toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
/** Milliseconds as a person reads them: two decimals below 10 ms, whole ones above. */
const millis = (ms: number): string => `${ms < 10 ? ms.toFixed(2) : count(Math.round(ms))} ms`;

type Tone = 'good' | 'bad' | 'neutral';
const tile = (label: string, value: string, note: string, tone: Tone): string =>
  `<div class="tile ${tone}"><div class="tile-label">${escapeHtml(label)}</div><div class="tile-value">${escapeHtml(value)}</div><div class="tile-note">${escapeHtml(note)}</div></div>`;

const tiles = (data: VisualReportData): string => {
  const f = data.figures;
  // Rounded down: a peak just under the cap must not read as 100 %.
  const peak = Number(f.peakGrossExposure);
  const cap = Number(data.grossExposureCap);
  const stops = data.states.filter((s) => s.state === 'HALTED' || s.state === 'KILLED').length;
  return [
    tile(
      'Halt latency',
      f.haltLatencyMs === null ? (f.ordersAfterHalt === null ? 'no halt' : 'no breach') : `${count(Math.round(f.haltLatencyMs))} ms`,
      f.haltLatencyMs === null ? (f.ordersAfterHalt === null ? 'trading never stopped' : 'stopped by a person, not a breach') : 'first breach → HALTED durable',
      'neutral',
    ),
    tile('Orders after halt', f.ordersAfterHalt === null ? '–' : count(f.ordersAfterHalt), 'started towards the broker while stopped', f.ordersAfterHalt === null ? 'neutral' : f.ordersAfterHalt === 0 ? 'good' : 'bad'),
    tile('Reconciliation', f.reconciliation.status, `${count(f.reconciliation.breaks)} break(s) against the broker`, f.reconciliation.status === 'clean' && f.reconciliation.breaks === 0 ? 'good' : 'bad'),
    tile('Peak gross exposure', `${cap > 0 ? (Math.floor((peak / cap) * 1000) / 10).toFixed(1) : '0.0'} % of cap`, `${usd(f.peakGrossExposure)} of ${usd(data.grossExposureCap)} (venue)`, peak <= cap ? 'good' : 'bad'),
    tile('P&L', usd(f.unrealizedPnl === null ? null : toDecimalString(dec(f.realizedPnl).plus(dec(f.unrealizedPnl)))), `realized ${usd(f.realizedPnl)}, unrealized ${usd(f.unrealizedPnl)}`, 'neutral'),
    tile('Decisions', `${count(f.approved)} approved`, `${count(f.denied)} denied of ${count(f.intents)} intents; ${count(f.fills)} fills`, 'neutral'),
    tile('Trading stops', count(stops), `${data.markers.filter((m) => m.kind === 'breach').length} breach(es), ${data.markers.filter((m) => m.kind === 'kill').length} kill(s)`, 'neutral'),
    ...(f.stoppedBy ? [tile('Runaway stopped by', f.stoppedBy, 'the first breach that started the breaker', f.stoppedBy === 'not-stopped' ? 'bad' : 'good')] : []),
  ].join('\n');
};

const MAX_EVENT_ROWS = 60;

/** The timeline's changes and markers as rows, oldest first: the chart's labels can run out of room, this cannot. */
const eventRows = (states: readonly StatePoint[], markers: readonly Marker[]): string => {
  const rows = [
    ...states.slice(1).map((s, i) => ({ t: s.t, what: `${states[i]?.state ?? '?'} → ${s.state}`, detail: `${s.actor}: ${s.reason}`, kind: 'state' })),
    ...markers.map((m) => ({ t: m.t, what: m.kind, detail: m.label, kind: m.kind })),
  ].sort((a, b) => a.t - b.t);
  if (rows.length === 0) return '<p class="muted">No state changes, breaches, kills or approvals during the run.</p>';
  const shown = rows
    .slice(0, MAX_EVENT_ROWS)
    .map((r) => `<tr class="ev-${r.kind}"><td class="num">${seconds(r.t)}</td><td>${escapeHtml(r.what)}</td><td>${escapeHtml(r.detail)}</td></tr>`)
    .join('');
  const more = rows.length > MAX_EVENT_ROWS ? `<p class="muted">… and ${count(rows.length - MAX_EVENT_ROWS)} more.</p>` : '';
  return `<details${rows.length <= 12 ? ' open' : ''}><summary>${count(rows.length)} event(s)</summary><table class="events"><thead><tr><th>time</th><th>event</th><th>by / detail</th></tr></thead><tbody>${shown}</tbody></table>${more}</details>`;
};

const chart = (name: ChartName, title: string, hint: string, extra = ''): string =>
  `<section class="card" data-chart="${name}"><h2>${escapeHtml(title)}</h2><p class="hint">${hint}</p><div class="plot"></div>${extra}</section>`;

const PAGE_CSS = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5d6776; --line: #e3e7ee; --bg: #f4f6f9; --card: #fff; --good: #2e9e5b; --bad: #d64545; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1360px; margin: 0 auto; padding: 24px 24px 40px; }
header { margin-bottom: 18px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: var(--muted); font-weight: 600; }
h1 { margin: 4px 0 2px; font-size: 26px; }
.sub { margin: 0 0 16px; color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.tile { background: var(--card); border: 1px solid var(--line); border-left: 4px solid #9aa5b4; border-radius: 8px; padding: 10px 12px; }
.tile.good { border-left-color: var(--good); } .tile.bad { border-left-color: var(--bad); background: #fff5f5; }
.tile-label { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.tile-value { font-size: 21px; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
.tile.good .tile-value { color: #1f7a45; } .tile.bad .tile-value { color: #b23030; }
.tile-note { font-size: 12px; color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 12px; margin-top: 16px; }
.card h2 { margin: 0; font-size: 17px; }
.hint { margin: 2px 0 10px; color: var(--muted); font-size: 13px; }
.grid2 { display: grid; grid-template-columns: 3fr 2fr; gap: 16px; } .grid2 .card { margin-top: 16px; }
.plot { min-height: 60px; }
.nodata { margin: 24px 0; padding: 28px; text-align: center; color: var(--muted); border: 1px dashed var(--line); border-radius: 8px; font-size: 15px; }
.muted { color: var(--muted); }
.uplot { font-family: inherit; } .u-legend { font-size: 12.5px; } .u-legend .u-marker { border-radius: 2px; }
.key { display: flex; gap: 16px; flex-wrap: wrap; font-size: 12.5px; color: var(--muted); margin: 4px 0 6px; }
.key b { font-weight: 600; } .sw { display: inline-block; width: 11px; height: 11px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--muted); font-size: 13px; }
table.events { border-collapse: collapse; width: 100%; margin-top: 6px; font-size: 12.5px; }
.events th, .events td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); }
.events td.num { font-variant-numeric: tabular-nums; white-space: nowrap; width: 80px; }
.ev-breach td:nth-child(2) { color: #b23030; font-weight: 600; } .ev-kill td:nth-child(2) { font-weight: 600; }
.ev-approval td:nth-child(2) { color: #1f7a45; font-weight: 600; }
.split { margin: 4px 0 14px; } .split-bar { display: flex; height: 12px; border-radius: 6px; overflow: hidden; background: #eef1f5; }
.split-bar .ok { background: #2e9e5b; } .split-bar .no { background: #d64545; opacity: .8; }
.split-key { display: flex; gap: 16px; font-size: 12.5px; color: var(--muted); margin-top: 4px; }
.bar-row { display: grid; grid-template-columns: minmax(140px, 34%) 1fr 120px; align-items: center; gap: 10px; margin: 7px 0; }
.bar-label { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-track { background: #eef1f5; border-radius: 4px; height: 18px; overflow: hidden; }
.bar { display: block; height: 100%; background: #d64545; opacity: .8; border-radius: 4px; }
.bar-value { font-variant-numeric: tabular-nums; font-size: 12.5px; color: var(--muted); }
footer { margin-top: 20px; color: var(--muted); font-size: 12px; }
`;

const stateKey = (): string =>
  `<div class="key">${[
    ['ACTIVE', '#2e9e5b'],
    ['WARNING', '#e0a100'],
    ['REDUCING', '#e8743b'],
    ['HALTED', '#d64545'],
    ['KILLED', '#6a1b9a'],
  ]
    .map(([state, color]) => `<span><span class="sw" style="background:${color}"></span>${state}</span>`)
    .join('')}<span><b style="color:#d64545">▼</b> breach</span><span><b>✖</b> kill</span><span><b style="color:#1f6fb2">↺</b> release</span><span><b style="color:#2e9e5b">✔</b> approval</span><span><b style="color:#7a7a7a">✘</b> rejection</span></div>`;

/** The page for the run's data; pure but for reading the inlined assets. */
export const renderHtml = (data: VisualReportData, page: PageAssets = pageAssets()): string => {
  const { run } = data;
  const title = `Run report: ${run.scenario}, seed ${run.seed}`;
  const stopped = 'Shaded: trading stopped (HALTED or KILLED); dashed red lines: breaches.';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${page.uplotCss}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<div class="page">
<header>
<div class="eyebrow">Trading-safety pipeline · local run</div>
<h1>${escapeHtml(title)}</h1>
<p class="sub">Strategy ${escapeHtml(run.strategy)} · started ${escapeHtml(run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))} · ran ${seconds(run.durationMs)} · sampled every ${run.sampleEveryMs} ms (${count(data.samples.length)} samples)</p>
<div class="tiles">
${tiles(data)}
</div>
</header>
${chart('equity', 'Equity and P&L', `Equity (the wide blue line, left axis) is cash plus the positions at the marks; realized and unrealized P&amp;L (right axis) share its scale, so a dollar is as tall on both. ${stopped}`)}
${chart('exposure', 'Gross exposure against its cap', `The ledger's positions at the marks, and the venue's worst case with every open order filled, against the account's gross-notional cap. ${stopped}`)}
${chart('timeline', 'Trading state', 'The account\'s trading state from the audit trail, with the breaches that started the breaker, kills, releases and breaker approvals.', `${stateKey()}${eventRows(data.states, data.markers)}`)}
<div class="grid2">
${chart('latency', 'Decision latency', `Each intent's arrival at the risk function to its decision: ${count(data.latency.samples)} decisions, p50 ${millis(data.latency.p50)}, p99 ${millis(data.latency.p99)}, max ${millis(data.latency.max)}.`)}
${chart('denials', 'Denials by reason', `The risk function's decisions, and its denials by reason: ${count(data.denials.reduce((sum, d) => sum + d.count, 0))} in all.`)}
</div>
<footer>Self-contained: the data and the charting library (uPlot) are inside this file; it loads nothing from the network.</footer>
</div>
<script type="application/json" id="visual-report-data">${embeddedJson(data)}</script>
<script>${inlineScript(page.uplotJs)}</script>
<script>${inlineScript(page.chartsJs)}</script>
</body>
</html>
`;
};
