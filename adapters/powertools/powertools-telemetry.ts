// Telemetry port over Powertools Metrics: each count is a single EMF metric with its own dimensions (the
// denial reason is a dimension), flushed immediately so nothing is lost if the invocation dies.
import type { Telemetry } from '../../shared/ports/telemetry';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '../../shared/telemetry/metrics';

export class PowertoolsTelemetry implements Telemetry {
  constructor(private readonly metrics: Metrics = new Metrics({ namespace: METRICS_NAMESPACE })) {}

  count(metric: string, dimensions: Record<string, string> = {}, value = 1): void {
    const single = this.metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(metric, MetricUnit.Count, value);
  }

  durationMs(metric: string, ms: number, dimensions: Record<string, string> = {}): void {
    const single = this.metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(metric, MetricUnit.Milliseconds, ms);
  }

  gauge(metric: string, value: number, dimensions: Record<string, string> = {}): void {
    const single = this.metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric(metric, MetricUnit.NoUnit, value);
  }
}
