// The telemetry port: counts and measurements the core and the handlers emit. Adapters: Powertools Metrics
// (CloudWatch EMF) in AWS, in memory for tests and the local runtime. Metric names live in
// shared/telemetry/metrics.ts.
export interface Telemetry {
  count(metric: string, dimensions?: Record<string, string>, value?: number): void;
  durationMs(metric: string, ms: number, dimensions?: Record<string, string>): void;
  /** A level at this moment (exposure, P&L, a state's code): the latest value, not a count. */
  gauge(metric: string, value: number, dimensions?: Record<string, string>): void;
}
