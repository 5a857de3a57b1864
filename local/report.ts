// The local run's report: what the pipeline did, in the JSON shape documented in the README.
import * as z from 'zod';
import { SCENARIOS } from './scenarios';
import { formatStress, StressFiguresSchema } from './stress-figures';

export const LocalReportSchema = z.object({
  durationMs: z.number(),
  strategy: z.string(),
  seed: z.number(),
  scenario: z.enum(SCENARIOS),
  intents: z.number().int(),
  approved: z.number().int(),
  denied: z.record(z.string(), z.number().int()),
  blockedBeforeSubmit: z.record(z.string(), z.number().int()),
  /** Every order the risk function created, by final status (DENIED included). */
  orderStatuses: z.record(z.string(), z.number().int()),
  invalidProposals: z.number().int(),
  brokerOrders: z.object({
    /** Orders the broker opened. */
    submitted: z.number().int(),
    /** Submit calls made, failed and repeated ones included. */
    submitCalls: z.number().int(),
    /** Broker orders beyond the first for an intent: must be 0. */
    duplicates: z.number().int(),
    faultsInjected: z.number().int(),
    lostUpdates: z.number().int(),
  }),
  /** Valid proposals the strategy made, and those the strategy host's runaway guard did not publish. */
  intentsProposed: z.number().int(),
  intentsRefusedBySource: z.number().int(),
  /** First breach (any kind) to HALTED or KILLED being durable; null when trading never stopped. */
  haltLatencyMs: z.number().nullable(),
  /**
   * Orders that started towards the broker while trading was stopped: a broker call for a new order started
   * after HALTED or KILLED was durable (and before the write resuming trading was sent), for an order whose
   * gate pass is not from before that stop (see killDrills). Must be 0. Null when trading never stopped.
   */
  ordersAfterHalt: z.number().int().nullable(),
  /** The venue's worst-case gross exposure (open orders filling) at its own prices, highest right after any order arrived. */
  peakGrossExposure: z.string(),
  /** The account's gross-notional limit (risk limits, exposure.maxGrossNotional). */
  grossExposureCap: z.string(),
  /** Fills booked by the ledger, and executions at the broker: equal once reconciled. */
  fills: z.number().int(),
  brokerFills: z.number().int(),
  positions: z.record(z.string(), z.string()),
  cash: z.string(),
  /** Realized and unrealized P&L at the last marks; unrealized is null when a position has no mark. */
  pnl: z.object({ realized: z.string(), unrealized: z.string().nullable(), unpriced: z.array(z.string()) }),
  reconciliation: z.object({
    status: z.string(),
    breaks: z.number().int(),
    breakKinds: z.array(z.string()),
    positionsCompared: z.number().int(),
    /** Runs after the drain until one was clean (at most five, as the schedule would retry). */
    runs: z.number().int(),
    atStartup: z.string(),
  }),
  /** Order-queue messages that ended in the dead-letter queue (a person would be paged). */
  orderDeadLetters: z.number().int(),
  decisionLatencyMs: z.object({ p50: z.number(), p99: z.number(), max: z.number(), samples: z.number().int() }),
  /** Circuit-breaker executions the session started (named after the breach id), with their status at the end. */
  breakerExecutions: z.array(z.object({ name: z.string(), status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED']) })),
  /** Pages sent by the breaker and the kill switch (collected locally, not delivered). */
  breakerPages: z.number().int(),
  /** Dead-man switch checks (one a second) that found the feed's heartbeat or marks stale. */
  deadManStaleChecks: z.number().int(),
  deadLetters: z.number().int(),
  /** First few dead-letter causes, so a failed delivery is explained, not just counted. */
  deadLetterCauses: z.array(z.string()),
  /** What the feed did: its sources, the ticks it took and refused, its writes and its publishing. */
  feed: z.object({
    source: z.string().nullable(),
    sources: z.array(z.string()),
    ticks: z.object({ received: z.number().int(), accepted: z.number().int(), quarantined: z.number().int(), held: z.number().int(), rejected: z.record(z.string(), z.number().int()) }),
    gaps: z.object({ count: z.number().int(), missing: z.number().int() }),
    silentEpisodes: z.number().int(),
    failovers: z.number().int(),
    marksWritten: z.number().int(),
    markWriteFailures: z.number().int(),
    heartbeatsWritten: z.number().int(),
    heartbeatFailures: z.number().int(),
    intentsPublished: z.number().int(),
    putEventsCalls: z.number().int(),
    putEventsRetriedEntries: z.number().int(),
  }),
  /** Per strategy: tick batches run, intents published, errors, timeouts, and whether it was disabled. */
  strategies: z.record(z.string(), z.object({ ticks: z.number().int(), intents: z.number().int(), errors: z.number().int(), timeouts: z.number().int(), disabled: z.boolean() })),
  /**
   * The kill drills (kill-drill; null in other scenarios). Three records kept apart from the gate's decision:
   * when each stop was durable (its state write had returned, HaltObserver), when each broker call for a new
   * order started (the session's wrapper of the broker port), and each order's gatePassedAt (its worker's
   * clock when it sent the claim, so never later than the claim's commit).
   * - ordersStartedAfterStop: orders with a broker call started while stopped whose gatePassedAt is at or
   *   after that stop's durable time, or missing: the claim was sent after the stop was durable and the order
   *   still went to the broker. Must be 0 (the same count as ordersAfterHalt).
   * - ordersInTransitAtStop: per drill, orders whose gatePassedAt lies in the drill's ACTIVE period before the
   *   stop was durable, not blocked afterwards, and not at the venue by then (received later, or never): past
   *   the gate, not at the broker, when the stop landed. Summed over the drills.
   * - maxStopMs: the longest press → the kill answered (intake stopped) and every order in transit at its
   *   stop was final (filled, cancelled, rejected or blocked).
   * - approvedPerSecond: approvals per second of ACTIVE trading before each press (lowest and mean).
   */
  killDrills: z
    .object({
      planned: z.number().int(),
      /** Drills that went all the way round (press, settle, clean reconciliation, release, approval, ACTIVE). */
      count: z.number().int(),
      ordersStartedAfterStop: z.number().int(),
      ordersInTransitAtStop: z.number().int(),
      maxStopMs: z.number(),
      approvedPerSecond: z.object({ min: z.number(), mean: z.number() }),
      drills: z.array(
        z.object({
          drill: z.number().int(),
          pressedAt: z.string(),
          killStatus: z.number().int(),
          presses: z.number().int(),
          /** Press → KILLED durable. */
          durableMs: z.number().nullable(),
          stopMs: z.number().nullable(),
          inTransit: z.number().int(),
          /** The first few in-transit orders' intent ids. */
          inTransitIds: z.array(z.string()),
          startedAfterStop: z.number().int(),
          approvedPerSecond: z.number(),
          /** Press → ACTIVE again (the drill's whole round). */
          roundMs: z.number().nullable(),
          failure: z.string().optional(),
        }),
      ),
    })
    .nullable(),
  peakRssMb: z.number(),
  stoppedBy: z.enum(['duration', 'signal', 'done']),
  /**
   * The runaway scenario: whether the strategy host's guard was on, which layer's breach stopped the flood
   * (the first breach that started the breaker), when the flood began (the first intent beyond the account's
   * order-rate limit within its window) and how long after it trading was HALTED.
   */
  runaway: z
    .object({
      sourceGuard: z.boolean(),
      stoppedBy: z.enum(['source-guard', 'risk-intent-flood', 'risk-order-rate', 'other-breach', 'not-stopped']),
      firstBreachId: z.string().nullable(),
      floodStartedAt: z.string().nullable(),
      haltedAfterMs: z.number().nullable(),
      /** Intents the risk function denied INTENT_FLOOD. */
      deniedIntentFlood: z.number().int(),
    })
    .optional(),
  /**
   * The chaos scenario (local/chaos.ts): faults injected by kind (brokerFault: the simulated venue's own), where
   * invocations died, broker orders and duplicates, FILL items in the table against the venue's executions, the
   * final reconciliation, the intents published and decided, and ok: every kind injected at least once and the
   * invariants held.
   */
  chaos: z
    .object({
      injected: z.object({
        storageThrottle: z.number().int(),
        transactionConflict: z.number().int(),
        publishPartialFailure: z.number().int(),
        redelivery: z.number().int(),
        handlerDeath: z.number().int(),
        brokerFault: z.number().int(),
      }),
      handlerDeaths: z.object({ beforeWrite: z.number().int(), afterWrite: z.number().int(), afterBrokerCall: z.number().int() }),
      brokerOrders: z.object({ total: z.number().int(), duplicates: z.number().int() }),
      fills: z.object({ booked: z.number().int(), broker: z.number().int() }),
      reconciliation: z.object({ status: z.string(), breaks: z.number().int() }),
      intents: z.object({ published: z.number().int(), decided: z.number().int() }),
      ok: z.boolean(),
    })
    .optional(),
  /** The stress scenario (docs/stress.md): twice the peak driven, the decisions sustained, the halt under load. */
  stress: StressFiguresSchema.optional(),
  /**
   * A run with --data-dir (docs/reconciliation.md, Crash and resume), counted over every run of the directory:
   * what start-up settled after a kill (null on a fresh run), FILL items in the table against the venue's
   * executions, and client order ids the venue was sent more than once (a re-send, even one it deduped).
   */
  crashResume: z
    .object({
      resumed: z.boolean(),
      settledAtStartup: z.object({ booked: z.number().int(), blocked: z.number().int(), lostClaims: z.number().int() }).nullable(),
      fills: z.object({ booked: z.number().int(), broker: z.number().int() }),
      resubmittedIntents: z.number().int(),
    })
    .optional(),
});
export type LocalReport = z.infer<typeof LocalReportSchema>;

/** Nearest-rank percentile of the samples (0 when there are none). */
export const percentile = (samples: readonly number[], p: number): number => {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
};

export const formatSummary = (r: LocalReport): string => {
  const denied = Object.entries(r.denied).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  const positions = Object.entries(r.positions).map(([k, v]) => `${k} ${v}`).join(', ') || 'flat';
  return [
    `run finished (${r.stoppedBy}) after ${(r.durationMs / 1000).toFixed(1)} s, strategy ${r.strategy}, seed ${r.seed}, scenario ${r.scenario}`,
    `  intents        ${r.intents} published of ${r.intentsProposed} proposed (${r.intentsRefusedBySource} refused by the runaway guard)`,
    `  approved       ${r.approved}`,
    `  denied         ${denied}`,
    `  orders         ${Object.entries(r.orderStatuses).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'}`,
    `  broker orders  ${r.brokerOrders.submitted} (submit calls ${r.brokerOrders.submitCalls}, duplicates ${r.brokerOrders.duplicates}, ` +
      `faults injected ${r.brokerOrders.faultsInjected}, updates lost ${r.brokerOrders.lostUpdates})`,
    `  fills          ${r.fills} booked, ${r.brokerFills} at the broker`,
    `  positions      ${positions}`,
    `  cash           ${r.cash}`,
    `  P&L            realized ${r.pnl.realized}, unrealized ${r.pnl.unrealized ?? `unknown (no mark for ${r.pnl.unpriced.join(', ')})`}`,
    `  reconciliation ${r.reconciliation.status}, ${r.reconciliation.breaks} break(s)${r.reconciliation.breakKinds.length ? ` (${r.reconciliation.breakKinds.join(', ')})` : ''} ` +
      `over ${r.reconciliation.positionsCompared} symbol(s) after ${r.reconciliation.runs} run(s); at start-up ${r.reconciliation.atStartup}`,
    `  decision ms    p50 ${r.decisionLatencyMs.p50.toFixed(2)}, p99 ${r.decisionLatencyMs.p99.toFixed(2)} (${r.decisionLatencyMs.samples} decisions)`,
    `  halt           ${
      r.ordersAfterHalt === null
        ? 'trading never stopped'
        : `${r.haltLatencyMs === null ? 'stopped before any breach (by a person)' : `${r.haltLatencyMs.toFixed(0)} ms from the first breach to HALTED`}; ${r.ordersAfterHalt} order(s) started towards the broker while stopped`
    }`,
    ...(r.killDrills
      ? [
          `  kill drills    ${r.killDrills.count} of ${r.killDrills.planned} done; ${r.killDrills.ordersStartedAfterStop} order(s) started after a stop, ` +
            `${r.killDrills.ordersInTransitAtStop} in transit at a stop; longest stop ${r.killDrills.maxStopMs.toFixed(0)} ms; ` +
            `approved/s while ACTIVE min ${r.killDrills.approvedPerSecond.min.toFixed(1)}, mean ${r.killDrills.approvedPerSecond.mean.toFixed(1)}` +
            (r.killDrills.drills.some((d) => d.failure) ? `; ${r.killDrills.drills.flatMap((d) => (d.failure ? [`drill ${d.drill}: ${d.failure}`] : [])).join('; ')}` : ''),
        ]
      : []),
    `  gross exposure peak ${r.peakGrossExposure} (cap ${r.grossExposureCap})`,
    ...(r.runaway
      ? [
          `  runaway        stopped by ${r.runaway.stoppedBy} (source guard ${r.runaway.sourceGuard ? 'on' : 'OFF'}); flood from ${r.runaway.floodStartedAt ?? 'never'}, ` +
            `halted ${r.runaway.haltedAfterMs === null ? 'never' : `${r.runaway.haltedAfterMs} ms`} after it; ${r.runaway.deniedIntentFlood} denied INTENT_FLOOD`,
        ]
      : []),
    ...(r.chaos
      ? [
          `  chaos          ${Object.entries(r.chaos.injected).map(([k, v]) => `${k}=${v}`).join(', ')}; deaths ${Object.entries(r.chaos.handlerDeaths).map(([k, v]) => `${k}=${v}`).join(', ')}; ` +
            `${r.chaos.brokerOrders.duplicates} duplicate(s) in ${r.chaos.brokerOrders.total} broker orders, fills ${r.chaos.fills.booked} booked of ${r.chaos.fills.broker}, intents ${r.chaos.intents.decided} decided of ${r.chaos.intents.published}: ${r.chaos.ok ? 'ok' : 'FAILED'}`,
        ]
      : []),
    ...(r.stress ? formatStress(r.stress) : []),
    `  breaker        ${r.breakerExecutions.length ? r.breakerExecutions.map((e) => `${e.name} ${e.status}`).join(', ') : 'not tripped'}${r.breakerPages ? `, ${r.breakerPages} page(s)` : ''}`,
    `  dead-man       ${r.deadManStaleChecks === 0 ? 'feed fresh at every check' : `${r.deadManStaleChecks} check(s) found the feed stale`}`,
    `  dead letters   ${r.deadLetters} events${r.deadLetterCauses.length ? ` (${r.deadLetterCauses.join('; ')})` : ''}, ${r.orderDeadLetters} order messages`,
    `  peak RSS       ${r.peakRssMb.toFixed(0)} MB`,
  ].join('\n');
};
