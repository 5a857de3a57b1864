// The visual report of a local run (--html): starts the time-series sampler on the session's stores, and at
// the end gathers its samples, the audit trail's state changes and the run's figures into one page.
import { writeFile } from 'node:fs/promises';
import { DynamoAuditLog } from '../../adapters/dynamodb/dynamo-audit-log';
import type { AuditEntry, AuditKind } from '../../shared/audit/audit-entry';
import { toDecimalString } from '../../shared/money/decimal';
import type { LocalReport } from '../report';
import type { SessionWiring } from '../session-wiring';
import { renderHtml } from './render-html';
import { latencyHistogram, timelineOf, TimeSeriesSampler, VisualReportDataSchema, type VisualReportData } from './timeseries';

/** The sampler over the session's own stores: the account book, the positions, the marks and the venue. */
export const startTimeSeries = (w: SessionWiring, startedMs: number): TimeSeriesSampler => {
  const { account } = w.settings;
  return new TimeSeriesSampler(
    {
      book: () => w.stores.reconciliationStore.getBook(account),
      positions: () => w.stores.reconciliationStore.listPositions(account),
      marks: () => w.stores.marketDataStore.getMarks(),
      venueGrossExposure: () => toDecimalString(w.broker.grossExposure()),
    },
    { startedMs },
  ).start();
};

const TIMELINE_KINDS: readonly AuditKind[] = ['TRADING_STATE_CHANGED', 'BREAKER_APPROVED', 'BREAKER_REJECTED'];

/** The account's state changes and breaker decisions since `sinceMs`, read day by day from the audit trail. */
const timelineEntries = async (w: SessionWiring, sinceMs: number): Promise<AuditEntry[]> => {
  const log = new DynamoAuditLog(w.ddb, w.tableName, { filterBatch: 1000 });
  const entries: AuditEntry[] = [];
  const from = new Date(sinceMs).toISOString();
  for (let day = from.slice(0, 10); day <= new Date().toISOString().slice(0, 10); day = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10)) {
    let cursor: string | undefined;
    do {
      const page = await log.byDay(w.settings.account, day, { kinds: TIMELINE_KINDS, limit: 1000, ...(day === from.slice(0, 10) ? { from } : {}), ...(cursor ? { cursor } : {}) });
      entries.push(...page.entries);
      cursor = page.cursor;
    } while (cursor);
  }
  return entries;
};

export interface VisualReportInputs {
  wiring: SessionWiring;
  sampler: TimeSeriesSampler;
  report: LocalReport;
  /** Epoch ms of t = 0 (the run's clock start). */
  startedMs: number;
}

/** Everything the page draws, checked against its schema. */
export const collectVisualData = async ({ wiring: w, sampler, report, startedMs }: VisualReportInputs): Promise<VisualReportData> => {
  const samples = await sampler.stop();
  const entries = await timelineEntries(w, startedMs);
  const stateAtEnd = await w.stores.tradingStateStore.getTradingState(w.settings.account);
  const { states, markers } = timelineOf(entries, w.breaches.breachesStarted, startedMs, stateAtEnd);
  return VisualReportDataSchema.parse({
    run: { scenario: report.scenario, seed: report.seed, strategy: report.strategy, startedAt: new Date(startedMs).toISOString(), durationMs: report.durationMs, sampleEveryMs: sampler.everyMs },
    figures: {
      haltLatencyMs: report.haltLatencyMs,
      ordersAfterHalt: report.ordersAfterHalt,
      reconciliation: { status: report.reconciliation.status, breaks: report.reconciliation.breaks },
      intents: report.intents,
      approved: report.approved,
      denied: Object.values(report.denied).reduce((a, b) => a + b, 0),
      fills: report.fills,
      realizedPnl: report.pnl.realized,
      unrealizedPnl: report.pnl.unrealized,
      peakGrossExposure: report.peakGrossExposure,
      stoppedBy: report.runaway?.stoppedBy ?? null,
    },
    grossExposureCap: report.grossExposureCap,
    samples,
    states,
    markers,
    latency: latencyHistogram(w.decisions.latenciesMs),
    denials: Object.entries(report.denied)
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count),
  });
};

/** Stops the sampler and writes the page to `path`. */
export const writeVisualReport = async (path: string, inputs: VisualReportInputs): Promise<void> => {
  await writeFile(path, renderHtml(await collectVisualData(inputs)));
};
