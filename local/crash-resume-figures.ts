// The report's crashResume figures for a run with --data-dir: what start-up settled after a kill, and the
// invariants a crash must not break, counted over the directory's whole life (the table and the venue persist).
import { bookedFills } from './chaos-report';
import type { LocalReport } from './report';
import type { SessionWiring } from './session-wiring';

export const crashResumeFigures = async (w: SessionWiring, restart: { booked: number; blocked: number; lostClaims: number } | undefined): Promise<NonNullable<LocalReport['crashResume']>> => ({
  resumed: restart !== undefined,
  settledAtStartup: restart ?? null,
  fills: { booked: await bookedFills(w), broker: w.broker.fills().length },
  resubmittedIntents: w.broker.resubmittedClientOrderIds().length,
});
