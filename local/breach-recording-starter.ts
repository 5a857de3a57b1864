// A BreakerStarter that passes every trip on and notes when each breach that started an execution was
// detected, so the report can time the halt from the first one. A release's recovery is not a breach.
import type { BreakerStarter, BreakerTrip } from '../shared/ports/breaker-starter';

export class BreachRecordingStarter implements BreakerStarter {
  /** detectedAt (epoch ms) of every breach that started a breaker execution. */
  readonly breachTimes: number[] = [];
  /** The same breaches' kinds and ids, in the same order. */
  readonly breachesStarted: { kind: string; breachId: string; at: number }[] = [];

  constructor(private readonly startExecution: (trip: BreakerTrip) => Promise<'started' | 'duplicate'>) {}

  async start(trip: BreakerTrip): Promise<'started' | 'duplicate'> {
    const outcome = await this.startExecution(trip);
    if (outcome === 'started' && trip.kind !== 'RELEASE') {
      this.breachTimes.push(Date.parse(trip.detectedAt));
      this.breachesStarted.push({ kind: trip.kind, breachId: trip.breachId, at: Date.parse(trip.detectedAt) });
    }
    return outcome;
  }

  /** The earliest breach that started an execution, from any source; undefined when none did. */
  get firstBreachMs(): number | undefined {
    return this.breachTimes.length > 0 ? Math.min(...this.breachTimes) : undefined;
  }

  /** The earliest breach that started an execution (detected first), with its kind and id. */
  get firstBreach(): { kind: string; breachId: string; at: number } | undefined {
    return this.breachesStarted.reduce<{ kind: string; breachId: string; at: number } | undefined>((first, b) => (first === undefined || b.at < first.at ? b : first), undefined);
  }
}
