// The drain after the trading loop: every intent decided, every queued message consumed, the venue done with
// every order, then reconciliation until a run is clean. The relay and the API close before the final runs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReconciliationRecord } from '../shared/ports/reconciliation-store';
import { DECIDER_LEASE_MS } from '../shared/risk/risk-service';
import type { BrokerUpdateRelay } from '../shared/feed/broker-update-relay';
import type { LocalApi } from './local-api';
import type { SessionWiring } from './session-wiring';

/** Generous: under the faults scenario the order queue holds a backlog of broker updates at the end. */
const DRAIN_DEADLINE_MS = 60_000;

/** How often the drain sweeps again while intents stay parked behind a lease, and how long past the lease it tries. */
const PARKED_SWEEP_INTERVAL_MS = 500;
const PARKED_SWEEP_MARGIN_MS = 1_000;

/** A scheduled reconciliation runs again while it is not clean, as the schedule would every minute. */
const MAX_FINAL_RECONCILIATIONS = 5;

/** Broker statuses of an order the venue is not done with. */
const VENUE_LIVE_STATUSES = ['accepted', 'partially_filled', 'pending_cancel'];

export interface DrainOptions {
  /** The trading loop's work still running beside it (its last reconciliation and dead-man check). */
  loop: { settle(): Promise<void> };
  api?: LocalApi;
  /** The feed's relay of the broker's updates: it runs until the venue is done, then closes. */
  relay: BrokerUpdateRelay;
  onProgress?: (line: string) => void;
  /** Samples memory once the queues are empty, before the final reconciliation. */
  sampleMemory: () => void;
  /** Runs once the final reconciliation is done, on the drained session (SessionOptions.afterDrain). */
  afterDrain?: ((w: SessionWiring) => Promise<void>) | undefined;
}

export interface DrainOutcome {
  /** The last reconciliation after the drain; undefined if it reconciled no account. */
  finalRun: ReconciliationRecord | undefined;
  /** Reconciliations after the drain until one was clean (at most five). */
  finalRuns: number;
}

/** Nothing live in the table, and the venue done with every order. */
const settled = async (w: SessionWiring): Promise<boolean> => {
  const live = await w.stores.orderStore.listOrders(w.settings.account, ['PENDING', 'SUBMITTED', 'IN_FLIGHT']);
  return live.length === 0 && w.broker.orders().every((o) => !VENUE_LIVE_STATUSES.includes(o.status));
};

/**
 * Lets the venue match and the consumer work until the queue is idle and everything is settled; an idle queue
 * with orders unsettled means what was handed over to reconciliation needs a run. Returns the deadline.
 */
const waitForVenue = async (w: SessionWiring): Promise<number> => {
  const deadline = Date.now() + DRAIN_DEADLINE_MS;
  for (let drainStart = Date.now(); Date.now() < deadline; ) {
    w.broker.advance();
    if (w.eventSource.idleAfter(drainStart) && (await settled(w))) break;
    if (w.eventSource.idleAfter(drainStart)) {
      await w.reconcile('drain');
      drainStart = Date.now();
    }
    await sleep(100);
  }
  return deadline;
};

const reconcileUntilClean = async (w: SessionWiring): Promise<DrainOutcome> => {
  let finalRun = await w.reconcile('final');
  let finalRuns = 1;
  while (finalRun?.status !== 'clean' && finalRuns < MAX_FINAL_RECONCILIATIONS) {
    await sleep(200);
    finalRun = await w.reconcile('final');
    finalRuns++;
  }
  return { finalRun, finalRuns };
};

/**
 * Decides what deciders left parked, as the one-minute schedule would (its decisions' events go through the
 * router). A decider that failed mid-decision (a throttle, a death) may still hold the account's lease, and the
 * sweep leaves a held lease alone: it is swept again until nothing is parked or the lease has surely expired.
 */
const sweepUntilNoneParked = async (w: SessionWiring): Promise<void> => {
  const deadline = Date.now() + DECIDER_LEASE_MS + PARKED_SWEEP_MARGIN_MS;
  for (;;) {
    while ((await w.sweepParked()) > 0) await w.router.drain();
    if ((await w.stores.decisionIntake.parked(w.settings.account, 1)).length === 0 || Date.now() >= deadline) return;
    await sleep(PARKED_SWEEP_INTERVAL_MS);
  }
};

export const drainSession = async (w: SessionWiring, options: DrainOptions): Promise<DrainOutcome> => {
  const began = Date.now();
  options.onProgress?.('draining: deciding queued intents, consuming the order queue, letting the venue finish');
  await options.loop.settle();
  // Chaos is the trading period's: the drain settles what it left, and the final reconciliation and the report
  // that judge the run are read without anything injected.
  w.chaos?.disarm();
  if (!w.eventSource.isEnabled) {
    // The kill switch stopped the consumer. Locally it runs again for the drain so the queue empties; the
    // trading state (KILLED) blocks every approval at the order function's gate, and the report shows it.
    options.onProgress?.('the kill switch stopped the queue consumer: restarting it to drain (approvals are blocked by the trading state)');
    w.eventSource.start();
  }
  await w.router.drain();
  await sweepUntilNoneParked(w);
  const deadline = await waitForVenue(w);
  await options.relay.close();
  await options.api?.close();
  await w.eventSource.stop();
  await w.router.drain();
  await w.intentIntake.stop();
  options.sampleMemory();
  options.onProgress?.(`drained in ${((Date.now() - began) / 1000).toFixed(1)} s${Date.now() >= deadline ? ' (deadline reached: work left to reconciliation)' : ''}; reconciling`);
  const outcome = await reconcileUntilClean(w);
  await options.afterDrain?.(w);
  return outcome;
};
