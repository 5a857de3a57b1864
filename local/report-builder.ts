// Builds a local run's report once it is drained and reconciled: the counts of every part of the pipeline,
// the broker's own book beside the table's, and the halt measured against the venue's order times.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { valueLedger } from '../shared/ledger/valuation';
import { ORDER_STATUSES, type OrderRecord } from '../shared/orders/order-record';
import type { ReconciliationRecord } from '../shared/ports/reconciliation-store';
import { METRICS } from '../shared/telemetry/metrics';
import type { DrainOutcome } from './drain';
import type { KillDrillRecord } from './kill-drill';
import { killDrillFigures, startedWhileStopped } from './kill-drill-report';
import type { BreakerExecutionStatus } from './local-breaker';
import { percentile, type LocalReport } from './report';
import type { SessionWiring } from './session-wiring';
import type { FeedReport } from '../shared/feed/feed';
import type { LocalFeed } from './local-feed';
import type { TradingLoop } from './trading-loop';
import { layerOf } from './flood-timeline';
import { stressFigures, type StressRecord } from './stress';
import { chaosFigures } from './chaos-report';

export interface ReportInputs {
  wiring: SessionWiring;
  loop: TradingLoop;
  feed: LocalFeed;
  /** The feed's report when it stopped. */
  feedReport: FeedReport;
  /** The reconciliation the session ran at start-up. */
  startup: ReconciliationRecord | undefined;
  drained: DrainOutcome;
  /** The breaker's executions as they stood when the session ended. */
  breakerExecutions: { name: string; status: BreakerExecutionStatus }[];
  peakRssMb: number;
  /** The kill drills the session ran (kill-drill). */
  killDrills?: { planned: number; records: readonly KillDrillRecord[] };
  /** What the stress drive saw (stress). */
  stress?: StressRecord;
}

const countBy = <T>(items: readonly T[], key: (item: T) => string): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/**
 * The halt, measured from the earliest breach that started the breaker (any source) to the moment HALTED or
 * KILLED was durable; not measured when trading was stopped before any breach (a person's kill). Orders after
 * it: those that started towards the broker while stopped (local/stop-accounting.ts), not those the venue
 * received then (an order past the gate before the stop is in transit, and may arrive after it).
 */
const haltFigures = (w: SessionWiring, orders: readonly OrderRecord[]): Pick<LocalReport, 'haltLatencyMs' | 'ordersAfterHalt'> => {
  const firstBreachMs = w.breaches.firstBreachMs;
  const haltedAtMs = w.haltObserver.haltedAtMs;
  return {
    haltLatencyMs: firstBreachMs !== undefined && haltedAtMs !== undefined && haltedAtMs >= firstBreachMs ? haltedAtMs - firstBreachMs : null,
    ordersAfterHalt: haltedAtMs !== undefined ? startedWhileStopped(w, orders).length : null,
  };
};

/** The runaway scenario's account of the flood: which layer stopped it and how long after it began. */
const runawayFigures = (w: SessionWiring): LocalReport['runaway'] => {
  const { orderRate } = w.settings.config.riskLimits;
  const floodStartMs = w.flood.floodStartMs(orderRate.maxOrders, orderRate.windowMs);
  const first = w.breaches.firstBreach;
  const haltedAtMs = w.haltObserver.haltedAtMs;
  return {
    sourceGuard: w.settings.sourceGuard !== false,
    stoppedBy: haltedAtMs === undefined ? 'not-stopped' : layerOf(first?.kind),
    firstBreachId: first?.breachId ?? null,
    floodStartedAt: floodStartMs === undefined ? null : new Date(floodStartMs).toISOString(),
    haltedAfterMs: floodStartMs !== undefined && haltedAtMs !== undefined ? haltedAtMs - floodStartMs : null,
    deniedIntentFlood: w.decisions.denied.INTENT_FLOOD ?? 0,
  };
};

