// The risk decisions of a local run as the risk route returns them: approvals, denials by reason, and the
// latency of every first decision (a replayed intent decides nothing new, so it is not timed).
import type { IntentOutcome } from '../shared/risk/risk-service';

export class DecisionTally {
  readonly latenciesMs: number[] = [];
  readonly denied: Record<string, number> = {};
  approved = 0;

  record(outcome: IntentOutcome, elapsedMs: number): void {
    if (!outcome.replayed) this.latenciesMs.push(elapsedMs);
    if (outcome.outcome === 'approved') this.approved++;
    else this.denied[outcome.reason] = (this.denied[outcome.reason] ?? 0) + 1;
  }

  get deniedCount(): number {
    return Object.values(this.denied).reduce((a, b) => a + b, 0);
  }
}
