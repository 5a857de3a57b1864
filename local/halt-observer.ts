// The trading state port, watched for the periods trading was stopped, whoever stopped it (breaker, kill
// switch). A period starts when the write of HALTED or KILLED returned (durable by then) and ends when the
// write that let trading resume (REDUCING, WARNING or ACTIVE) was issued: an order the venue received in
// between passed no gate that could have let it through.
import type { KillSwitchRecord, KillSwitchWrite, TradingStateRecord, TradingStateStore } from '../shared/ports/trading-state-store';
import type { StateChangeOutcome, TradingStateChange } from '../shared/trading-state/state-change';
import type { TradingState } from '../shared/trading-state/trading-state';

/**
 * One period trading was stopped: `issued` when the stopping write was sent, `from` when it had returned
 * (durable by then), `to` when the write letting trading resume was sent (absent: still stopped).
 */
export interface HaltPeriod {
  issued: number;
  from: number;
  to?: number;
}

export class HaltObserver implements TradingStateStore {
  readonly haltPeriods: HaltPeriod[] = [];

  constructor(private readonly inner: TradingStateStore) {}

  get haltedAtMs(): number | undefined {
    return this.haltPeriods[0]?.from;
  }

  /** Whether the epoch ms falls in a period trading was stopped. */
  stoppedAt(ms: number): boolean {
    return this.haltPeriods.some((p) => ms > p.from && (p.to === undefined || ms < p.to));
  }

  async changeTradingState(change: TradingStateChange, killSwitch?: KillSwitchWrite): Promise<StateChangeOutcome> {
    const issuedAt = Date.now();
    const outcome = await this.inner.changeTradingState(change, killSwitch);
    if (outcome.outcome !== 'changed') return outcome;
    const open = this.haltPeriods.find((p) => p.to === undefined);
    if (change.to === 'HALTED' || change.to === 'KILLED') {
      if (!open) this.haltPeriods.push({ issued: issuedAt, from: Date.now() });
    } else if (open) {
      open.to = issuedAt;
    }
    return outcome;
  }

  getTradingState(account: string): Promise<TradingState | undefined> {
    return this.inner.getTradingState(account);
  }

  getTradingStateRecord(account: string): Promise<TradingStateRecord> {
    return this.inner.getTradingStateRecord(account);
  }

  getKillSwitch(account: string): Promise<KillSwitchRecord | undefined> {
    return this.inner.getKillSwitch(account);
  }

  markKillSwitchPaged(account: string, requestId: string, pagedAt: string): Promise<'marked' | 'not-current'> {
    return this.inner.markKillSwitchPaged(account, requestId, pagedAt);
  }
}
