// CloudWatch metric-math over the metrics the code emits: a SEARCH finds every series of one metric name with
// a given dimension set (a new denial reason or account shows without a deploy), and SUM folds them into one.
// The dashboard plots them and the metric alarms compare them.
import type { Duration } from 'aws-cdk-lib';
import { MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { METRICS_NAMESPACE } from '../shared/telemetry/metrics';

/** The SEARCH text: each series of `metricName` with exactly these dimensions, summed per period. */
const searchText = (dimensions: readonly string[], metricName: string, period: Duration, filter: string): string =>
  `SEARCH('{${[METRICS_NAMESPACE, ...dimensions].join(',')}} MetricName="${metricName}"${filter ? ` ${filter}` : ''}', 'Sum', ${period.toSeconds()})`;

/** One line per series found. */
export const searchOf = (dimensions: readonly string[], metricName: string, period: Duration, options: { filter?: string; label?: string } = {}): MathExpression =>
  new MathExpression({ expression: searchText(dimensions, metricName, period, options.filter ?? ''), usingMetrics: {}, period, ...(options.label ? { label: options.label } : {}) });

/** Every series found, summed: one line. */
export const sumOfSearch = (dimensions: readonly string[], metricName: string, period: Duration, options: { filter?: string; label?: string } = {}): MathExpression =>
  new MathExpression({ expression: `SUM(${searchText(dimensions, metricName, period, options.filter ?? '')})`, usingMetrics: {}, period, ...(options.label ? { label: options.label } : {}) });
