// Whether the feed task is ready to be relied on, check by check: it leads (holds the lease), a market-data
// source is healthy, its marks are fresh while a subscribed market is open, and the bus took its last call.
// Liveness is separate (the process answers at all); readiness is what an operator waits for before arming.
import type { FeedHealth } from './feed';

export interface ReadinessCheck {
  ok: boolean;
  detail: string;
}

export interface FeedReadiness {
  ready: boolean;
  checks: { lease: ReadinessCheck; source: ReadinessCheck; marks: ReadinessCheck; bus: ReadinessCheck };
}

export interface ReadinessInputs {
  /** The leadership state (`FeedLeadership.state`, after `isLeading()`). */
  lease: 'standby' | 'leading' | 'lost' | 'released';
  /** The feed's health; undefined while it has not started (not leading yet). */
  health: FeedHealth | undefined;
  /** Whether any subscribed symbol's market is open now (closed markets send nothing to be fresh with). */
  marketOpen: boolean;
  nowMs: number;
  marksFreshMs: number;
  /** Why the feed could not be wired yet (its broker key unreadable, say): it is alive, retrying, not ready. */
  notStarted?: string;
}

const check = (ok: boolean, detail: string): ReadinessCheck => ({ ok, detail });

const marksCheck = ({ health, marketOpen, nowMs, marksFreshMs }: ReadinessInputs): ReadinessCheck => {
  const at = health?.lastMarksWrittenAtMs;
  const age = at === undefined ? undefined : nowMs - at;
  if (age !== undefined && age <= marksFreshMs) return check(true, `marks written ${age} ms ago`);
  if (!marketOpen) return check(true, age === undefined ? 'market closed; no marks written yet' : `market closed; marks written ${age} ms ago`);
  return check(false, age === undefined ? 'no marks written yet' : `marks written ${age} ms ago, over ${marksFreshMs} ms`);
};

export const feedReadiness = (inputs: ReadinessInputs): FeedReadiness => {
  const { lease, health } = inputs;
  const checks = {
    lease: inputs.notStarted !== undefined
      ? check(false, `not started: ${inputs.notStarted}`)
      : check(lease === 'leading', lease === 'leading' ? 'this feed holds the lease' : `lease ${lease}`),
    source: check(health?.activeSource !== undefined, health?.activeSource ? `marks from ${health.activeSource}` : 'no healthy market-data source'),
    marks: marksCheck(inputs),
    bus: check(health?.busReachable ?? false, health === undefined ? 'not publishing yet' : health.busReachable ? 'the bus took the last call' : 'the bus took nothing on the last call'),
  };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
};