const brokerOrders = (w: SessionWiring): LocalReport['brokerOrders'] => ({
  submitted: w.broker.submittedOrderCount(),
  submitCalls: w.broker.submitCalls(),
  duplicates: w.broker.duplicateOrderCount(),
  faultsInjected: Object.values(w.broker.faultCount()).reduce((a, b) => a + b, 0),
  lostUpdates: w.broker.lostUpdateCount(),
});

export const buildReport = async ({ wiring: w, loop, feed, feedReport, startup, drained, breakerExecutions, peakRssMb, killDrills, stress }: ReportInputs): Promise<LocalReport> => {
  const { account, seed, config, profile } = w.settings;
  const hosts = feed.hosts.hosts;
  const strategy = hosts.map((host) => host.name).join(',');
  const total = (of: (host: (typeof hosts)[number]) => number) => hosts.reduce((sum, host) => sum + of(host), 0);
  const { finalRun: run, finalRuns } = drained;
  const orderDeadLetters = await w.sqsClient.send(new GetQueueAttributesCommand({ QueueUrl: w.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  const orders = await w.stores.orderStore.listOrders(account, ORDER_STATUSES);
  const orderStatuses = countBy(orders, (o) => o.status);
  const ledger = await w.stores.reconciliationStore.listPositions(account);
  const positions = Object.fromEntries(ledger.filter((p) => p.quantity !== '0').map((p) => [p.symbol, p.quantity]));
  const valuation = valueLedger(ledger, await w.stores.marketDataStore.getMarks());
  const latencies = w.decisions.latenciesMs;
  const chaos = await chaosFigures(w, run);
  return {
    durationMs: Date.now() - loop.started,
    strategy,
    seed,
    intents: loop.intents,
    approved: w.decisions.approved,
    denied: w.decisions.denied,
    blockedBeforeSubmit: w.telemetry.countsBy(METRICS.orderBlocked, 'reason'),
    orderStatuses,
    invalidProposals: total((host) => w.telemetry.countOf('StrategyProposalInvalid', { strategy: host.name })),
    scenario: profile.scenario,
    brokerOrders: brokerOrders(w),
    intentsProposed: total((host) => host.proposed),
    intentsRefusedBySource: total((host) => host.refused),
    ...haltFigures(w, orders),
    peakGrossExposure: w.broker.peakGrossExposure(),
    grossExposureCap: config.riskLimits.exposure.maxGrossNotional,
    fills: w.telemetry.countOf(METRICS.fillApplied),
    brokerFills: w.broker.fills().length,
    positions,
    cash: (await w.stores.reconciliationStore.getBook(account)).cash,
    pnl: { realized: valuation.totals.realizedPnl, unrealized: valuation.totals.unrealizedPnl, unpriced: valuation.unpriced },
    reconciliation: {
      status: run?.status ?? 'failed',
      breaks: run?.breaks.length ?? 1,
      breakKinds: [...new Set((run?.breaks ?? []).map((b) => b.kind))],
      positionsCompared: Object.keys(positions).length,
      runs: finalRuns,
      atStartup: startup?.status ?? 'failed',
    },
    orderDeadLetters: Number(orderDeadLetters.Attributes?.ApproximateNumberOfMessages ?? 0),
    decisionLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100), samples: latencies.length },
    breakerExecutions,
    breakerPages: w.pager.pages.length,
    deadManStaleChecks: loop.deadManStaleChecks,
    deadLetters: w.router.deadLetters.length,
    deadLetterCauses: w.router.deadLetters.slice(0, 3).map((d) => `${d.route}: ${d.error instanceof Error ? d.error.message : String(d.error)}`),
    feed: feedReport,
    strategies: feed.hosts.stats(),
    killDrills: killDrillFigures(w, orders, killDrills),
    peakRssMb,
    stoppedBy: loop.stoppedBy,
    ...(profile.scenario === 'runaway' ? { runaway: runawayFigures(w) } : {}),
    ...(stress ? { stress: stressFigures(w, stress, { proposed: total((host) => host.proposed), published: loop.intents, ordersAfterHalt: haltFigures(w, orders).ordersAfterHalt }) } : {}),
    ...(chaos ? { chaos } : {}),
  };
};
