// The kill drills of `--scenario kill-drill`: while orders flow, people work the kill switch through the local
// API as they would in production: one presses it at a seeded random moment, the session waits until the
// stop has settled and a reconciliation is clean, a second person releases, a third approves the breaker's
// recovery, and trading is ACTIVE again; then the next drill. Each drill records its times for the report.
import { setTimeout as sleep } from 'node:timers/promises';
import { isBrokerLive, type OrderStatus } from '../shared/orders/order-record';
import { seededRandom } from '../shared/random/seeded';
import type { SessionWiring } from './session-wiring';
import type { TradingLoop } from './trading-loop';

/** Three people: four eyes on the release (not the activator) and on the approval (neither of them). */
export const DRILL_PRINCIPALS = { activator: 'drill-alice', releaser: 'drill-bob', approver: 'drill-carol' } as const;

/** Trading between drills (ACTIVE), drawn per drill from the seed. */
const TRADE_MIN_MS = 1_000;
const TRADE_SPREAD_MS = 1_500;
const WARMUP_MS = 3_000;
const POLL_MS = 50;
const SETTLE_DEADLINE_MS = 15_000;
/** Live at the broker this long after the kill answered: the person presses again (a repeat re-runs cancel-all). */
const REPRESS_AFTER_MS = 2_000;
const RECOVERY_DEADLINE_MS = 30_000;
const CLEAN_RECONCILIATION_ATTEMPTS = 10;

/** Orders that are past the gate and not final: in transit, or live at the broker. */
const UNSETTLED: readonly OrderStatus[] = ['SUBMITTED', 'IN_FLIGHT', 'ACCEPTED', 'PARTIALLY_FILLED', 'PENDING_CANCEL'];

