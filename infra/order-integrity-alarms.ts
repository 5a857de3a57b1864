// The alarms on what the broker and the table say about one order: a broker order id that changed (the table
// and the broker disagree about which order is ours; pages, and the stack also makes it halt trading) and a
// queued broker update the broker did not confirm (a forged or corrupted message; pages). Both read the
// Powertools metrics, whose dimensions always include the function's `service`, so each alarm sums every
// service (and reason) that emits its metric.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { BROKER_UPDATE_REJECTIONS } from '../shared/order-service/update-confirmation';
import type { FunctionName } from '../shared/routing/routes';
import { METRICS, METRICS_NAMESPACE } from '../shared/telemetry/metrics';
import { describeAlarm } from './alarm-runbooks';
import { notifyTier, type AlarmTopics } from './on-call';

/** The functions that apply the broker's view of an order: the queue, reconciliation and the cancel-all paths. */
export const BROKER_VIEW_SERVICES: readonly FunctionName[] = ['order', 'reconciliation', 'breaker', 'kill-switch', 'dead-man-switch'];

export interface OrderIntegrityAlarmsProps {
  topics: AlarmTopics;
}

const PERIOD = Duration.minutes(1);

/** Metric-math ids must start with a lower-case letter and hold only letters, digits and underscores. */
const mathId = (prefix: string, name: string): string => `${prefix}_${name.replace(/[^A-Za-z0-9]/g, '_')}`;

/** One series per dimension set, summed: any one of them at 1 or more in a minute trips the alarm. */
const sumOf = (metricName: string, dimensionSets: readonly Record<string, string>[], label: string): MathExpression =>
  new MathExpression({
    expression: 'SUM(METRICS())',
    label,
    period: PERIOD,
    usingMetrics: Object.fromEntries(
      dimensionSets.map((dimensionsMap) => [
        mathId('m', Object.values(dimensionsMap).join('_')),
        new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic: Stats.SUM, period: PERIOD }),
      ]),
    ),
  });

export class OrderIntegrityAlarms extends Construct {
  /** Any broker order id that differs from the stored one. */
  readonly brokerOrderIdChanged: Alarm;
  /** Any queued broker update the broker did not confirm. */
  readonly brokerUpdateRejected: Alarm;

  constructor(scope: Construct, id: string, props: OrderIntegrityAlarmsProps) {
    super(scope, id);
    this.brokerOrderIdChanged = new Alarm(this, 'BrokerOrderIdChangedAlarm', {
      alarmDescription: describeAlarm(
        this,
        'the broker named another broker order id for an order than the one stored (BrokerOrderIdChanged): the table and the broker disagree about which order is ours; not applied, trading halts; compare the ORDER_ANOMALY audit entry with the broker',
        'broker-order-id-changed',
      ),
      metric: sumOf(METRICS.brokerOrderIdChanged, BROKER_VIEW_SERVICES.map((service) => ({ service })), 'broker order ids changed'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.brokerUpdateRejected = new Alarm(this, 'BrokerUpdateRejectedAlarm', {
      alarmDescription: describeAlarm(
        this,
        'a broker update on the order queue was not confirmed by the broker (BrokerUpdateRejected): nothing was booked from it; find who can send to the queue (BROKER_UPDATE_REJECTED audit entries)',
        'broker-update-rejected',
      ),
      metric: sumOf(METRICS.brokerUpdateRejected, BROKER_UPDATE_REJECTIONS.map((reason) => ({ service: 'order', reason })), 'broker updates rejected'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.brokerOrderIdChanged, this.brokerUpdateRejected]) notifyTier(alarm, 'page', props.topics);
  }
}
