// The visual report's charts, run in the page: reads the run's data from its JSON script element and draws
// each chart with uPlot (inlined beside it), then sets the chart's data-drawn to the points it drew.
/* global document, window, uPlot */
'use strict';

(() => {
  const data = JSON.parse(document.getElementById('visual-report-data').textContent);
  const STATES = ['KILLED', 'HALTED', 'REDUCING', 'WARNING', 'ACTIVE'];
  const STATE_COLORS = { ACTIVE: '#2e9e5b', WARNING: '#e0a100', REDUCING: '#e8743b', HALTED: '#d64545', KILLED: '#6a1b9a' };
  const MARKER_STYLE = {
    breach: { color: '#d64545', glyph: '▼', name: 'breach' },
    kill: { color: '#222222', glyph: '✖', name: 'kill' },
    release: { color: '#1f6fb2', glyph: '↺', name: 'release' },
    approval: { color: '#2e9e5b', glyph: '✔', name: 'approval' },
    rejection: { color: '#7a7a7a', glyph: '✘', name: 'rejection' },
  };
  const STOPPED = new Set(['HALTED', 'KILLED']);
  const pr = () => window.devicePixelRatio || 1;

  const num = (text) => (text === null || text === undefined ? null : Number(text));
  const usd = (v, digits = 0) =>
    v === null || v === undefined || Number.isNaN(v)
      ? '–'
      : `${v < 0 ? '−' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
  const usdCompact = (v) => (v === null || v === undefined ? '–' : `${v < 0 ? '−' : ''}$${Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 }).format(Math.abs(v))}`);
  const seconds = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)} s`);
  const ms = (v) => (v >= 1000 ? `${+(v / 1000).toPrecision(3)} s` : `${+v.toPrecision(3)} ms`);
  /** A tick's label: the bin edge nearest 1, 2 or 5 times a power of ten, said as that round number. */
  const roundMs = (v) => ms(+v.toPrecision(1));

  const section = (name) => document.querySelector(`[data-chart="${name}"]`);
  const plotOf = (el) => el.querySelector('.plot');
  const widthOf = (el) => Math.max(320, plotOf(el).clientWidth);
  const noData = (el, why) => {
    plotOf(el).innerHTML = `<p class="nodata">No data: ${why}</p>`;
    el.dataset.drawn = '0';
  };
  const charts = [];
  /** Draws the chart; its legend shows the last point until the cursor moves over a chart. */
  const draw = (el, opts, series) => {
    const last = (u) => {
      if (u.cursor.idx === null || u.cursor.idx === undefined) u.setLegend({ idx: series[0].length - 1 }, false);
    };
    const hooks = { ...opts.hooks, ready: [last], setCursor: [last] };
    const chart = new uPlot({ width: widthOf(el), ...opts, hooks }, series, plotOf(el));
    charts.push({ el, chart });
    return chart;
  };
  /** Text on a white backing, legible over bars and grid lines. */
  const backedText = (ctx, text, x, y) => {
    const { width } = ctx.measureText(text);
    const align = ctx.textAlign;
    const left = align === 'right' ? x - width : align === 'center' ? x - width / 2 : x;
    const fill = ctx.fillStyle;
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(left - 3 * pr(), y - 11 * pr(), width + 6 * pr(), 15 * pr());
    ctx.fillStyle = fill;
    ctx.fillText(text, x, y);
  };

  // One time axis for the three time charts, so they line up and share the cursor.
  const xMax =
    Math.max(
      data.run.durationMs,
      ...data.samples.map((s) => s.t),
      ...data.states.map((s) => s.t),
      ...data.markers.map((m) => m.t),
    ) / 1000;
  const timeAxis = { label: 'time since the run started (s)', values: (u, splits) => splits.map((v) => `${v} s`) };
  const timeScale = { time: false, range: [0, xMax] };
  const cursor = { sync: { key: 'run-time' } };
  const LEFT = 104;
  const RIGHT = 84;

  /** The periods trading was stopped (HALTED or KILLED), in seconds. */
  const stops = [];
  data.states.forEach((s, i) => {
    if (!STOPPED.has(s.state) || (i > 0 && STOPPED.has(data.states[i - 1].state))) return;
    const next = data.states.slice(i + 1).find((n) => !STOPPED.has(n.state));
    stops.push({ from: s.t / 1000, to: next ? next.t / 1000 : xMax, state: s.state });
  });
  const breaches = data.markers.filter((m) => m.kind === 'breach');

  /** Shades the stopped periods behind the series and labels the first; draws a line at each breach. */
  const shadeStops = (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    for (const stop of stops) {
      const x0 = u.valToPos(stop.from, 'x', true);
      const x1 = u.valToPos(stop.to, 'x', true);
      ctx.fillStyle = stop.state === 'KILLED' ? 'rgba(106, 27, 154, 0.10)' : 'rgba(214, 69, 69, 0.10)';
      ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
      ctx.fillStyle = stop.state === 'KILLED' ? '#6a1b9a' : '#b23030';
      ctx.font = `bold ${11 * pr()}px system-ui, sans-serif`;
      if (x1 - x0 > 60 * pr()) backedText(ctx, `trading ${stop.state}`, x0 + 6 * pr(), bbox.top + 15 * pr());
    }
    ctx.restore();
  };
  const breachLines = (u) => {
    const { ctx, bbox } = u;
    ctx.save();
    ctx.strokeStyle = '#d64545';
    ctx.setLineDash([4 * pr(), 3 * pr()]);
    ctx.lineWidth = pr();
    for (const b of breaches) {
      const x = Math.round(u.valToPos(b.t / 1000, 'x', true));
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
    }
    ctx.restore();
  };
  /** Points with an x inside the drawn range and a value in one of the first `series` series. */
  const pointsIn = (u, series = u.data.length - 1) => {
    const [xs, ...rest] = u.data;
    const ys = rest.slice(0, series);
    let n = 0;
    xs.forEach((x, i) => {
      if (x >= u.scales.x.min && x <= u.scales.x.max && ys.some((y) => y[i] !== null && y[i] !== undefined)) n++;
    });
    return n;
  };
  const markDrawn = (el, count) => (u) => {
    el.dataset.drawn = String(count(u));
  };

  /** A range with room around [lo, hi] (a flat series still gets a visible band). */
  const padded = (lo, hi, minSpan) => {
    const span = Math.max(hi - lo, minSpan);
    const mid = (lo + hi) / 2;
    return [mid - span * 0.55, mid + span * 0.55];
  };

  // 1. Equity and P&L: one vertical scale, equity on the left, P&L since the start on the right, so the
  // equity line and the P&L lines move by the same dollars.
  (() => {
    const el = section('equity');
    if (data.samples.length === 0) return noData(el, 'the run took no samples of the ledger');
    const x = data.samples.map((s) => s.t / 1000);
    const equity = data.samples.map((s) => num(s.equity));
    const realized = data.samples.map((s) => num(s.realizedPnl));
    const unrealized = data.samples.map((s) => num(s.unrealizedPnl));
    const base = equity.find((v) => v !== null) ?? 0;
    const moves = [...equity.filter((v) => v !== null).map((v) => v - base), ...realized, ...unrealized.filter((v) => v !== null)];
    const [lo, hi] = padded(Math.min(0, ...moves), Math.max(0, ...moves), 100);
    const money = (u, v) => usd(v, 2);
    draw(
      el,
      {
        height: 320,
        scales: { x: timeScale, usd: { range: [base + lo, base + hi] }, pnl: { range: [lo, hi] } },
        axes: [
          timeAxis,
          { scale: 'usd', label: 'equity (USD)', size: LEFT, values: (u, splits) => splits.map((v) => usd(v)) },
          { scale: 'pnl', side: 1, label: 'P&L since the start (USD)', size: RIGHT, grid: { show: false }, values: (u, splits) => splits.map((v) => usd(v)) },
        ],
        series: [
          { label: 'time', value: (u, v) => seconds(v) },
          { label: 'Equity', scale: 'usd', stroke: 'rgba(31, 78, 156, 0.45)', width: 6, points: { show: false }, value: money },
          { label: 'Realized P&L', scale: 'pnl', stroke: '#2e9e5b', width: 2, points: { show: false }, value: money },
          { label: 'Unrealized P&L', scale: 'pnl', stroke: '#8e44ad', width: 2, dash: [6, 3], points: { show: false }, value: money },
        ],
        cursor,
        hooks: { drawClear: [shadeStops], draw: [breachLines, markDrawn(el, pointsIn)] },
      },
      [x, equity, realized, unrealized],
    );
  })();

  // 2. Gross exposure against its cap, with the right axis in percent of the cap.
  (() => {
    const el = section('exposure');
    if (data.samples.length === 0) return noData(el, 'the run took no samples of the ledger');
    const cap = Number(data.grossExposureCap);
    const x = data.samples.map((s) => s.t / 1000);
    const ledger = data.samples.map((s) => num(s.grossExposure));
    const venue = data.samples.map((s) => num(s.venueGrossExposure));
    const top = Math.max(cap, ...ledger.filter((v) => v !== null), ...venue) * 1.12 || 1;
    const capLine = (u) => {
      const { ctx, bbox } = u;
      const y = Math.round(u.valToPos(cap, 'y', true));
      ctx.save();
      ctx.fillStyle = '#b23030';
      ctx.font = `bold ${11 * pr()}px system-ui, sans-serif`;
      ctx.textAlign = 'right';
      backedText(ctx, `cap ${usdCompact(cap)} (maxGrossNotional)`, bbox.left + bbox.width - 6 * pr(), y - 6 * pr());
      ctx.restore();
    };
    draw(
      el,
      {
        height: 300,
        scales: { x: timeScale, y: { range: [0, top] }, pct: { range: [0, (top / cap) * 100] } },
        axes: [
          timeAxis,
          { scale: 'y', label: 'gross exposure (USD)', size: LEFT, values: (u, splits) => splits.map((v) => usdCompact(v)) },
          { scale: 'pct', side: 1, label: '% of the cap', size: RIGHT, grid: { show: false }, values: (u, splits) => splits.map((v) => `${Math.round(v)} %`) },
        ],
        series: [
          { label: 'time', value: (u, v) => seconds(v) },
          { label: 'Positions at the marks (ledger)', stroke: '#1f6fb2', fill: 'rgba(31, 111, 178, 0.14)', width: 2, points: { show: false }, value: (u, v) => usd(v) },
          { label: 'Worst case with open orders (venue)', stroke: '#e8743b', width: 1.5, points: { show: false }, value: (u, v) => usd(v) },
          { label: 'Cap', stroke: '#b23030', width: 2, dash: [8, 4], points: { show: false }, value: () => usd(cap) },
        ],
        cursor,
        hooks: { drawClear: [shadeStops], draw: [breachLines, capLine, markDrawn(el, (u) => pointsIn(u, 2))] },
      },
      [x, ledger, venue, x.map(() => cap)],
    );
  })();

  // 3. The trading state as a step chart over coloured bands, with breaches, kills, releases and approvals marked.
  (() => {
    const el = section('timeline');
    if (data.states.length === 0 && data.markers.length === 0) return noData(el, 'the audit trail holds no trading state');
    const x = [...data.states.map((s) => s.t / 1000), xMax];
    const level = (state) => STATES.indexOf(state);
    const y = [...data.states.map((s) => level(s.state)), level(data.states.at(-1)?.state ?? 'ACTIVE')];
    const bands = (u) => {
      const { ctx, bbox } = u;
      ctx.save();
      data.states.forEach((s, i) => {
        const x0 = u.valToPos(s.t / 1000, 'x', true);
        const x1 = u.valToPos(i + 1 < data.states.length ? data.states[i + 1].t / 1000 : xMax, 'x', true);
        ctx.globalAlpha = 0.16;
        ctx.fillStyle = STATE_COLORS[s.state];
        ctx.fillRect(x0, bbox.top, Math.max(1, x1 - x0), bbox.height);
      });
      ctx.restore();
    };
    let markersDrawn = 0;
    const markers = (u) => {
      const { ctx, bbox } = u;
      const rows = [-Infinity, -Infinity, -Infinity];
      markersDrawn = 0;
      ctx.save();
      ctx.font = `${11 * pr()}px system-ui, sans-serif`;
      for (const m of data.markers) {
        const t = m.t / 1000;
        if (t < u.scales.x.min || t > u.scales.x.max) continue;
        const style = MARKER_STYLE[m.kind];
        const xPos = Math.round(u.valToPos(t, 'x', true));
        ctx.strokeStyle = style.color;
        ctx.fillStyle = style.color;
        ctx.lineWidth = 1.5 * pr();
        ctx.setLineDash(m.kind === 'breach' ? [4 * pr(), 3 * pr()] : []);
        ctx.beginPath();
        ctx.moveTo(xPos, bbox.top);
        ctx.lineTo(xPos, bbox.top + bbox.height);
        ctx.stroke();
        ctx.textAlign = 'center';
        ctx.fillText(style.glyph, xPos, bbox.top - 4 * pr());
        // Labels stagger over three rows above the glyphs; one with no room left is not written.
        const text = m.kind === 'breach' ? `breach ${m.label}` : m.label;
        const width = ctx.measureText(text).width;
        const row = rows.findIndex((end) => xPos - 2 * pr() > end);
        if (row >= 0) {
          ctx.textAlign = 'left';
          const left = Math.min(xPos + 2 * pr(), bbox.left + bbox.width - width);
          backedText(ctx, text, left, bbox.top - (20 + 16 * row) * pr());
          rows[row] = left + width + 8 * pr();
        }
        markersDrawn++;
      }
      ctx.restore();
    };
    draw(
      el,
      {
        height: 300,
        padding: [64, RIGHT, 0, 0],
        scales: { x: timeScale, state: { range: [-0.6, STATES.length - 0.4] } },
        axes: [
          timeAxis,
          { scale: 'state', label: 'trading state', size: LEFT, splits: () => STATES.map((_, i) => i), values: (u, splits) => splits.map((i) => STATES[i] ?? ''), grid: { stroke: 'rgba(0,0,0,0.06)' } },
        ],
        series: [
          { label: 'time', value: (u, v) => seconds(v) },
          {
            label: 'State',
            scale: 'state',
            stroke: '#333333',
            width: 2.5,
            paths: uPlot.paths.stepped({ align: 1 }),
            points: { show: false },
            value: (u, v) => (v === null || v === undefined ? '–' : STATES[v]),
          },
        ],
        cursor,
        hooks: { drawClear: [bands], draw: [markers, markDrawn(el, () => data.states.length + markersDrawn)] },
      },
      [x, y],
    );
  })();

  // 4. Decision latency: ten log-spaced bins a decade, with p50 and p99 marked.
  (() => {
    const el = section('latency');
    const { bins, p50, p99 } = data.latency;
    if (bins.length === 0) return noData(el, 'the risk function decided no intent');
    const low = Math.log10(bins[0].fromMs) * 10;
    const at = (v) => Math.log10(v) * 10 - low;
    const x = bins.map((_, i) => i + 0.5);
    const counts = bins.map((b) => b.count);
    // Ticks at 1, 2 and 5 times a power of ten (the bins' edges closest to them); every other edge when
    // the latencies span too little for three of those.
    const edges = [...bins.map((b) => b.fromMs), bins[bins.length - 1].toMs];
    const round = edges.flatMap((edge, i) => ([0, 3, 7].includes(((Math.round(Math.log10(edge) * 10) % 10) + 10) % 10) ? [i] : []));
    const ticks = round.length >= 3 ? round : edges.flatMap((_, i) => (i % 2 === 0 ? [i] : []));
    const tickLabel = round.length >= 3 ? roundMs : ms;
    const percentiles = (u) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.font = `bold ${11 * pr()}px system-ui, sans-serif`;
      [['p50', p50, '#1f4e9c'], ['p99', p99, '#b23030']].forEach(([name, v, color], i) => {
        if (!(v > 0)) return;
        const xPos = Math.round(u.valToPos(Math.min(Math.max(at(v), 0), bins.length), 'x', true));
        ctx.strokeStyle = color;
        ctx.fillStyle = color;
        ctx.setLineDash([5 * pr(), 3 * pr()]);
        ctx.lineWidth = 1.5 * pr();
        ctx.beginPath();
        ctx.moveTo(xPos, bbox.top);
        ctx.lineTo(xPos, bbox.top + bbox.height);
        ctx.stroke();
        ctx.setLineDash([]);
        // p50 left of its line and p99 right of its own, so close lines keep their labels apart; either
        // turns round when it would leave the plot.
        const text = `${name} ${ms(v)}`;
        const width = ctx.measureText(text).width + 10 * pr();
        const flip = i === 0 ? xPos - width > bbox.left : xPos + width > bbox.left + bbox.width;
        ctx.textAlign = flip ? 'right' : 'left';
        backedText(ctx, text, xPos + (flip ? -5 : 5) * pr(), bbox.top + (14 + 17 * i) * pr());
      });
      ctx.restore();
    };
    draw(
      el,
      {
        height: 300,
        scales: { x: { time: false, range: [0, bins.length] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.35] } },
        axes: [
          { label: 'decision latency (log scale)', splits: () => ticks, values: (u, splits) => splits.map((i) => tickLabel(edges[i])) },
          { label: 'decisions', size: 64 },
        ],
        series: [
          { label: 'bin', value: (u, v) => (v === null || v === undefined ? '–' : `${ms(bins[Math.floor(v)].fromMs)} – ${ms(bins[Math.floor(v)].toMs)}`) },
          {
            label: 'Decisions',
            stroke: '#1f6fb2',
            fill: 'rgba(31, 111, 178, 0.55)',
            width: 1,
            paths: uPlot.paths.bars({ size: [0.9, 80] }),
            points: { show: false },
          },
        ],
        legend: { show: true },
        hooks: { draw: [percentiles, markDrawn(el, pointsIn)] },
      },
      [x, counts],
    );
  })();

  // 5. Denials by reason, as horizontal bars.
  (() => {
    const el = section('denials');
    if (data.denials.length === 0) return noData(el, 'the risk function denied no intent');
    const total = data.denials.reduce((sum, d) => sum + d.count, 0);
    const most = Math.max(...data.denials.map((d) => d.count));
    // How the decisions split, above the reasons.
    const { approved, denied } = data.figures;
    const split = document.createElement('div');
    split.className = 'split';
    const decided = approved + denied;
    split.innerHTML =
      `<div class="split-bar"><span class="ok" style="width:${(approved / Math.max(1, decided)) * 100}%"></span><span class="no" style="width:${(denied / Math.max(1, decided)) * 100}%"></span></div>` +
      `<div class="split-key"><span><span class="sw" style="background:#2e9e5b"></span>${approved.toLocaleString('en-US')} approved</span>` +
      `<span><span class="sw" style="background:#d64545"></span>${denied.toLocaleString('en-US')} denied</span></div>`;
    const rows = data.denials.map((d) => {
      const row = document.createElement('div');
      row.className = 'bar-row';
      const reason = document.createElement('span');
      reason.className = 'bar-label';
      reason.textContent = d.reason;
      const track = document.createElement('span');
      track.className = 'bar-track';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0.5, (d.count / most) * 100)}%`;
      track.append(bar);
      const value = document.createElement('span');
      value.className = 'bar-value';
      value.textContent = `${d.count.toLocaleString('en-US')} (${((d.count / total) * 100).toFixed(1)} %)`;
      row.append(reason, track, value);
      return row;
    });
    plotOf(el).replaceChildren(split, ...rows);
    el.dataset.drawn = String(rows.length);
  })();

  window.addEventListener('resize', () => {
    for (const { el, chart } of charts) chart.setSize({ width: widthOf(el), height: chart.height });
  });
  document.documentElement.dataset.ready = 'true';
})();
