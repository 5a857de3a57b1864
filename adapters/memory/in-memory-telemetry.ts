// The in-memory telemetry adapter: keeps every emitted metric so the local runtime's report and the tests
// can read them back by name and dimensions.
import type { Telemetry } from '../../shared/ports/telemetry';

/** One emission, as the Powertools adapter would publish it: a single metric with its unit and dimensions. */
export interface TelemetryEmission {
  metric: string;
  unit: 'Count' | 'Milliseconds' | 'NoUnit';
  value: number;
  dimensions: Record<string, string>;
}

/** Keeps every emitted metric in memory: the local runtime's report and the tests read it. */
export class InMemoryTelemetry implements Telemetry {
  readonly counts = new Map<string, number>();
  readonly durations = new Map<string, number[]>();
  readonly gauges = new Map<string, number>();
  private readonly listeners = new Set<(emission: TelemetryEmission) => void>();

  /** Tells `listener` of every emission from now on (the local usage meter counts them); returns what stops it. */
  observe(listener: (emission: TelemetryEmission) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emitted(emission: TelemetryEmission): void {
    for (const listener of this.listeners) listener(emission);
  }

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
    this.emitted({ metric, unit: 'Count', value, dimensions: dimensions ?? {} });
  }

  durationMs(metric: string, ms: number, dimensions?: Record<string, string>): void {
    const key = InMemoryTelemetry.key(metric, dimensions);
    const list = this.durations.get(key) ?? [];
    list.push(ms);
    this.durations.set(key, list);
    this.emitted({ metric, unit: 'Milliseconds', value: ms, dimensions: dimensions ?? {} });
  }

  gauge(metric: string, value: number, dimensions?: Record<string, string>): void {
    this.gauges.set(InMemoryTelemetry.key(metric, dimensions), value);
    this.emitted({ metric, unit: 'NoUnit', value, dimensions: dimensions ?? {} });
  }

  /** The latest value of a gauge, undefined when none was emitted. */
  gaugeOf(metric: string, dimensions?: Record<string, string>): number | undefined {
    return this.gauges.get(InMemoryTelemetry.key(metric, dimensions));
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
