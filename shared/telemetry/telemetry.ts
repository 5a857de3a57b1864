// The telemetry port: counts and measurements the handlers emit. The Lambda adapter writes them as
// CloudWatch EMF through Powertools Metrics; tests and the local runtime keep them in memory.
export interface Telemetry {
  count(metric: string, dimensions?: Record<string, string>, value?: number): void;
  durationMs(metric: string, ms: number, dimensions?: Record<string, string>): void;
}

/** Keeps every emitted metric in memory: the local runtime's report and the tests read it. */
export class InMemoryTelemetry implements Telemetry {
  readonly counts = new Map<string, number>();
  readonly durations = new Map<string, number[]>();

  private static key(metric: string, dimensions?: Record<string, string>): string {
    const dims = Object.entries(dimensions ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return dims ? `${metric}{${dims}}` : metric;
  }

  count(metric: string, dimensions?: Record<string, string>, value = 1): void {
    const key = InMemoryTelemetry.key(metric, dimensions);
    this.counts.set(key, (this.counts.get(key) ?? 0) + value);
  }

  durationMs(metric: string, ms: number, dimensions?: Record<string, string>): void {
    const key = InMemoryTelemetry.key(metric, dimensions);
    const list = this.durations.get(key) ?? [];
    list.push(ms);
    this.durations.set(key, list);
  }

  countOf(metric: string, dimensions?: Record<string, string>): number {
    return this.counts.get(InMemoryTelemetry.key(metric, dimensions)) ?? 0;
  }

  /** Counts of a metric emitted with the single dimension `dimension`, by that dimension's value. */
  countsBy(metric: string, dimension: string): Record<string, number> {
    const prefix = `${metric}{${dimension}=`;
    const result: Record<string, number> = {};
    for (const [key, count] of this.counts) {
      if (key.startsWith(prefix) && key.endsWith('}')) result[key.slice(prefix.length, -1)] = count;
    }
    return result;
  }
}

export const METRICS = {
  invalidInput: 'InvalidInput',
  decision: 'RiskDecision',
  decisionLatency: 'RiskDecisionLatency',
  riskBreach: 'RiskBreach',
  orderSubmitted: 'OrderSubmitted',
  orderDuplicate: 'OrderDuplicateDelivery',
  orderBlocked: 'OrderBlockedBeforeSubmit',
  fillApplied: 'FillApplied',
  /** Invalid transitions, overfills, fill gaps, unknown broker orders: alarmed. */
  orderAnomaly: 'OrderAnomaly',
  orderTransition: 'OrderTransition',
  orderInFlight: 'OrderInFlight',
  staleBrokerUpdate: 'StaleBrokerUpdate',
  /** Cancels by outcome (canceled locally, requested at the broker, already final, waiting). */
  cancelRequested: 'OrderCancelRequested',
  /** A cancel the rate window or the audit trail could not record: sent anyway (a cancel only lowers exposure), alarmed. */
  cancelNotCounted: 'CancelNotCounted',
  reconciliationBreaks: 'ReconciliationBreaks',
  brokerUpdateRelayed: 'BrokerUpdateRelayed',
  /** Order-queue work left to reconciliation after repeated waits (an order in flight, an unanswered query). */
  handedToReconciliation: 'OrderWorkHandedToReconciliation',
  /** An update the queue would not take: reconciliation recovers it; alarmed. */
  brokerUpdateNotRelayed: 'BrokerUpdateNotRelayed',
  /** The broker's update stream dropped; updates may have been missed until reconciliation runs. */
  brokerStreamDisconnected: 'BrokerStreamDisconnected',
  /** The dead-man switch found the feed stale for an account (per check); it cancelled and raised FEED_STALE. */
  feedStale: 'FeedStale',
  /** A dead-man switch step failed (a read, the breach, a cancel-all): a read failure counts as stale (fail closed). */
  deadManSwitchFailure: 'DeadManSwitchFailure',
  /** Breach events the breaker function ignored (an alarm that is not ALARM, a break seen in one run only). */
  breakerEventIgnored: 'BreakerEventIgnored',
  /** The breaker function's own halt right after a start failed (the execution's SetHalted still halts). */
  breakerHaltOnStartFailed: 'BreakerHaltOnStartFailed',
} as const;
