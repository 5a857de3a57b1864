// The local run's report: what the pipeline did, in the JSON shape documented in the README.
import { z } from 'zod';

export const LocalReportSchema = z.object({
  durationMs: z.number(),
  strategy: z.string(),
  seed: z.number(),
  intents: z.number().int(),
  approved: z.number().int(),
  denied: z.record(z.string(), z.number().int()),
  blockedBeforeSubmit: z.record(z.string(), z.number().int()),
  invalidProposals: z.number().int(),
  brokerOrders: z.object({ submitted: z.number().int(), submitCalls: z.number().int() }),
  fills: z.number().int(),
  positions: z.record(z.string(), z.string()),
  cash: z.string(),
  reconciliation: z.object({ status: z.string(), breaks: z.number().int(), positionsCompared: z.number().int() }),
  decisionLatencyMs: z.object({ p50: z.number(), p99: z.number(), max: z.number(), samples: z.number().int() }),
  deadLetters: z.number().int(),
  /** First few dead-letter causes, so a failed delivery is explained, not just counted. */
  deadLetterCauses: z.array(z.string()),
  peakRssMb: z.number(),
  stoppedBy: z.enum(['duration', 'signal']),
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
    `run finished (${r.stoppedBy}) after ${(r.durationMs / 1000).toFixed(1)} s, strategy ${r.strategy}, seed ${r.seed}`,
    `  intents        ${r.intents}`,
    `  approved       ${r.approved}`,
    `  denied         ${denied}`,
    `  broker orders  ${r.brokerOrders.submitted} (submit calls ${r.brokerOrders.submitCalls})`,
    `  fills          ${r.fills}`,
    `  positions      ${positions}`,
    `  cash           ${r.cash}`,
    `  reconciliation ${r.reconciliation.status}, ${r.reconciliation.breaks} break(s) over ${r.reconciliation.positionsCompared} symbol(s)`,
    `  decision ms    p50 ${r.decisionLatencyMs.p50.toFixed(2)}, p99 ${r.decisionLatencyMs.p99.toFixed(2)} (${r.decisionLatencyMs.samples} decisions)`,
    `  dead letters   ${r.deadLetters}${r.deadLetterCauses.length ? ` (${r.deadLetterCauses.join('; ')})` : ''}`,
    `  peak RSS       ${r.peakRssMb.toFixed(0)} MB`,
  ].join('\n');
};