export interface KillDrillRecord {
  drill: number;
  /** Epoch ms: trading was ACTIVE from (the run's start, or the previous drill's return) until the press. */
  activeSince: number;
  /** Epoch ms: the drill's trading window (drawn from the seed) began; the order rate is measured over it. */
  tradedFrom: number;
  pressedAt: number;
  /** The kill's HTTP status (200, or 207 when a step was left incomplete) and when it answered. */
  killStatus: number;
  answeredAt: number;
  /** When KILLED was durable (its write had returned); null when it never was. */
  stopDurableAt: number | null;
  /** When every order in transit at the stop was final (filled, cancelled, rejected or blocked). */
  settledAt: number | null;
  /** Kill presses it took (a repeat when an in-transit order was still live at the broker). */
  presses: number;
  releasedAt: number | null;
  activeAgainAt: number | null;
  /** Why the drill did not complete; absent when it did. */
  failure?: string;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface KillDrillOptions {
  url: string;
  loop: TradingLoop;
  drills: number;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

class DrillFailed extends Error {}

export class KillDrills {
  readonly records: KillDrillRecord[] = [];
  finished = false;
  private readonly random: () => number;

  constructor(
    private readonly w: SessionWiring,
    private readonly o: KillDrillOptions,
  ) {
    this.random = seededRandom(o.seed * 7_919 + 15);
  }

  /** Runs the drills one after another; a drill that cannot complete ends them (trading stays stopped). */
  async run(activeSince: number): Promise<void> {
    try {
      let since = activeSince;
      for (let i = 1; i <= this.o.drills && !this.o.signal?.aborted; i++) {
        const record = await this.drill(i, since);
        this.records.push(record);
        this.o.onProgress?.(
          record.failure
            ? `kill drill ${i}: ${record.failure}`
            : `kill drill ${i}: stop ${(record.settledAt ?? 0) - record.pressedAt} ms, ACTIVE again after ${((record.activeAgainAt ?? 0) - record.pressedAt) / 1000} s`,
        );
        if (record.failure || record.activeAgainAt === null) break;
        since = record.activeAgainAt;
      }
    } catch (error) {
      this.w.errors.push(error);
    } finally {
      this.finished = true;
    }
  }

  private async drill(drill: number, activeSince: number): Promise<KillDrillRecord> {
    // The first drill lets the flow warm up (cold decisions locally take seconds) before its window.
    if (drill === 1) await sleep(WARMUP_MS);
    const tradedFrom = Date.now();
    await sleep(TRADE_MIN_MS + Math.floor(this.random() * TRADE_SPREAD_MS));
    const pressedAt = Date.now();
    const record: KillDrillRecord = { drill, activeSince, tradedFrom, pressedAt, killStatus: 0, answeredAt: 0, stopDurableAt: null, settledAt: null, presses: 1, releasedAt: null, activeAgainAt: null };
    try {
      const kill = await this.post('/kill-switch', DRILL_PRINCIPALS.activator, `kill drill ${drill}`);
      record.answeredAt = Date.now();
      record.killStatus = kill.status;
      if (kill.status !== 200 && kill.status !== 207) throw new DrillFailed(`the kill answered ${kill.status}: ${JSON.stringify(kill.body)}`);
      record.stopDurableAt = this.w.haltObserver.haltPeriods.find((p) => p.issued >= pressedAt)?.from ?? null;
      if (record.stopDurableAt === null) throw new DrillFailed('the kill answered but no stop was written');
      await this.settle(record, drill);
      await this.cleanReconciliation();
      const release = await this.post('/kill-switch/release', DRILL_PRINCIPALS.releaser, `drill ${drill}: reconciled clean`);
      if (release.status !== 200 && release.status !== 207) throw new DrillFailed(`the release answered ${release.status}: ${JSON.stringify(release.body)}`);
      record.releasedAt = Date.now();
      // The recovery's evaluation needs a clean run completed after the release.
      await this.cleanReconciliation();
      await this.approveRecovery(drill);
      record.activeAgainAt = Date.now();
    } catch (error) {
      if (!(error instanceof DrillFailed)) throw error;
      record.failure = error.message;
    }
    return record;
  }

  /**
   * Waits until every order past the gate before the stop and not at the venue by then is final. One still
   * live at the broker after a while gets a second press (a repeat activation runs cancel-all again).
   */
  private async settle(record: KillDrillRecord, drill: number): Promise<void> {
    const durable = record.stopDurableAt ?? 0;
    const { account } = this.w.settings;
    const arrivals = new Map(this.w.broker.orders().map((o) => [o.clientOrderId, Date.parse(o.submittedAt)]));
    const candidates = (await this.w.stores.orderStore.listOrders(account, UNSETTLED))
      .filter((o) => o.gatePassedAt !== undefined && o.gatePassedAt >= record.activeSince && o.gatePassedAt < durable)
      .filter((o) => (arrivals.get(o.intent.intentId) ?? Number.POSITIVE_INFINITY) > durable)
      .map((o) => o.intent.intentId);
    const deadline = Date.now() + SETTLE_DEADLINE_MS;
    let pending = candidates;
    while (pending.length > 0) {
      this.stopIfRunEnded();
      if (Date.now() > deadline) throw new DrillFailed(`${pending.length} order(s) in transit at the stop still not final after ${SETTLE_DEADLINE_MS} ms: ${pending.join(', ')}`);
      const orders = await Promise.all(pending.map((id) => this.w.stores.orderStore.getOrder(account, id)));
      pending = orders.flatMap((o) => (o && UNSETTLED.includes(o.status) ? [o.intent.intentId] : []));
      if (pending.length > 0 && record.presses === 1 && Date.now() - record.answeredAt > REPRESS_AFTER_MS && orders.every((o) => !o || !UNSETTLED.includes(o.status) || isBrokerLive(o.status))) {
        record.presses++;
        await this.post('/kill-switch', DRILL_PRINCIPALS.activator, `kill drill ${drill}: cancel what was in transit`);
      }
      if (pending.length > 0) await sleep(POLL_MS);
    }
    record.settledAt = Math.max(Date.now(), record.answeredAt);
  }

  private async cleanReconciliation(): Promise<void> {
    for (let attempt = 1; attempt <= CLEAN_RECONCILIATION_ATTEMPTS; attempt++) {
      const run = await this.o.loop.reconcileNow('drill');
      if (run?.status === 'clean') return;
      await sleep(200);
    }
    throw new DrillFailed(`no clean reconciliation in ${CLEAN_RECONCILIATION_ATTEMPTS} runs`);
  }

  /** The breaker's recovery: cooldown, evaluation, REDUCING, probation; then a third person approves ACTIVE. */
  private async approveRecovery(drill: number): Promise<void> {
    const deadline = Date.now() + RECOVERY_DEADLINE_MS;
    let approved = false;
    while (Date.now() < deadline) {
      this.stopIfRunEnded();
      const status = await this.status();
      const state = status.body.tradingState;
      const breaker = status.body.breaker as { awaitingApproval?: boolean; stage?: string } | null;
      if (state === 'ACTIVE') return;
      if (!approved && state === 'REDUCING' && breaker?.awaitingApproval) {
        const answer = await this.post('/breaker/approve', DRILL_PRINCIPALS.approver, `drill ${drill}: recovery checks passed`);
        if (answer.status !== 200) throw new DrillFailed(`the approval answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        approved = true;
      }
      if (state === 'HALTED' && breaker && ['STAYED_HALTED', 'FAILED_CLOSED'].includes(breaker.stage ?? '')) {
        throw new DrillFailed(`the recovery ended ${breaker.stage}: ${this.w.pager.pages.at(-2)?.message ?? ''}`);
      }
      await sleep(POLL_MS * 2);
    }
    throw new DrillFailed(`trading not ACTIVE ${RECOVERY_DEADLINE_MS} ms after the release`);
  }

  private stopIfRunEnded(): void {
    if (this.o.signal?.aborted) throw new DrillFailed('the run ended before the drill completed');
  }

  private async post(path: string, principal: string, reason: string): Promise<Answer> {
    return this.call(path, { method: 'POST', headers: { 'x-principal': principal, 'content-type': 'application/json' }, body: JSON.stringify({ account: this.w.settings.account, reason }) });
  }

  private status(): Promise<Answer> {
    return this.call(`/status?account=${encodeURIComponent(this.w.settings.account)}`, { headers: { 'x-principal': DRILL_PRINCIPALS.approver } });
  }

  private async call(path: string, init: RequestInit): Promise<Answer> {
    const response = await fetch(`${this.o.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}
