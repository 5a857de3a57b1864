// The risk decisions of a local run as the risk route returns them: approvals, denials by reason, and the
// latency of every first decision from its intent's arrival. A replayed intent (delivered again) decides
// nothing new, so it is neither counted again nor timed. Whoever decides an intent reports it: the invocation
// that parked it only says 'queued'.
import type { IntentOutcome } from '../shared/risk/risk-service';

export class DecisionTally {
  readonly latenciesMs: number[] = [];
  readonly denied: Record<string, number> = {};
  approved = 0;
  /** Epoch ms of the first and the last decision: the span a sustained rate is measured over. */
  firstDecidedAtMs: number | undefined;
  lastDecidedAtMs: number | undefined;

  /** One decision, with the time from its intent's arrival at the risk function to its decision. */
  record(outcome: IntentOutcome, elapsedMs: number): void {
    if (outcome.outcome === 'queued' || outcome.replayed) return;
    this.latenciesMs.push(elapsedMs);
    const now = Date.now();
    this.firstDecidedAtMs ??= now;
    this.lastDecidedAtMs = now;
    if (outcome.outcome === 'approved') this.approved++;
    else this.denied[outcome.reason] = (this.denied[outcome.reason] ?? 0) + 1;
  }

  get deniedCount(): number {
    return Object.values(this.denied).reduce((a, b) => a + b, 0);
  }
}
