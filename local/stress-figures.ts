// The stress run's figures in the report (`report.stress`, `--scenario stress`): their shape, the printed block,
// and the ones that fail the run. A rate below twice the peak or a backlog is a measurement, never a failure.
import * as z from 'zod';

const Count = z.number().int();

export const StressFiguresSchema = z.object({
  /** The environment's expected peak per account (load.peakIntentsPerSecond) and the rate driven: twice it. */
  peakIntentsPerSecond: Count,
  targetIntentsPerSecond: z.number(),
  /** The limits of the run: the host's guard and the flood limit above the target, the order rate the environment's. */
  runawayGuard: z.object({ maxIntents: Count, windowMs: Count }),
  intentFloodPerStrategyPerSecond: Count,
  orderRate: z.object({ maxOrders: Count, windowMs: Count }),
  /** From the run's start to the strategy's stop (its last intents published). */
  driveMs: z.number(),
  intentsProposed: Count,
  intentsPublished: Count,
  proposedPerSecond: z.number(),
  /** First decisions (approvals and denials; a replay is not one), those made before the drive ended, and their span. */
  decisions: Count,
  decidedDuringDrive: Count,
  decisionSpanMs: z.number(),
  /** decisions ÷ the seconds from the first decision to the last (the drain's included). */
  sustainedDecisionsPerSecond: z.number(),
  /** sustainedDecisionsPerSecond ÷ targetIntentsPerSecond: 1 or more when the pipeline kept up with twice the peak. */
  ratioToTarget: z.number(),
  /** From the intent's arrival in the intake queue (SQS SentTimestamp) to its decision. */
  decisionLatencyMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  /** Messages in the intents' queue when the strategy stopped, before the drain: waiting (visible) and in flight. */
  backlogAtDriveEnd: z.object({ visible: Count, inFlight: Count }),
  /** The marks item sampled through the drive: the oldest mark seen (ms; null when never sampled) against the risk function's limit. */
  marks: z.object({ oldestAgeMs: z.number().nullable(), limitMs: Count, samples: Count }),
  deniedByReason: z.record(z.string(), Count),
  /** Must be 0: the marks stayed fresh under the load. */
  deniedMarkStale: Count,
  /** Intents decided more than 5 s after their creation or arrival: the backlog's cost, reported. */
  deniedIntentExpired: Count,
  /**
   * The session's halt (a MANUAL breaker trip): planned at two-thirds of the run, HALTED durable this long after
   * the start (null: never), how long it held (null: to the end; the breaker's cooldown outlasts the run), and
   * the orders that started towards the broker while halted (must be 0).
   */
  halt: z.object({ plannedAfterMs: z.number(), haltedAfterMs: z.number().nullable(), haltedForMs: z.number().nullable(), ordersAfterHalt: Count.nullable() }),
  /** Cores this machine offers to the whole run (the strategy, every function and DynamoDB Local). */
  cores: Count,
  note: z.string(),
});
export type StressFigures = z.infer<typeof StressFiguresSchema>;

/** Why the stress run fails, or undefined: orders after the halt, stale marks, no control acting, or no halt. */
export const stressFailure = (s: StressFigures): string | undefined => {
  if (s.halt.haltedAfterMs === null) return 'the stress run never halted the account: nothing shows that no order reaches the broker after a halt under load';
  if (s.halt.ordersAfterHalt !== null && s.halt.ordersAfterHalt > 0) return `${s.halt.ordersAfterHalt} order(s) started towards the broker after the halt under load`;
  if (s.deniedMarkStale > 0) return `${s.deniedMarkStale} intent(s) denied MARK_STALE under load: the marks went stale`;
  if (Object.keys(s.deniedByReason).length === 0) return 'no intent was denied under twice the peak: the controls did not act';
  return undefined;
};

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The printed block of a stress run, indented as the summary's lines. */
export const formatStress = (s: StressFigures): string[] => {
  const denied = Object.entries(s.deniedByReason).map(([k, v]) => `${k}=${v}`).join(', ') || 'none';
  const held = s.halt.haltedForMs === null ? 'to the end of the run' : `for ${seconds(s.halt.haltedForMs)} s`;
  const halt = s.halt.haltedAfterMs === null ? 'never halted' : `halted ${seconds(s.halt.haltedAfterMs)} s in (planned ${seconds(s.halt.plannedAfterMs)} s), ${held}`;
  return [
    `  stress         drove ${s.targetIntentsPerSecond}/s (2 × peak ${s.peakIntentsPerSecond}) for ${seconds(s.driveMs)} s: ${s.intentsProposed} proposed (${s.proposedPerSecond.toFixed(1)}/s), ${s.intentsPublished} published; ` +
      `guard ${s.runawayGuard.maxIntents}/${s.runawayGuard.windowMs} ms, flood ${s.intentFloodPerStrategyPerSecond}/s, order rate ${s.orderRate.maxOrders}/${s.orderRate.windowMs} ms`,
    `                 ${s.decisions} decisions over ${seconds(s.decisionSpanMs)} s: ${s.sustainedDecisionsPerSecond.toFixed(1)}/s sustained (${s.ratioToTarget.toFixed(2)} of the target); ` +
      `latency p50 ${s.decisionLatencyMs.p50.toFixed(0)} ms, p99 ${s.decisionLatencyMs.p99.toFixed(0)} ms; backlog at the drive's end ${s.backlogAtDriveEnd.visible + s.backlogAtDriveEnd.inFlight} (${s.backlogAtDriveEnd.inFlight} in flight)`,
    `                 oldest mark ${s.marks.oldestAgeMs === null ? 'never sampled' : `${s.marks.oldestAgeMs.toFixed(0)} ms`} (limit ${s.marks.limitMs} ms, ${s.marks.samples} samples); MARK_STALE ${s.deniedMarkStale}, INTENT_EXPIRED ${s.deniedIntentExpired}`,
    `                 denied ${denied}`,
    `                 ${halt}; ${s.halt.ordersAfterHalt ?? 0} order(s) started towards the broker after it`,
    `                 ${s.note}`,
  ];
};
